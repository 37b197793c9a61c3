// Tests of plan event wording and merging.

import { describe, expect, it } from 'vitest';
import { describeEvent, mergeEvents, waitingUntil } from './events';
import { formatWhen } from './time';

describe('describeEvent', () => {
  it('words the events of a plan run as the engine records them', () => {
    expect(describeEvent('Approved', { approver: { id: 'usr_1', kind: 'user', name: 'carol@demo.test' }, comment: 'lgtm', stage: 0 })).toEqual({
      title: 'Approved by carol@demo.test',
      detail: 'stage 1 — lgtm',
      tone: 'ok',
    });
    expect(describeEvent('ApprovalRequested', { count: 1, groups: ['change-board', 'cto-office'], name: 'change-board', stage: 1 })).toEqual({
      title: 'Approval requested (stage 2: change-board)',
      detail: '1 of change-board or cto-office',
      tone: 'warn',
    });
    expect(describeEvent('StepFailed', { step: 'deploy', attempt: 2, error: 'timeout', retry_at: '2026-11-24T10:00:00Z' }).detail).toBe(
      `timeout — retry ${formatWhen('2026-11-24T10:00:00Z')}`,
    );
    expect(describeEvent('StepWaiting', { step: 'pause', until: '2026-11-24T10:00:00Z' }).detail).not.toContain('2026-11-24T');
    expect(
      waitingUntil([
        { kind: 'StepWaiting', data: { step: 'pause', until: '2026-11-24T10:00:00Z' } },
        { kind: 'StepStarted', data: { step: 'other' } },
        { kind: 'StepWaiting', data: { step: 'pause', until: '2026-11-24T10:05:00Z' } },
      ]).get('pause'),
    ).toBe('2026-11-24T10:05:00Z');
    expect(describeEvent('Succeeded', { state_hash: 'fef4c9d9f67bfdb44e3e', project_seq: 1 }).detail).toBe('state fef4c9d9f67b');
    expect(describeEvent('StepSucceeded', { step: 'step-1', cost: 2 })).toMatchObject({ title: 'Step step-1 succeeded', detail: 'cost 2' });
  });

  it('still shows kinds it does not know', () => {
    expect(describeEvent('SomethingNew', {})).toEqual({ title: 'SomethingNew', detail: '', tone: 'neutral' });
  });
});

describe('mergeEvents', () => {
  it('orders by sequence and drops repeats from a replayed subscription', () => {
    const merged = mergeEvents(
      [{ seq: 1 }, { seq: 2 }, { seq: 3 }],
      [{ seq: 3 }, { seq: 5 }, { seq: 4 }],
    );
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});
