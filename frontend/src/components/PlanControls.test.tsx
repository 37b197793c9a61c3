// Tests that plan controls follow the viewer's rights and sign the plan hash.

import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import type { PlanStatus } from '../api/types';
import { mockClient } from '../test/mockClient';
import { PlanControls } from './PlanControls';

const base = { planId: 'pln_1', planHash: 'hash-1', eligibleToApprove: false, canReject: false, canExecute: false, canCancel: false };

function renderControls(props: Partial<typeof base> & { status: PlanStatus }, onDone = vi.fn()) {
  const mock = mockClient((op) => ({ approvePlan: { id: 'pln_1', status: 'APPROVED', __typename: 'Plan' }, _op: op.key }));
  render(
    <Provider value={mock.client}>
      <PlanControls {...base} {...props} onDone={onDone} />
    </Provider>,
  );
  return mock;
}

describe('PlanControls', () => {
  it('shows nothing to a viewer without rights', () => {
    renderControls({ status: 'PENDING_APPROVAL' });
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('shows Approve and Reject to an eligible approver and signs the plan hash', async () => {
    const onDone = vi.fn();
    const mock = renderControls({ status: 'PENDING_APPROVAL', eligibleToApprove: true, canReject: true }, onDone);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Approve', 'Reject']);
    fireEvent.change(screen.getByLabelText('Comment (optional)'), { target: { value: 'ship it' } });
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith('approved'));
    expect(mock.operations[0]!.variables).toEqual({ input: { planId: 'pln_1', planHash: 'hash-1', comment: 'ship it' } });
  });

  it('shows Run only for an approved plan the viewer may execute', () => {
    renderControls({ status: 'APPROVED', canExecute: true, canCancel: true });
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Run', 'Cancel plan']);
  });
});
