// Tests of the header's bell: the badge shows the subscription's count (hidden at zero, "9+"
// above nine) and follows each message of the stream without reading the list again; the panel
// lists the newest notifications, marks one read when it is followed (and opens its page), marks
// all read, says "Nothing new." when there is nothing, and closes with Escape.

import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST } from 'graphql';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { Provider, type Operation } from 'urql';
import { describe, expect, it } from 'vitest';
import type { NotificationItem } from '../api/types';
import { mockStream } from '../test/mockClient';
import { notification } from '../test/notifications';
import { NotificationBell } from './NotificationBell';

const nameOf = (op: Operation) => getOperationAST(op.query)?.name?.value;

function Where() {
  return <p data-testid="where">{useLocation().pathname}</p>;
}

/** The bell with `list` on the server (`unread` of them unread) and `marked` as markNotificationsRead's answer. */
function serve(list: NotificationItem[], { unread = list.filter((n) => n.readAt === null).length, marked = 0 } = {}) {
  const { client, operations, push } = mockStream((op) => {
    const name = nameOf(op);
    if (name === 'Notifications') {
      return { data: { viewer: { __typename: 'Viewer', id: 'usr_1', unreadNotifications: unread, notifications: { nodes: list } } } };
    }
    if (name === 'MarkNotificationsRead') return { data: { markNotificationsRead: marked } };
    throw new Error(`unexpected operation ${name}`);
  });
  render(
    <Provider value={client}>
      <MemoryRouter initialEntries={['/orgs/demo/projects/web/plans']}>
        <NotificationBell org="demo" />
        <Routes>
          <Route path="*" element={<Where />} />
        </Routes>
      </MemoryRouter>
    </Provider>,
  );
  const named = (name: string) => operations.filter((op) => nameOf(op) === name);
  /** A message of the `notifications` subscription. */
  const say = (count: number, n: NotificationItem | null = null) =>
    act(() => push({ data: { notifications: { unread: count, notification: n } } }));
  return { named, say };
}

const bell = () => screen.getByTestId('notification-bell');
const badge = () => screen.queryByTestId('notification-count')?.textContent ?? null;
const open = async () => {
  fireEvent.click(bell());
  return within(await screen.findByRole('dialog', { name: 'Notifications' }));
};

describe('NotificationBell', () => {
  it('shows the subscription’s count: hidden at zero, the number up to nine, then 9+', async () => {
    const { say, named } = serve([]);
    expect(named('NotificationUpdates')).toHaveLength(1);
    expect(badge()).toBeNull();
    await say(3);
    expect(badge()).toBe('3');
    expect(bell().getAttribute('aria-label')).toBe('Notifications, 3 unread');
    await say(12);
    expect(badge()).toBe('9+');
    expect(bell().getAttribute('aria-label')).toBe('Notifications, 12 unread');
    await say(0);
    expect(badge()).toBeNull();
    expect(bell().getAttribute('aria-label')).toBe('Notifications, 0 unread');
    // Nothing read the list: the panel was never opened.
    expect(named('Notifications')).toHaveLength(0);
  });

  it('lists the newest on opening, and takes a new one from the stream into the badge and the list without reading the list again', async () => {
    const older = notification('a', { readAt: '2026-12-03T10:05:00Z', title: 'Approved: Restart a' });
    const { say, named } = serve([notification('b', { createdAt: '2026-12-03T10:30:00Z' }), older]);
    await say(1);
    const panel = await open();
    const items = () => panel.getAllByRole('listitem').map((li) => li.textContent);
    await waitFor(() => expect(items()).toHaveLength(2));
    expect(items()[0]).toMatch(/^Unread: Approval waiting: Restart bbob@demo\.test asks sre-leads to approve it\./);
    expect(items()[1]).toMatch(/^Approved: Restart a/);
    expect(panel.getAllByRole('listitem')[0]!.querySelector('time')?.getAttribute('dateTime')).toBe('2026-12-03T10:30:00Z');
    expect(named('Notifications')).toHaveLength(1);
    expect(named('Notifications')[0]!.variables).toEqual({ first: 20 });

    await say(2, notification('c', { createdAt: '2026-12-03T11:00:00Z', title: 'Access requested: operator for dave@demo.test', org: 'other' }));
    expect(badge()).toBe('2');
    expect(items()).toHaveLength(3);
    expect(items()[0]).toMatch(/^Unread: Access requested: operator for dave@demo\.test.* · in other$/);
    // A read mark elsewhere that leaves nothing unread: everything shown is read, nothing asked.
    await say(0);
    expect(badge()).toBeNull();
    expect(items().some((t) => t?.startsWith('Unread'))).toBe(false);
    expect(named('Notifications')).toHaveLength(1);
  });

  it('following a notification marks it read and opens its page', async () => {
    const { say, named } = serve([notification('b'), notification('a')], { marked: 1 });
    await say(2);
    const panel = await open();
    const link = await panel.findByRole('link', { name: /Approval waiting: Restart b/ });
    expect(link.getAttribute('href')).toBe('/orgs/demo/plans/pln_b');
    fireEvent.click(link);
    expect(screen.getByTestId('where').textContent).toBe('/orgs/demo/plans/pln_b');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(badge()).toBe('1');
    await waitFor(() => expect(named('MarkNotificationsRead')).toHaveLength(1));
    expect(named('MarkNotificationsRead')[0]!.variables).toEqual({ input: { ids: ['b'] } });
    // Opened again, it is shown read without reading the list again.
    const again = await open();
    expect(again.getByTestId('notification-b').className).toBe('bell-item');
    expect(again.getByTestId('notification-a').className).toBe('bell-item unread');
    expect(named('Notifications')).toHaveLength(1);
  });

  it('marks all read', async () => {
    const { say, named } = serve([notification('b'), notification('a')], { marked: 0 });
    await say(2);
    const panel = await open();
    await panel.findByRole('link', { name: /Restart b/ });
    fireEvent.click(panel.getByRole('button', { name: 'Mark all read' }));
    expect(badge()).toBeNull();
    expect(panel.queryAllByText('Unread:', { exact: false })).toHaveLength(0);
    expect(panel.getByRole<HTMLButtonElement>('button', { name: 'Mark all read' }).disabled).toBe(true);
    await waitFor(() => expect(named('MarkNotificationsRead')).toHaveLength(1));
    expect(named('MarkNotificationsRead')[0]!.variables).toEqual({ input: { all: true } });
    expect(bell().getAttribute('aria-label')).toBe('Notifications, 0 unread');
  });

  it('says so when there is nothing, and closes with Escape, the focus back on the bell', async () => {
    const { say } = serve([]);
    await say(0);
    const panel = await open();
    expect(bell().getAttribute('aria-expanded')).toBe('true');
    expect(await panel.findByText('Nothing new.')).toBeTruthy();
    expect(panel.getByRole<HTMLButtonElement>('button', { name: 'Mark all read' }).disabled).toBe(true);
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(bell());
    expect(bell().getAttribute('aria-expanded')).toBe('false');
  });

  it('does not follow a link that leaves the app', async () => {
    const { say } = serve([notification('x', { link: 'https://evil.test/phish' })]);
    await say(1);
    const panel = await open();
    const entry = await panel.findByRole('button', { name: /Restart x/ });
    expect(panel.queryByRole('link')).toBeNull();
    fireEvent.click(entry);
    expect(screen.getByTestId('where').textContent).toBe('/orgs/demo/projects/web/plans');
    expect(badge()).toBeNull();
  });
});
