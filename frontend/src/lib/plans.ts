// Plan status rules the UI relies on: which statuses are final, which controls a viewer sees
// for a plan, and how statuses and verdicts are worded and coloured.

import type { ChatStepProgress, PlanStatus, StepProgress, Verdict } from '../api/types';

export const TERMINAL = new Set<PlanStatus>(['REJECTED', 'EXPIRED', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'KILLED']);
const CANCELLABLE = new Set<PlanStatus>(['DRAFT', 'PROPOSED', 'PENDING_APPROVAL', 'APPROVED', 'QUEUED', 'RUNNING']);

export function isTerminal(status: PlanStatus): boolean {
  return TERMINAL.has(status);
}

export interface PlanRights {
  status: PlanStatus;
  /** The viewer may approve the plan's current stage now (it is in their inbox). */
  eligibleToApprove: boolean;
  canReject: boolean;
  canExecute: boolean;
  canCancel: boolean;
}

export interface PlanControls {
  approve: boolean;
  reject: boolean;
  run: boolean;
  cancel: boolean;
}

/** Which buttons a plan shows: the viewer's rights intersected with what the status allows. */
export function planControls(r: PlanRights): PlanControls {
  const pending = r.status === 'PENDING_APPROVAL';
  return {
    approve: pending && r.eligibleToApprove,
    reject: pending && r.canReject,
    run: r.status === 'APPROVED' && r.canExecute,
    cancel: CANCELLABLE.has(r.status) && r.canCancel,
  };
}

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'neutral';

export function statusTone(status: PlanStatus): Tone {
  switch (status) {
    case 'SUCCEEDED':
    case 'APPROVED':
      return 'ok';
    case 'PENDING_APPROVAL':
    case 'QUEUED':
      return 'warn';
    case 'RUNNING':
      return 'info';
    case 'FAILED':
    case 'REJECTED':
    case 'KILLED':
    case 'EXPIRED':
      return 'bad';
    default:
      return 'neutral';
  }
}

/**
 * A step's progress as a list shows it: the plan's own (its status one of the schema's
 * StepStatus), or folded from a chat session's events, which word a step's status in lower
 * case and more finely (`retrying`, `deferred`, `compensation_failed`, …).
 */
export type StepRow = Omit<StepProgress, 'status'> & { status: StepProgress['status'] | ChatStepProgress['status'] };

/** The tone of a step's status, either wording (hence compared as upper-case text). */
export function stepTone(status: StepRow['status']): Tone {
  switch (status) {
    case 'SUCCEEDED':
      return 'ok';
    case 'WAITING':
      return 'warn';
    case 'RUNNING':
      return 'info';
    case 'FAILED':
      return 'bad';
    default:
      return 'neutral';
  }
}

export function verdictTone(verdict: Verdict): Tone {
  switch (verdict) {
    case 'ALLOWED':
      return 'ok';
    case 'NEEDS_APPROVAL':
      return 'warn';
    case 'DENIED':
      return 'bad';
  }
}

export function verdictLabel(verdict: Verdict): string {
  switch (verdict) {
    case 'ALLOWED':
      return 'Allowed';
    case 'NEEDS_APPROVAL':
      return 'Needs approval';
    case 'DENIED':
      return 'Denied';
  }
}
