// The one line a plan card leads with: how its checks went and where the plan is now ("7
// checks passed · needs sre-leads then change-board", "Refused: …", "Rejected by carol at
// sre-leads: …"). A finished plan's line says what happened, never what it was waiting for.

import type { ApprovalStageStatus, DecisionCheck, PlanPreview, PlanStatus } from '../api/types';
import { isTerminal, type Tone } from './plans';
import { formatWhen, type TimeOptions } from './time';

export interface PlanSummaryInput {
  preview: PlanPreview;
  /** The plan's status; none for a preview not yet proposed. */
  status?: PlanStatus | null;
  /** The approval stages as they stand; the preview's own list of stages stands in without them. */
  stages?: ApprovalStageStatus[] | null;
  /** How instants are worded (tests give a zone). */
  time?: TimeOptions;
}

export interface PlanSummary {
  text: string;
  tone: Tone;
}

/** Every check of a preview, the plan's own first, then each step's. */
export function allChecks(preview: PlanPreview): DecisionCheck[] {
  return [...(preview.checks ?? []), ...preview.steps.flatMap((s) => s.checks)];
}

/** Names joined as people list them: "a", "a and b", "a, b and c". */
function listed(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function checksPassed(checks: DecisionCheck[]): string {
  const passed = checks.filter((c) => c.verdict === 'ALLOWED').length;
  const noun = (n: number) => (n === 1 ? 'check' : 'checks');
  if (passed === checks.length) return `${passed} ${noun(passed)} passed`;
  return `${passed} of ${checks.length} ${noun(checks.length)} passed`;
}

/** Who approved, across all stages, in order and each once. */
function approvers(stages: ApprovalStageStatus[]): string[] {
  const names = stages.flatMap((s) => s.approvals.filter((a) => a.decision === 'APPROVE').map((a) => a.approver));
  return [...new Set(names)];
}

export function planSummary({ preview, status, stages, time }: PlanSummaryInput): PlanSummary {
  const checks = allChecks(preview);
  const passed = checksPassed(checks);
  const denied = checks.find((c) => c.verdict === 'DENIED');
  if (preview.verdict === 'DENIED' || denied) {
    const why = denied?.message || denied?.code || 'the policy denies this plan';
    const retry = denied?.retryAt ? ` (passes from ${formatWhen(denied.retryAt, time)})` : '';
    return { text: `Refused: ${why}${retry}`, tone: 'bad' };
  }

  const known = stages ?? [];
  const waitingFor = stages ? known.filter((s) => !s.satisfied).map((s) => s.name) : preview.approvals.map((a) => a.name);
  const approvedBy = approvers(known);
  const approvedPart = approvedBy.length > 0 ? ` · approved by ${listed(approvedBy)}` : '';

  if (status && isTerminal(status)) {
    switch (status) {
      case 'REJECTED': {
        for (const s of known) {
          const r = s.approvals.find((a) => a.decision === 'REJECT');
          if (r) return { text: `Rejected by ${r.approver} at ${s.name}${r.comment ? `: “${r.comment}”` : ''}`, tone: 'bad' };
        }
        return { text: `${passed} · rejected`, tone: 'bad' };
      }
      case 'EXPIRED':
        return { text: waitingFor.length > 0 ? `Expired waiting for ${waitingFor[0]}` : `${passed} · expired`, tone: 'bad' };
      case 'SUCCEEDED':
        return { text: `${passed}${approvedPart} · succeeded`, tone: 'ok' };
      case 'FAILED':
        return { text: `${passed}${approvedPart} · failed`, tone: 'bad' };
      case 'CANCELLED':
        return { text: `${passed}${approvedPart} · cancelled`, tone: 'neutral' };
      case 'KILLED':
        return { text: `${passed}${approvedPart} · stopped by a kill switch`, tone: 'bad' };
    }
  }

  switch (status) {
    case 'APPROVED':
      return { text: `${passed}${approvedPart} · ready to run`, tone: 'ok' };
    case 'QUEUED':
      return { text: `${passed}${approvedPart} · queued to run`, tone: 'info' };
    case 'RUNNING':
      return { text: `${passed}${approvedPart} · running`, tone: 'info' };
    default:
      if (waitingFor.length > 0) return { text: `${passed} · needs ${waitingFor.join(' then ')}`, tone: 'warn' };
      return { text: `${passed} · no approval needed`, tone: 'ok' };
  }
}
