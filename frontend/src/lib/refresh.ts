// When a screen asks the server again after the org's audit stream reported something: only for
// the kinds of entry that can change what it shows, once per burst (one commit writes several
// entries: a chat message, the plan it proposed, the reply), and not while its tab is hidden —
// a hidden tab asks once when it is shown again. Audit entries carry ids and a kind, not the
// objects they changed, so the screens cannot be updated from them directly.

import type { AuditEvent } from '../api/types';

/** Whether an audit entry may change what a screen shows. */
export type Relevant = (event: Pick<AuditEvent, 'kind'>) => boolean;

/** Entries whose kind starts with one of `prefixes` (`'plan.'`: every plan event). */
export function kindIn(...prefixes: string[]): Relevant {
  return (event) => prefixes.some((p) => event.kind.startsWith(p));
}

/** A project's plans: proposals, decisions, runs. */
export const PLAN_EVENTS = kindIn('plan.');
/**
 * What waits for the viewer's approval: plans, and who may approve them (roles, temporary
 * grants and their requests, groups, the approval rules in policy).
 */
export const INBOX_EVENTS = kindIn('plan.', 'role.', 'grant.', 'group.', 'policy.');
/** The kill-switch banner of every screen. */
export const KILL_SWITCH_EVENTS = kindIn('killswitch.');
/**
 * Limits: plans hold and spend budget and count against rate limits; kill switches, autonomy,
 * budgets and policy (limits, windows) change them.
 */
export const LIMITS_EVENTS = kindIn('plan.', 'killswitch.', 'autonomy.', 'budget.', 'policy.', 'project.');
/** A project's conversations: new ones, new messages (their order), titles. */
export const CHAT_EVENTS = kindIn('chat.');
/** A project's schedules: their own changes, and the plans their slots propose. */
export const SCHEDULE_EVENTS = kindIn('schedule.', 'plan.', 'policy.');

/** How long a burst may still grow before the one refresh it causes. */
export const SETTLE_MS = 250;
/** A steady stream of entries still refreshes at least this often. */
export const MAX_WAIT_MS = 1_000;

export interface Coalescer {
  /** Something relevant happened: refresh after the burst settles (or when next visible). */
  poke: () => void;
  /** The tab's visibility changed: a refresh held back while hidden happens now. */
  visibilityChanged: () => void;
  /** Forget pending work (the screen is gone). */
  dispose: () => void;
}

/**
 * Calls `refresh` once per burst of `poke`s: `settleMs` after the last one, or `maxWaitMs`
 * after the first if they keep coming. While `hidden()` it only remembers that a refresh is
 * due, and does it when `visibilityChanged` finds the tab shown.
 */
export function coalesce(refresh: () => void, hidden: () => boolean, settleMs = SETTLE_MS, maxWaitMs = MAX_WAIT_MS): Coalescer {
  let due = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let firstAt = 0;
  const fire = () => {
    timer = null;
    if (hidden()) return;
    due = false;
    refresh();
  };
  const schedule = () => {
    const now = Date.now();
    if (timer === null) firstAt = now;
    else clearTimeout(timer);
    timer = setTimeout(fire, Math.max(0, Math.min(settleMs, firstAt + maxWaitMs - now)));
  };
  return {
    poke: () => {
      due = true;
      if (!hidden()) schedule();
    },
    visibilityChanged: () => {
      if (due && !hidden() && timer === null) schedule();
    },
    dispose: () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      due = false;
    },
  };
}

/**
 * The entries streamed since the count was `seen` (the count grows by one per entry; `recent`
 * holds the latest ones). `null` when more arrived than `recent` still holds: assume relevant.
 */
export function newSince<T>(recent: T[], seen: number, count: number): T[] | null {
  const fresh = count - seen;
  if (fresh <= 0) return [];
  if (fresh > recent.length) return null;
  return recent.slice(recent.length - fresh);
}
