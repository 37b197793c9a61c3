// Tests of the members-and-roles panel's removal: it asks first; once removed, a notice says what
// went and offers Undo for a minute, which binds the same role to the same subject in the same
// scope through `bindRole` and says it is restored; a refused undo shows the server's words; a
// second removal replaces the first's notice; at the minute's end the notice is gone.

import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { Provider, type Operation } from 'urql';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockServer } from '../../test/mockClient';
import { RolesPanel, type RolesOrg } from './RolesPanel';

const BINDINGS: RolesOrg['roleBindings']['nodes'] = [
  { id: 'rb_1', role: 'viewer', subjectKind: 'user', subjectId: 'usr_1', scope: 'PROJECT', project: { slug: 'web' }, createdAt: '2026-03-01T10:00:00Z' },
  { id: 'rb_2', role: 'operator', subjectKind: 'group', subjectId: 'grp_1', scope: 'ORG', project: null, createdAt: '2026-03-01T10:00:00Z' },
];

const ORG: RolesOrg = {
  slug: 'demo',
  roleBind: true,
  roleBindings: { nodes: BINDINGS },
  groups: { nodes: [{ id: 'grp_1', name: 'sre', description: '', createdAt: '2026-03-01T10:00:00Z', members: [] }] },
  serviceAccounts: { nodes: [] },
  projects: { nodes: [{ id: 'prj_1', slug: 'web', name: 'Web', description: '' }] },
};

/** What `unbindRole` hands back for each binding: the server's label of the subject too. */
const REMOVED: Record<string, Record<string, unknown>> = {
  rb_1: { __typename: 'RoleBinding', id: 'rb_1', role: 'viewer', subjectKind: 'user', subjectId: 'usr_1', subject: 'bob@demo.test', scope: 'PROJECT', project: { __typename: 'Project', slug: 'web' } },
  rb_2: { __typename: 'RoleBinding', id: 'rb_2', role: 'operator', subjectKind: 'group', subjectId: 'grp_1', subject: 'sre', scope: 'ORG', project: null },
};

const name = (op: Operation) => getOperationAST(op.query)?.name?.value ?? '';

function renderPanel(rebind: () => ExecutionResult = () => ({ data: { bindRole: { __typename: 'RoleBinding', id: 'rb_9' } } })) {
  const mock = mockServer((op) => {
    if (name(op) === 'UnbindRole') return { data: { unbindRole: REMOVED[(op.variables as { id: string }).id] } };
    if (name(op) === 'BindRole') return rebind();
    return { data: {} };
  });
  const onChanged = vi.fn();
  render(
    <Provider value={mock.client}>
      <RolesPanel org={ORG} names={new Map([['grp_1', 'sre']])} onChanged={onChanged} />
    </Provider>,
  );
  const mutations = () => mock.operations.filter((op) => op.kind === 'mutation').map((op) => [name(op), op.variables]);
  return { mutations, onChanged };
}

/** Removes a binding through its button and the confirmation; the notice that says so. */
async function remove(label: string, says: string) {
  fireEvent.click(screen.getByRole('button', { name: label }));
  const dialog = screen.getByRole('dialog');
  expect(dialog.textContent).toContain('For a minute afterwards, Undo binds it again.');
  fireEvent.click(within(dialog).getByRole('button', { name: 'Remove role' }));
  await waitFor(() => expect(screen.getByTestId('role-undo').textContent).toContain(says));
  return screen.getByTestId('role-undo');
}

beforeEach(() => {
  // The countdown's clock and ticks are the test's; promises and testing-library's waits are not.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(new Date('2026-03-02T10:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe('RolesPanel removal', () => {
  it('offers Undo, which binds the same role to the same subject in the same project again', async () => {
    const { mutations, onChanged } = renderPanel();
    // The server names the user, where the list knew only the id.
    const notice = await remove('Remove role viewer from usr_1', 'Removed viewer from bob@demo.test in the project web.');
    expect(notice.getAttribute('role')).toBe('status');
    expect(within(notice).getByTestId('role-undo-left').textContent).toBe('1:00 left to undo');
    expect(mutations()).toEqual([['UnbindRole', { id: 'rb_1' }]]);
    expect(onChanged).toHaveBeenCalledTimes(1);

    const undo = within(notice).getByRole('button', { name: 'Undo' });
    expect(document.activeElement).toBe(undo);
    fireEvent.click(undo);
    expect((await screen.findByTestId('role-restored')).textContent).toBe('Restored viewer to bob@demo.test in the project web.');
    expect(screen.getByTestId('role-restored').getAttribute('role')).toBe('status');
    expect(mutations()).toEqual([
      ['UnbindRole', { id: 'rb_1' }],
      ['BindRole', { input: { org: 'demo', role: 'viewer', subject: { userEmail: 'bob@demo.test' }, project: 'web' } }],
    ]);
    expect(screen.queryByTestId('role-undo')).toBeNull();
    expect(onChanged).toHaveBeenCalledTimes(2);
  });

  it('shows the server’s words when the binding may not be made again, and keeps Undo for the minute', async () => {
    const { onChanged } = renderPanel(() => ({
      errors: [new GraphQLError('you may not bind roles in the organization demo', { extensions: { code: 'FORBIDDEN' } })],
    }));
    const notice = await remove('Remove role operator from sre', 'Removed operator from sre in the whole organization.');
    fireEvent.click(within(notice).getByRole('button', { name: 'Undo' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Not restored: you may not bind roles in the organization demo FORBIDDEN');
    expect(screen.queryByTestId('role-restored')).toBeNull();
    expect(screen.getByTestId('role-undo').textContent).toContain('Removed operator from sre in the whole organization.');
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('replaces the notice with a second removal’s, whose Undo binds that one', async () => {
    const { mutations } = renderPanel();
    await remove('Remove role viewer from usr_1', 'Removed viewer from bob@demo.test');
    act(() => vi.advanceTimersByTime(30_000));
    const second = await remove('Remove role operator from sre', 'Removed operator from sre in the whole organization.');
    expect(screen.getAllByTestId('role-undo')).toHaveLength(1);
    // A fresh minute for the new removal.
    expect(within(second).getByTestId('role-undo-left').textContent).toBe('1:00 left to undo');
    fireEvent.click(within(second).getByRole('button', { name: 'Undo' }));
    await screen.findByTestId('role-restored');
    expect(mutations().at(-1)).toEqual(['BindRole', { input: { org: 'demo', role: 'operator', subject: { groupId: 'grp_1' }, project: null } }]);
  });

  it('is gone when the minute is up, with nothing bound again', async () => {
    const { mutations } = renderPanel();
    await remove('Remove role viewer from usr_1', 'Removed viewer from bob@demo.test');
    act(() => vi.advanceTimersByTime(59_000));
    expect(screen.getByTestId('role-undo-left').textContent).toBe('0:01 left to undo');
    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.queryByTestId('role-undo')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Undo' })).toBeNull();
    expect(mutations().map(([n]) => n)).toEqual(['UnbindRole']);
  });
});
