// Tests of the undo notice: a status region with a focused Undo button that counts down each
// second, announces "for a minute" instead of the ticking count, and is gone at zero.

import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UndoNotice } from './UndoNotice';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(new Date('2026-03-02T10:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe('UndoNotice', () => {
  it('offers Undo, counts down, and is gone when the minute is up', () => {
    const onUndo = vi.fn();
    const onExpired = vi.fn();
    render(
      <UndoNotice until="2026-03-02T10:01:00Z" onUndo={onUndo} onExpired={onExpired} testId="undo">
        Removed viewer from bob@demo.test in the whole organization.
      </UndoNotice>,
    );
    const notice = screen.getByRole('status');
    expect(notice.textContent).toContain('Removed viewer from bob@demo.test in the whole organization.');
    expect(screen.getByTestId('undo-left').textContent).toBe('1:00 left to undo');
    // The ticking count is not read out; "for a minute" is.
    expect(screen.getByTestId('undo-left').getAttribute('aria-hidden')).toBe('true');
    expect(notice.textContent).toContain('You can undo this for a minute.');
    const undo = screen.getByRole('button', { name: 'Undo' });
    expect(document.activeElement).toBe(undo);

    act(() => vi.advanceTimersByTime(18_000));
    expect(screen.getByTestId('undo-left').textContent).toBe('0:42 left to undo');
    fireEvent.click(undo);
    expect(onUndo).toHaveBeenCalledTimes(1);
    expect(onExpired).not.toHaveBeenCalled();

    act(() => vi.advanceTimersByTime(42_000));
    expect(screen.queryByRole('status')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Undo' })).toBeNull();
    expect(onExpired).toHaveBeenCalledTimes(1);
  });

  it('keeps the button while an undo is under way, but not pressable', () => {
    render(
      <UndoNotice until="2026-03-02T10:01:00Z" onUndo={() => {}} onExpired={() => {}} busy>
        Removed viewer from sre in the project web.
      </UndoNotice>,
    );
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Undo' }).disabled).toBe(true);
  });
});
