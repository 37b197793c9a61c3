// Tests of the invitations panel: pending links with their purpose, address, role and expiry,
// revoked after a confirmation; an invitation made with a role and scope shows its full address
// once, to copy, and is gone from the page once stored; the server's refusal of a field shows
// beside it; a reset link for a member is shown the same way, and a refusal (a member of other
// organizations too) in the server's words; unlocking says it is done; removing a member's second
// factor takes a confirmation and says it is done; and only what the viewer
// may do is offered (`role.bind` for invitations, `identity.manage` for passwords).

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { Provider, type Operation } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import type { Invitation } from '../../api/types';
import { mockServer } from '../../test/mockClient';
import { InvitationsPanel, type InvitationsOrg } from './InvitationsPanel';

const PENDING: Invitation[] = [
  { id: 'inv_2', email: 'erin@example.com', purpose: 'JOIN', role: 'operator', project: null, createdAt: '2025-03-02T10:00:00Z', expiresAt: '2025-03-05T10:00:00Z' },
  { id: 'inv_1', email: 'bob@demo.test', purpose: 'RESET', role: null, project: null, createdAt: '2025-03-01T10:00:00Z', expiresAt: '2025-03-04T10:00:00Z' },
];

const ORG: InvitationsOrg = {
  slug: 'demo',
  roleBind: true,
  identityManage: true,
  projects: { nodes: [{ slug: 'payments', name: 'Payments' }] },
};

const name = (op: Operation) => getOperationAST(op.query)?.name?.value ?? '';
const typed = (i: Invitation) => ({ __typename: 'Invitation', ...i });
const made = (i: Invitation, link: string) => ({ __typename: 'InvitationWithLink', link, invitation: typed(i) });

function renderPanel(mutate: (op: Operation) => ExecutionResult = () => ({ data: {} }), org: InvitationsOrg = ORG) {
  const mock = mockServer((op) => {
    if (name(op) === 'AdminInvitations') return { data: { org: { __typename: 'Org', id: 'org_1', invitations: PENDING.map(typed) } } };
    if (name(op) === 'AdminMemberEmails') {
      return {
        data: {
          org: {
            __typename: 'Org',
            id: 'org_1',
            members: {
              __typename: 'OrgMemberConnection',
              nodes: [{ __typename: 'OrgMember', user: { __typename: 'User', id: 'usr_2', email: 'bob@demo.test', displayName: 'Bob' } }],
            },
          },
        },
      };
    }
    return mutate(op);
  });
  const view = render(
    <Provider value={mock.client}>
      <InvitationsPanel org={org} />
    </Provider>,
  );
  const mutations = () => mock.operations.filter((op) => op.kind === 'mutation').map((op) => [name(op), op.variables]);
  const asked = () => mock.operations.filter((op) => op.kind === 'query').map(name);
  return { ...view, mutations, asked };
}

const refused = (message: string, code: string, field?: string): ExecutionResult => ({
  errors: [new GraphQLError(message, { extensions: { code, ...(field ? { field } : {}) } })],
});
const inviteForm = () => within(screen.getByRole('form', { name: 'Invite someone' }));
const passwordsForm = () => within(screen.getByRole('form', { name: 'Members’ passwords' }));

