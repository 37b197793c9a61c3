// Tests that plan controls follow the viewer's rights, sign the plan hash, and reject only with a reason.

import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import type { PlanStatus } from '../api/types';
import { mockClient } from '../test/mockClient';
import { PlanControls } from './PlanControls';

const base = { planId: 'pln_1', planHash: 'hash-1', eligibleToApprove: false, canReject: false, canExecute: false, canCancel: false };

function renderControls(props: Partial<typeof base> & { status: PlanStatus }, onDone = vi.fn()) {
  const mock = mockClient((op) => ({
    approvePlan: { id: 'pln_1', status: 'APPROVED', __typename: 'Plan' },
    rejectPlan: { id: 'pln_1', status: 'REJECTED', __typename: 'Plan' },
    _op: op.key,
  }));
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

  it('asks why before rejecting, refuses an empty reason, and sends the one given', async () => {
    const onDone = vi.fn();
    const mock = renderControls({ status: 'PENDING_APPROVAL', eligibleToApprove: true, canReject: true }, onDone);
    fireEvent.click(screen.getByRole('button', { name: 'Reject' }));
    const dialog = screen.getByTestId('confirm-dialog');
    expect(dialog.textContent).toContain('Reject this plan?');
    expect(dialog.textContent).toContain('it will not run');
    fireEvent.change(screen.getByLabelText('Why (required)'), { target: { value: '   ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Reject plan' }));
    expect(screen.getByRole('alert').textContent).toContain('Give a reason');
    expect(mock.operations).toHaveLength(0);

    fireEvent.change(screen.getByLabelText('Why (required)'), { target: { value: 'not during the release freeze' } });
    fireEvent.click(screen.getByRole('button', { name: 'Reject plan' }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith('rejected'));
    expect(mock.operations[0]!.variables).toEqual({ input: { planId: 'pln_1', comment: 'not during the release freeze' } });
    expect(screen.queryByTestId('confirm-dialog')).toBeNull();
  });
});
