import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHAT_EVENTS, coalesce, INBOX_EVENTS, KILL_SWITCH_EVENTS, LIMITS_EVENTS, newSince, PLAN_EVENTS } from './refresh';

const e = (kind: string) => ({ kind });

describe('which entries a screen cares about', () => {
  it('a chat message and its reply move no plan list, inbox or kill switch; the plan it proposed does', () => {
    for (const kind of ['chat.message', 'chat.replied']) {
      expect([PLAN_EVENTS, INBOX_EVENTS, KILL_SWITCH_EVENTS, LIMITS_EVENTS].map((r) => r(e(kind)))).toEqual([false, false, false, false]);
      expect(CHAT_EVENTS(e(kind))).toBe(true);
    }
    expect([PLAN_EVENTS, INBOX_EVENTS, KILL_SWITCH_EVENTS, LIMITS_EVENTS].map((r) => r(e('plan.proposed')))).toEqual([true, true, false, true]);
  });

  it('kill switches, grants and budgets reach the screens that show them', () => {
    expect(KILL_SWITCH_EVENTS(e('killswitch.engaged'))).toBe(true);
    expect(LIMITS_EVENTS(e('killswitch.released'))).toBe(true);
    expect(INBOX_EVENTS(e('role.grant_requested'))).toBe(true);
    expect(LIMITS_EVENTS(e('budget.threshold_crossed'))).toBe(true);
    expect(LIMITS_EVENTS(e('autonomy.paused'))).toBe(true);
    expect(PLAN_EVENTS(e('policy.applied'))).toBe(false);
  });
});

describe('newSince', () => {
  it('is the entries after the count last seen, all of them when the window lost some, none after a reset', () => {
    expect(newSince(['a', 'b', 'c'], 1, 3)).toEqual(['b', 'c']);
    expect(newSince(['a', 'b', 'c'], 3, 3)).toEqual([]);
    expect(newSince(['x', 'y'], 0, 5)).toBeNull();
    expect(newSince([], 7, 0)).toEqual([]);
  });
});

describe('coalesce', () => {
  let hidden = false;
  beforeEach(() => {
    vi.useFakeTimers();
    hidden = false;
  });
  afterEach(() => vi.useRealTimers());

  it('refreshes once per burst, after it settles', () => {
    const refresh = vi.fn();
    const c = coalesce(refresh, () => hidden, 250, 1_000);
    c.poke();
    vi.advanceTimersByTime(100);
    c.poke();
    c.poke();
    vi.advanceTimersByTime(249);
    expect(refresh).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(refresh).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5_000);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('a steady stream still refreshes every max wait', () => {
    const refresh = vi.fn();
    const c = coalesce(refresh, () => hidden, 250, 1_000);
    for (let t = 0; t < 2_000; t += 100) {
      c.poke();
      vi.advanceTimersByTime(100);
    }
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('holds back while hidden and refreshes once when shown', () => {
    const refresh = vi.fn();
    const c = coalesce(refresh, () => hidden, 250, 1_000);
    hidden = true;
    c.poke();
    c.poke();
    vi.advanceTimersByTime(5_000);
    c.visibilityChanged();
    expect(refresh).not.toHaveBeenCalled();
    hidden = false;
    c.visibilityChanged();
    vi.advanceTimersByTime(250);
    expect(refresh).toHaveBeenCalledTimes(1);
    // Nothing more was due.
    c.visibilityChanged();
    vi.advanceTimersByTime(5_000);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('a tab hidden while a refresh waits does it when shown; shown without anything due, it does nothing', () => {
    const refresh = vi.fn();
    const c = coalesce(refresh, () => hidden, 250, 1_000);
    c.visibilityChanged();
    vi.advanceTimersByTime(1_000);
    expect(refresh).not.toHaveBeenCalled();
    c.poke();
    hidden = true;
    vi.advanceTimersByTime(1_000);
    expect(refresh).not.toHaveBeenCalled();
    hidden = false;
    c.visibilityChanged();
    vi.advanceTimersByTime(250);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('forgets what was due when disposed', () => {
    const refresh = vi.fn();
    const c = coalesce(refresh, () => hidden, 250, 1_000);
    c.poke();
    c.dispose();
    vi.advanceTimersByTime(5_000);
    expect(refresh).not.toHaveBeenCalled();
  });
});