describe('InvitationsPanel', () => {
  it('lists the links not yet used with their purpose, address, role and expiry', async () => {
    renderPanel();
    const table = await screen.findByRole('table', { name: 'Links not yet used' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell').slice(0, 3).map((c) => c.textContent))).toEqual([
      ['invitation', 'erin@example.com', 'operator'],
      ['password reset', 'bob@demo.test', '—'],
    ]);
    expect(rows[0]!.querySelector('time')!.getAttribute('dateTime')).toBe('2025-03-05T10:00:00Z');
    expect(within(rows[1]!).getByText('password reset').className).toContain('tone-warn');
  });

  it('revokes a link only after a confirmation', async () => {
    const { mutations, asked } = renderPanel(() => ({ data: { revokeInvitation: true } }));
    fireEvent.click(await screen.findByRole('button', { name: 'Revoke the invitation for erin@example.com' }));
    const confirm = screen.getByRole('dialog', { name: 'Revoke the invitation for erin@example.com?' });
    expect(confirm.textContent).toContain('Its link stops working now');
    expect(mutations()).toEqual([]);
    // "Cancel" has the focus: Enter pressed twice changes nothing.
    expect(document.activeElement).toBe(within(confirm).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(confirm).getByRole('button', { name: 'Revoke link' }));
    expect((await screen.findByTestId('invitation-done')).textContent).toBe('Revoked the invitation for erin@example.com: its link no longer works.');
    expect(mutations()).toEqual([['RevokeInvitation', { org: 'demo', id: 'inv_2' }]]);
    await waitFor(() => expect(asked().filter((n) => n === 'AdminInvitations').length).toBeGreaterThan(1));
  });

  it('invites with a role and scope and shows the full link once, to copy', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    try {
      const invitation: Invitation = { ...PENDING[0]!, id: 'inv_3', email: 'frank@example.com', role: 'approver' };
      const { mutations, container } = renderPanel(() => ({ data: { inviteMember: made(invitation, '/invite/tok_secret') } }));
      await screen.findByRole('table', { name: 'Links not yet used' });
      expect(inviteForm().getByLabelText<HTMLSelectElement>('Role').value).toBe('operator');
      expect([...inviteForm().getByLabelText<HTMLSelectElement>('Scope').options].map((o) => o.textContent)).toEqual([
        'Whole organization',
        'Project Payments',
      ]);
      fireEvent.change(inviteForm().getByLabelText('E-mail'), { target: { value: ' frank@example.com ' } });
      fireEvent.change(inviteForm().getByLabelText('Role'), { target: { value: 'approver' } });
      fireEvent.change(inviteForm().getByLabelText('Scope'), { target: { value: 'payments' } });
      fireEvent.click(inviteForm().getByRole('button', { name: 'Make an invitation link' }));

      const box = await screen.findByTestId('invitation-link');
      const url = `${window.location.origin}/invite/tok_secret`;
      expect(within(box).getByTestId('invitation-link-secret').textContent).toBe(url);
      expect(box.textContent).toContain('Invitation link for frank@example.com');
      expect(box.textContent).toContain('joins as frank@example.com with the role approver');
      expect(mutations()).toEqual([['InviteMember', { input: { org: 'demo', email: 'frank@example.com', role: 'approver', project: 'payments' } }]]);
      expect(inviteForm().getByLabelText<HTMLInputElement>('E-mail').value).toBe('');

      const copy = within(box).getByRole('button', { name: 'Copy' });
      // Focus comes to the copy button (after the render that shows the box).
      await waitFor(() => expect(document.activeElement).toBe(copy));
      fireEvent.click(copy);
      await waitFor(() => expect(copy.textContent).toBe('Copied'));
      expect(writeText).toHaveBeenCalledWith(url);

      fireEvent.click(within(box).getByRole('button', { name: 'I have stored it' }));
      expect(screen.queryByTestId('invitation-link')).toBeNull();
      expect(container.innerHTML).not.toContain('tok_secret');
    } finally {
      Reflect.deleteProperty(navigator, 'clipboard');
    }
  });

  it('shows the server’s refusal of a field beside it', async () => {
    renderPanel(() => refused('invalid project: `org_admin` can only be bound for the whole organization', 'VALIDATION', 'project'));
    await screen.findByRole('table', { name: 'Links not yet used' });
    fireEvent.change(inviteForm().getByLabelText('E-mail'), { target: { value: 'frank@example.com' } });
    fireEvent.change(inviteForm().getByLabelText('Role'), { target: { value: 'org_admin' } });
    fireEvent.change(inviteForm().getByLabelText('Scope'), { target: { value: 'payments' } });
    fireEvent.click(inviteForm().getByRole('button', { name: 'Make an invitation link' }));
    const error = await screen.findByText('invalid project: `org_admin` can only be bound for the whole organization');
    expect(error.id).toBe('invitation-project-error');
    expect(inviteForm().getByLabelText('Scope').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByTestId('invitation-link')).toBeNull();
  });

  it('makes a reset link for a member (suggested by address) and shows it once', async () => {
    const reset: Invitation = { ...PENDING[1]!, id: 'inv_4' };
    const { mutations } = renderPanel(() => ({ data: { issuePasswordReset: made(reset, '/invite/tok_reset') } }));
    await waitFor(() => expect([...document.querySelectorAll('#member-emails option')].map((o) => o.getAttribute('value'))).toEqual(['bob@demo.test']));
    expect(passwordsForm().getByLabelText('Member’s e-mail').getAttribute('list')).toBe('member-emails');
    fireEvent.change(passwordsForm().getByLabelText('Member’s e-mail'), { target: { value: 'bob@demo.test' } });
    fireEvent.click(passwordsForm().getByRole('button', { name: 'Make a reset link' }));
    const box = await screen.findByTestId('reset-link');
    expect(within(box).getByTestId('reset-link-secret').textContent).toBe(`${window.location.origin}/invite/tok_reset`);
    expect(box.textContent).toContain('Password reset link for bob@demo.test');
    expect(box.textContent).toContain('the current one works until then');
    expect(mutations()).toEqual([['IssuePasswordReset', { org: 'demo', email: 'bob@demo.test' }]]);
    expect(screen.queryByTestId('invitation-link')).toBeNull();
  });

  it('shows why a reset link was refused, in the server’s words', async () => {
    renderPanel(() =>
      refused(
        'forbidden: this person belongs to other organizations too: they change their password themselves, or an instance administrator resets it',
        'FORBIDDEN',
      ),
    );
    fireEvent.change(passwordsForm().getByLabelText('Member’s e-mail'), { target: { value: 'carol@demo.test' } });
    fireEvent.click(passwordsForm().getByRole('button', { name: 'Make a reset link' }));
    const alert = await passwordsForm().findByRole('alert');
    expect(alert.textContent).toBe(
      'forbidden: this person belongs to other organizations too: they change their password themselves, or an instance administrator resets it FORBIDDEN',
    );
    expect(screen.queryByTestId('reset-link')).toBeNull();
  });

  it('unlocks a member and says so', async () => {
    const { mutations } = renderPanel(() => ({ data: { unlockAccount: true } }));
    const unlock = passwordsForm().getByRole('button', { name: 'Unlock' });
    expect(unlock.hasAttribute('disabled')).toBe(true);
    fireEvent.change(passwordsForm().getByLabelText('Member’s e-mail'), { target: { value: ' bob@demo.test ' } });
    fireEvent.click(unlock);
    expect((await screen.findByTestId('unlock-done')).textContent).toBe(
      'Unlocked bob@demo.test: the wrong passwords given before no longer count, and they can sign in again.',
    );
    expect(mutations()).toEqual([['UnlockAccount', { org: 'demo', email: 'bob@demo.test' }]]);
  });

  it('removes a member’s second factor only after a confirmation, and says so', async () => {
    const { mutations } = renderPanel(() => ({ data: { removeSecondFactor: true } }));
    const remove = passwordsForm().getByRole('button', { name: 'Remove second factor…' });
    expect(remove.hasAttribute('disabled')).toBe(true);
    fireEvent.change(passwordsForm().getByLabelText('Member’s e-mail'), { target: { value: ' bob@demo.test ' } });
    fireEvent.click(remove);
    const confirm = passwordsForm().getByRole('dialog', { name: 'Remove the second factor of bob@demo.test?' });
    expect(confirm.textContent).toContain('their password alone signs them in');
    expect(mutations()).toEqual([]);
    expect(document.activeElement).toBe(within(confirm).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(confirm).getByRole('button', { name: 'Remove second factor' }));
    expect((await screen.findByTestId('unlock-done')).textContent).toBe(
      'Removed the second factor of bob@demo.test: they sign in with their password alone, and may turn two-step sign-in on again.',
    );
    expect(mutations()).toEqual([['RemoveSecondFactor', { org: 'demo', email: 'bob@demo.test' }]]);
    expect(passwordsForm().queryByRole('dialog')).toBeNull();
    expect(passwordsForm().getByLabelText<HTMLInputElement>('Member’s e-mail').value).toBe('');
  });

  it('offers only what the viewer may do', async () => {
    const passwordsOnly = renderPanel(undefined, { ...ORG, roleBind: false });
    await screen.findByRole('form', { name: 'Members’ passwords' });
    expect(screen.queryByRole('form', { name: 'Invite someone' })).toBeNull();
    // The pending links are asked for too: the server answers the reset links identity.manage
    // may revoke (and the invitations only with role.bind).
    await screen.findByRole('table', { name: 'Links not yet used' });
    expect(passwordsOnly.asked()).toContain('AdminInvitations');
    passwordsOnly.unmount();

    const invitationsOnly = renderPanel(undefined, { ...ORG, identityManage: false });
    await screen.findByRole('table', { name: 'Links not yet used' });
    expect(screen.getByRole('form', { name: 'Invite someone' })).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Members’ passwords' })).toBeNull();
    expect(invitationsOnly.asked()).not.toContain('AdminMemberEmails');
  });
});
