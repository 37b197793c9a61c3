// Tests of useAuthForm: local checks stop a submit before anything is sent; a refusal naming one
// of the form's server fields goes beside it, any other is general; a refusal runs `onError`;
// the form is busy while it is sent, and after success only with `keepBusy`.

import { act, renderHook } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { AuthError } from '../api/auth';
import { useAuthForm } from './useAuthForm';

type Field = 'current' | 'password' | 'repeat';
const form = () => renderHook(() => useAuthForm<Field>(['current', 'password']));
const refuse = (err: unknown) => () => Promise.reject(err);

describe('useAuthForm', () => {
  it('shows what the local check finds and sends nothing', async () => {
    const { result } = form();
    const run = vi.fn(async () => undefined);
    await act(() => result.current.submit(run, { check: () => ({ repeat: 'The two passwords differ.' }) }));
    expect(run).not.toHaveBeenCalled();
    expect(result.current.errors).toEqual({ repeat: 'The two passwords differ.' });
    expect(result.current.busy).toBe(false);
  });

  it('puts a refusal beside the field it names, and runs onError', async () => {
    const { result } = form();
    const onError = vi.fn();
    await act(() => result.current.submit(refuse(new AuthError('is not your current password', 'VALIDATION', 400, 'current')), { onError }));
    expect(result.current.errors).toEqual({ current: 'is not your current password' });
    expect(result.current.general).toBeNull();
    expect(result.current.busy).toBe(false);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('shows as general a refusal naming no server field of the form, and any other failure', async () => {
    const { result } = form();
    // `repeat` is only checked locally: the server naming it is not the form's to place.
    await act(() => result.current.submit(refuse(new AuthError('invalid repeat', 'VALIDATION', 400, 'repeat'))));
    expect(result.current.errors).toEqual({});
    expect(result.current.general).toBe('invalid repeat');

    await act(() => result.current.submit(refuse(new AuthError('too many attempts', 'RATE_LIMITED', 429, 'current'))));
    expect(result.current.errors).toEqual({});
    expect(result.current.general).toBe('too many attempts');

    await act(() => result.current.submit(refuse(new TypeError('Failed to fetch'))));
    expect(result.current.general).toBe('Failed to fetch');
  });

  it('clears the last refusal when sent again, and is busy until answered', async () => {
    const { result } = form();
    await act(() => result.current.submit(refuse(new AuthError('is too short', 'VALIDATION', 400, 'password'))));
    expect(result.current.errors).toEqual({ password: 'is too short' });

    let answer!: () => void;
    let sent!: Promise<void>;
    act(() => {
      sent = result.current.submit(() => new Promise<void>((resolve) => (answer = resolve)));
    });
    expect(result.current.busy).toBe(true);
    expect(result.current.errors).toEqual({});
    expect(result.current.general).toBeNull();

    await act(async () => {
      answer();
      await sent;
    });
    expect(result.current.busy).toBe(false);
  });

  it('stays busy after success when told to, not after a refusal', async () => {
    const { result } = form();
    await act(() => result.current.submit(async () => undefined, { keepBusy: true }));
    expect(result.current.busy).toBe(true);

    await act(() => result.current.submit(refuse(new Error('not on')), { keepBusy: true }));
    expect(result.current.busy).toBe(false);
    expect(result.current.general).toBe('not on');
  });
});
