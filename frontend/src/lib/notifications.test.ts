import { describe, expect, it } from 'vitest';
import { notification } from '../test/notifications';
import {
  appPath,
  badgeText,
  bellLabel,
  emailLabel,
  INITIAL_NOTIFICATIONS,
  NOTIFICATION_LIMIT,
  reduceNotifications,
  type NotificationsAction,
  type NotificationsState,
} from './notifications';

const AT = '2026-12-03T12:00:00Z';
const run = (actions: NotificationsAction[], from: NotificationsState = INITIAL_NOTIFICATIONS) => actions.reduce(reduceNotifications, from);
const loaded = (unread: number, ...ids: string[]): NotificationsAction => ({ type: 'loaded', unread, items: ids.map((id) => notification(id)) });
const update = (unread: number, n: ReturnType<typeof notification> | null = null): NotificationsAction => ({ type: 'update', unread, notification: n, at: AT });

describe('the bell’s state', () => {
  it('takes the count from each update and puts a new notification first', () => {
    const s = run([update(1), loaded(1, 'a'), update(2, notification('b', { createdAt: '2026-12-03T11:00:00Z' }))]);
    expect(s.unread).toBe(2);
    expect(s.items.map((n) => n.id)).toEqual(['b', 'a']);
    expect(s.stale).toBe(false);
    expect(s.updates).toBe(2);
  });

  it('keeps what streamed in before the list was read, each notification once, newest first, up to the limit', () => {
    const streamed = notification('new', { createdAt: '2026-12-03T11:00:00Z' });
    const s = run([update(3, streamed), { type: 'loaded', unread: 2, items: [notification('old'), { ...streamed, readAt: AT }] }]);
    // The server's copy wins (read elsewhere); the count stays the subscription's.
    expect(s.items.map((n) => [n.id, n.readAt])).toEqual([
      ['new', AT],
      ['old', null],
    ]);
    expect(s.unread).toBe(3);
    expect(s.loaded).toBe(true);

    const many = Array.from({ length: NOTIFICATION_LIMIT + 5 }, (_, i) => `n${i}`);
    expect(run([loaded(0, ...many)]).items).toHaveLength(NOTIFICATION_LIMIT);
  });

  it('takes the query’s count only until the subscription has spoken', () => {
    expect(run([loaded(4, 'a')]).unread).toBe(4);
    expect(run([update(0), loaded(4, 'a')]).unread).toBe(0);
  });

  it('marks read here at once and lowers the count by the unread ones among them', () => {
    const s = run([update(2), loaded(2, 'a', 'b'), { type: 'read', ids: ['a', 'zzz'], at: AT }]);
    expect(s.unread).toBe(1);
    expect(s.items.find((n) => n.id === 'a')!.readAt).toBe(AT);
    expect(s.items.find((n) => n.id === 'b')!.readAt).toBeNull();
    // Marking one already read again changes nothing.
    expect(reduceNotifications(s, { type: 'read', ids: ['a'], at: AT }).unread).toBe(1);

    const all = reduceNotifications(s, { type: 'allRead', at: AT });
    expect(all.unread).toBe(0);
    expect(all.items.every((n) => n.readAt !== null)).toBe(true);
  });

  it('takes the mutation’s count unless an update came after it was sent', () => {
    const s = run([update(3), loaded(3, 'a')]);
    const since = s.updates;
    expect(reduceNotifications(s, { type: 'counted', unread: 2, since }).unread).toBe(2);
    const later = reduceNotifications(s, update(5, notification('b')));
    expect(reduceNotifications(later, { type: 'counted', unread: 2, since }).unread).toBe(5);
  });

  it('reads the list again after a count that moved without a notification, not after its own marking', () => {
    const s = run([update(2), loaded(2, 'a', 'b'), { type: 'read', ids: ['a'], at: AT }]);
    // The server confirms this client's own marking: nothing else changed.
    expect(reduceNotifications(s, update(1)).stale).toBe(false);
    // Another tab read one of the two: which one is not said.
    expect(run([update(2), loaded(2, 'a', 'b'), update(1)]).stale).toBe(true);
    // Down to zero says it all: everything is read.
    expect(run([update(1), update(0)], s).stale).toBe(false);
    // Missed while disconnected (the first count after a reconnect): which ones is not said.
    const elsewhere = reduceNotifications(s, update(3));
    expect(elsewhere.stale).toBe(true);
    expect(reduceNotifications(elsewhere, loaded(3, 'a', 'b', 'c')).stale).toBe(false);
  });

  it('marks everything listed read when the count drops to zero', () => {
    const s = run([update(2), loaded(2, 'a', 'b'), update(0)]);
    expect(s.items.map((n) => n.readAt)).toEqual([AT, AT]);
    expect(s.stale).toBe(false);
  });

  it('before the list was read, a moved count does not ask for it again (it is read on opening anyway)', () => {
    expect(run([update(2), update(1)]).stale).toBe(false);
  });
});

describe('the bell’s words', () => {
  it('shows the count on the badge, nothing at zero, 9+ above nine; the label has the exact count', () => {
    expect([null, 0, 1, 9, 10, 250].map(badgeText)).toEqual([null, null, '1', '9', '9+', '9+']);
    expect(bellLabel(12)).toBe('Notifications, 12 unread');
    expect(bellLabel(null)).toBe('Notifications, 0 unread');
  });

  it('follows only paths of this app', () => {
    expect(appPath('/orgs/demo/plans/pln_1')).toBe('/orgs/demo/plans/pln_1');
    for (const bad of ['https://evil.test/x', '//evil.test/x', '/\\evil.test', 'javascript:alert(1)', 'orgs/demo', '']) expect(appPath(bad), bad).toBeNull();
  });

  it('words a category as an e-mail choice', () => {
    expect(emailLabel('Plans waiting for my approval')).toBe('E-mail me about plans waiting for my approval');
    expect(emailLabel('SSO sign-ins')).toBe('E-mail me about SSO sign-ins');
  });
});
