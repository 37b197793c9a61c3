// Plan status rules the UI relies on: which statuses are final, which controls a viewer sees
// for a plan, and how statuses and verdicts are worded and coloured.

export const TERMINAL = new Set(['rejected', 'expired', 'succeeded', 'failed', 'cancelled', 'killed']);
const CANCELLABLE = new Set(['draft', 'proposed', 'pending_approval', 'approved', 'queued', 'running']);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

export interface PlanRights {
  status: string;
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
  const pending = r.status === 'pending_approval';
  return {
    approve: pending && r.eligibleToApprove,
    reject: pending && r.canReject,
    run: r.status === 'approved' && r.canExecute,
    cancel: CANCELLABLE.has(r.status) && r.canCancel,
  };
}

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'neutral';

export function statusTone(status: string): Tone {
  switch (status) {
    case 'succeeded':
    case 'approved':
      return 'ok';
    case 'pending_approval':
    case 'queued':
    case 'waiting':
      return 'warn';
    case 'running':
      return 'info';
    case 'failed':
    case 'rejected':
    case 'killed':
    case 'expired':
      return 'bad';
    default:
      return 'neutral';
  }
}

export function verdictTone(verdict: string): Tone {
  switch (verdict.toUpperCase()) {
    case 'ALLOWED':
      return 'ok';
    case 'NEEDS_APPROVAL':
      return 'warn';
    case 'DENIED':
      return 'bad';
    default:
      return 'neutral';
  }
}

export function verdictLabel(verdict: string): string {
  switch (verdict.toUpperCase()) {
    case 'ALLOWED':
      return 'Allowed';
    case 'NEEDS_APPROVAL':
      return 'Needs approval';
    case 'DENIED':
      return 'Denied';
    default:
      return verdict;
  }
}

export function statusLabel(status: string): string {
  return status.replace(/_/g, ' ');
}
