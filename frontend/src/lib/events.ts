// One line of plain language per plan event (see the engine's PlanEvent), for the timeline.
// Unknown kinds still show, with their kind name, so a newer server never breaks the page.

import type { Json } from '../api/types';
import { formatWhen } from './time';

type Data = Record<string, Json>;

function obj(data: Json): Data {
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Data) : {};
}

function str(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function who(v: Json | undefined): string {
  const a = obj(v ?? null);
  return str(a.name) || str(a.id) || 'someone';
}

export type EventTone = 'ok' | 'warn' | 'bad' | 'info' | 'neutral';

export interface DescribedEvent {
  title: string;
  detail: string;
  tone: EventTone;
}

export function describeEvent(kind: string, raw: Json): DescribedEvent {
  const d = obj(raw);
  const step = str(d.step);
  const stage = typeof d.stage === 'number' ? d.stage + 1 : null;
  switch (kind) {
    case 'Proposed':
      return { title: 'Proposed', detail: `verdict ${str(d.verdict)}, ${str(d.steps)} step(s), policy ${str(d.policyVersion ?? d.policy_version)}`, tone: 'neutral' };
    case 'ApprovalRequested':
      return { title: `Approval requested (stage ${stage ?? '?'}: ${str(d.name)})`, detail: `${str(d.count)} of ${(Array.isArray(d.groups) ? d.groups : []).map(str).join(' or ')}`, tone: 'warn' };
    case 'Approved':
      return { title: `Approved by ${who(d.approver)}`, detail: [stage ? `stage ${stage}` : '', str(d.comment)].filter(Boolean).join(' — '), tone: 'ok' };
    case 'StageSatisfied':
      return { title: `Stage ${stage ?? '?'} satisfied`, detail: '', tone: 'ok' };
    case 'Rejected':
      return { title: `Rejected${d.by ? ` by ${who(d.by)}` : ''}`, detail: [str(d.reason), str(d.comment)].filter(Boolean).join(' — '), tone: 'bad' };
    case 'Expired':
      return { title: 'Approval request expired', detail: '', tone: 'bad' };
    case 'Queued':
      return { title: `Queued by ${who(d.by)}`, detail: '', tone: 'info' };
    case 'Started':
      return { title: 'Execution started', detail: '', tone: 'info' };
    case 'StepStarted':
      return { title: `Step ${step} started`, detail: `attempt ${str(d.attempt)}`, tone: 'info' };
    case 'StepSkipped':
      return { title: `Step ${step} skipped`, detail: str(d.reason), tone: 'neutral' };
    case 'StepWaiting':
      return { title: `Step ${step} waiting`, detail: `until ${formatWhen(str(d.until))}`, tone: 'warn' };
    case 'GateOpened':
      return { title: `Gate ${step} opened`, detail: stage ? `stage ${stage}` : '', tone: 'warn' };
    case 'StepSucceeded':
      return { title: `Step ${step} succeeded`, detail: typeof d.cost === 'number' && d.cost > 0 ? `cost ${d.cost}` : '', tone: 'ok' };
    case 'StepFailed':
      return { title: `Step ${step} failed (attempt ${str(d.attempt)})`, detail: [str(d.error), d.retryAt ?? d.retry_at ? `retry ${formatWhen(str(d.retryAt ?? d.retry_at))}` : ''].filter(Boolean).join(' — '), tone: 'bad' };
    case 'StateChanged':
      return { title: `State changed by ${step}`, detail: `${Array.isArray(d.ops) ? d.ops.length : 0} change(s)`, tone: 'info' };
    case 'CompensationStarted':
      return { title: `Compensating ${step}`, detail: str(d.action), tone: 'warn' };
    case 'CompensationFinished':
      return { title: `Compensation of ${step} ${d.ok ? 'finished' : 'failed'}`, detail: str(d.error), tone: d.ok ? 'ok' : 'bad' };
    case 'Succeeded':
      return { title: 'Plan succeeded', detail: `state ${str(d.stateHash ?? d.state_hash).slice(0, 12)}`, tone: 'ok' };
    case 'Failed':
      return { title: 'Plan failed', detail: str(d.error), tone: 'bad' };
    case 'Cancelled':
      return { title: `Cancelled by ${who(d.by)}`, detail: str(d.reason), tone: 'bad' };
    case 'Killed':
      return { title: 'Killed', detail: str(d.reason), tone: 'bad' };
    default:
      return { title: kind, detail: '', tone: 'neutral' };
  }
}

/**
 * The instant a waiting step waits until, from data that carries it as `until`: a StepWaiting
 * event's data on the plan page, a WAITING step's output in a conversation.
 */
export function untilOf(data: Json | undefined): string | null {
  const until = obj(data ?? null).until;
  return typeof until === 'string' ? until : null;
}

/** Until when each step that waited last waits, from its latest StepWaiting event. */
export function waitingUntil(events: { kind: string; data: Json }[]): Map<string, string> {
  const until = new Map<string, string>();
  for (const e of events) {
    const step = obj(e.data).step;
    const when = untilOf(e.data);
    if (e.kind === 'StepWaiting' && typeof step === 'string' && when) until.set(step, when);
  }
  return until;
}

/** Merges events by sequence number, dropping repeats (a reconnect replays from `after`). */
export function mergeEvents<T extends { seq: number }>(known: T[], incoming: T[]): T[] {
  const bySeq = new Map<number, T>();
  for (const e of known) bySeq.set(e.seq, e);
  for (const e of incoming) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
