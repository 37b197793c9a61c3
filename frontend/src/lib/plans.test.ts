// Tests of the plan status rules behind the controls.

import { describe, expect, it } from 'vitest';
import { isTerminal, planControls, verdictLabel } from './plans';

const none = { eligibleToApprove: false, canReject: false, canExecute: false, canCancel: false };

describe('planControls', () => {
  it('offers approve only to an eligible viewer of a pending plan', () => {
    expect(planControls({ ...none, status: 'PENDING_APPROVAL', eligibleToApprove: true })).toEqual({
      approve: true,
      reject: false,
      run: false,
      cancel: false,
    });
    expect(planControls({ ...none, status: 'APPROVED', eligibleToApprove: true }).approve).toBe(false);
  });

  it('offers run for approved plans to those who may execute', () => {
    expect(planControls({ ...none, status: 'APPROVED', canExecute: true }).run).toBe(true);
    expect(planControls({ ...none, status: 'PENDING_APPROVAL', canExecute: true }).run).toBe(false);
    expect(planControls({ ...none, status: 'APPROVED', canExecute: false }).run).toBe(false);
  });

  it('offers cancel until the plan has finished', () => {
    expect(planControls({ ...none, status: 'RUNNING', canCancel: true }).cancel).toBe(true);
    expect(planControls({ ...none, status: 'SUCCEEDED', canCancel: true }).cancel).toBe(false);
    expect(planControls({ ...none, status: 'REJECTED', canCancel: true }).cancel).toBe(false);
  });
});

describe('status words', () => {
  it('knows final statuses and verdict labels', () => {
    expect(isTerminal('SUCCEEDED')).toBe(true);
    expect(isTerminal('QUEUED')).toBe(false);
    expect(verdictLabel('NEEDS_APPROVAL')).toBe('Needs approval');
    expect(verdictLabel('DENIED')).toBe('Denied');
  });
});
