import { renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../api/types';
import { PLAN_EVENTS } from '../lib/refresh';
import { useRefreshOnEvents } from './useActivityRefresh';

const entry = (kind: string) => ({ kind }) as AuditEvent;

describe('useRefreshOnEvents', () => {
  let visibility: DocumentVisibilityState = 'visible';
  beforeEach(() => {
    vi.useFakeTimers();
    visibility = 'visible';
    vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => visibility);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('reads again once for a chat message that proposed a plan, never for what came before it opened or for chat alone', () => {
    const refresh = vi.fn();
    const earlier = [entry('plan.proposed')];
    const { rerender } = renderHook(({ n, events }) => useRefreshOnEvents(n, events, PLAN_EVENTS, refresh), {
      initialProps: { n: 1, events: earlier },
    });
    vi.advanceTimersByTime(2_000);
    expect(refresh).not.toHaveBeenCalled();

    const chatOnly = [...earlier, entry('chat.message'), entry('chat.replied')];
    rerender({ n: 3, events: chatOnly });
    vi.advanceTimersByTime(2_000);
    expect(refresh).not.toHaveBeenCalled();

    // One message: three entries, arriving in two renders.
    const burst1 = [...chatOnly, entry('chat.message')];
    rerender({ n: 4, events: burst1 });
    const burst2 = [...burst1, entry('plan.proposed'), entry('chat.replied')];
    rerender({ n: 6, events: burst2 });
    vi.advanceTimersByTime(2_000);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('a hidden tab reads again when it is shown, once', () => {
    const refresh = vi.fn();
    const { rerender } = renderHook(({ n, events }) => useRefreshOnEvents(n, events, PLAN_EVENTS, refresh), {
      initialProps: { n: 0, events: [] as AuditEvent[] },
    });
    visibility = 'hidden';
    rerender({ n: 1, events: [entry('plan.proposed')] });
    rerender({ n: 2, events: [entry('plan.proposed'), entry('plan.approved')] });
    vi.advanceTimersByTime(10_000);
    expect(refresh).not.toHaveBeenCalled();
    visibility = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
    vi.advanceTimersByTime(1_000);
    expect(refresh).toHaveBeenCalledTimes(1);
  });
});
