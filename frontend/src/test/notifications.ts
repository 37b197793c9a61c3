// Notification fixtures shared by the tests of the bell, its state and the account page: a
// notification (unread, in `demo`) that takes overrides, and the viewer's e-mail settings.

import type { NotificationItem, NotificationSetting } from '../api/types';

export const notification = (id: string, over: Partial<NotificationItem> = {}): NotificationItem => ({
  id,
  kind: 'APPROVAL_WAITING',
  category: 'APPROVALS',
  org: 'demo',
  title: `Approval waiting: Restart ${id}`,
  body: 'bob@demo.test asks sre-leads to approve it.',
  link: `/orgs/demo/plans/pln_${id}`,
  createdAt: '2026-12-03T10:00:00Z',
  readAt: null,
  ...over,
});

export const SETTINGS: NotificationSetting[] = [
  { category: 'APPROVALS', label: 'Plans waiting for my approval', email: true },
  { category: 'MY_PLANS', label: 'My own plans', email: true },
  { category: 'ACCESS_REQUESTS', label: 'Access requests', email: false },
  { category: 'KILL_SWITCHES', label: 'Kill switches', email: true },
];

/** The NotificationSettings query's data. */
export const settingsData = (emailNotifications = true, settings: NotificationSetting[] = SETTINGS) => ({
  viewer: { __typename: 'Viewer', id: 'usr_1', emailNotifications, notificationSettings: settings.map((s) => ({ __typename: 'NotificationSetting', ...s })) },
});
