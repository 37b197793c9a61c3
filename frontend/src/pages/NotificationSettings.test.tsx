// Tests of the account page's Notifications section: one "E-mail me about …" box per category,
// ticked as the server has it; a change is sent at once and shown while it is saved; a refusal
// puts the box back and says why; an instance without SMTP shows the boxes disabled with the
// reason.

import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { Provider } from 'urql';
import { describe, expect, it } from 'vitest';
import { mockServer } from '../test/mockClient';
import { settingsData } from '../test/notifications';
import { NO_EMAIL_NOTE, NotificationSettings } from './NotificationSettings';

function serve(emailNotifications: boolean, answerSet: (input: { category: string; email: boolean }) => ExecutionResult) {
  const { client, operations } = mockServer((op) => {
    const name = getOperationAST(op.query)?.name?.value;
    if (name === 'NotificationSettings') return { data: settingsData(emailNotifications) };
    if (name === 'SetNotificationEmail') return answerSet((op.variables as { input: { category: string; email: boolean } }).input);
    throw new Error(`unexpected operation ${name}`);
  });
  render(
    <Provider value={client}>
      <NotificationSettings email="carol@demo.test" />
    </Provider>,
  );
  const sets = () => operations.filter((op) => getOperationAST(op.query)?.name?.value === 'SetNotificationEmail').map((op) => op.variables);
  return { sets };
}

const box = (about: string) => screen.findByRole<HTMLInputElement>('checkbox', { name: `E-mail me about ${about}` });
const saved = (input: { category: string; email: boolean }) => ({
  data: { setNotificationEmail: { __typename: 'NotificationSetting', category: input.category, label: 'x', email: input.email } },
});

describe('NotificationSettings', () => {
  it('shows one box per category as the server has it, and saves a change at once', async () => {
    const { sets } = serve(true, saved);
    expect(screen.getByRole('region', { name: 'Notifications' }).textContent).toContain('by e-mail to carol@demo.test');
    const approvals = await box('plans waiting for my approval');
    expect(screen.getAllByRole('checkbox').map((c) => [c.getAttribute('aria-label') ?? c.parentElement!.textContent, (c as HTMLInputElement).checked])).toEqual([
      ['E-mail me about plans waiting for my approval', true],
      ['E-mail me about my own plans', true],
      ['E-mail me about access requests', false],
      ['E-mail me about kill switches', true],
    ]);
    expect(approvals.disabled).toBe(false);
    expect(screen.queryByText(NO_EMAIL_NOTE)).toBeNull();

    fireEvent.click(approvals);
    expect(approvals.checked).toBe(false);
    await waitFor(() => expect(sets()).toEqual([{ input: { category: 'APPROVALS', email: false } }]));
    await waitFor(() => expect(approvals.disabled).toBe(false));
    expect(approvals.checked).toBe(false);

    fireEvent.click(await box('access requests'));
    await waitFor(() => expect(sets()).toHaveLength(2));
    expect(sets()[1]).toEqual({ input: { category: 'ACCESS_REQUESTS', email: true } });
    expect((await box('access requests')).checked).toBe(true);
  });

  it('puts the box back and says why when the server refuses', async () => {
    serve(true, () => ({ errors: [new GraphQLError('the database is read-only', { extensions: { code: 'UNAVAILABLE' } })] }));
    const kill = await box('kill switches');
    fireEvent.click(kill);
    expect((await screen.findByRole('alert')).textContent).toContain('Cannot save the choice: the database is read-only');
    expect(kill.checked).toBe(true);
    expect(kill.disabled).toBe(false);
  });

  it('shows the boxes disabled, with the reason, when the instance sends no e-mail', async () => {
    const { sets } = serve(false, saved);
    const approvals = await box('plans waiting for my approval');
    expect(screen.getByText(NO_EMAIL_NOTE).textContent).toBe('This instance sends no e-mail (no SMTP server is configured).');
    expect(screen.getAllByRole<HTMLInputElement>('checkbox').every((c) => c.disabled)).toBe(true);
    expect(screen.getByRole('group').getAttribute('aria-describedby')).toBe('no-email-note');
    fireEvent.click(approvals);
    expect(sets()).toEqual([]);
  });
});
