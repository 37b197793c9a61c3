// The header bell's state: the viewer's unread count and their newest notifications, kept up to
// date by the `notifications` subscription (each update carries the count, and the notification
// when a new one arrived) without reading the list again. The list is read from the server when
// the panel first opens, and again only when an update shows it may disagree with the server:
// notifications read in another tab, or missed while the connection was down.

import type { NotificationItem } from '../api/types';

/** How many notifications the panel lists. */
export const NOTIFICATION_LIMIT = 20;

export interface NotificationsState {
  /** The server's latest word on the unread count; null until it has said anything. */
  unread: number | null;
  /** Newest first, at most NOTIFICATION_LIMIT. */
  items: NotificationItem[];
  /** `items` were read from the server at least once (otherwise they are only what streamed in). */
  loaded: boolean;
  /** `items` may disagree with the server: read them again before showing them. */
  stale: boolean;
  /** How many subscription updates arrived: a mutation's count is older than any update after it was sent. */
  updates: number;
}

export const INITIAL_NOTIFICATIONS: NotificationsState = { unread: null, items: [], loaded: false, stale: false, updates: 0 };

export type NotificationsAction =
  /** The subscription's message. */
  | { type: 'update'; unread: number; notification: NotificationItem | null; at: string }
  /** The list as the server has it now. */
  | { type: 'loaded'; unread: number; items: NotificationItem[] }
  /** The viewer marked these read (before the server confirmed it). */
  | { type: 'read'; ids: string[]; at: string }
  /** The viewer marked everything read (before the server confirmed it). */
  | { type: 'allRead'; at: string }
  /** markNotificationsRead's answer, sent when `updates` was `since`. */
  | { type: 'counted'; unread: number; since: number }
  /** Marking failed: what is shown may be wrong. */
  | { type: 'invalidate' };

const isUnread = (n: NotificationItem) => n.readAt === null;

/** Newest first, each once (the first seen wins), at most the limit. */
function newestFirst(items: NotificationItem[]): NotificationItem[] {
  const seen = new Set<string>();
  const unique = items.filter((n) => !seen.has(n.id) && seen.add(n.id));
  // A stable sort: items of the same instant keep the order they came in.
  return unique.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)).slice(0, NOTIFICATION_LIMIT);
}

function markRead(items: NotificationItem[], read: (n: NotificationItem) => boolean, at: string): NotificationItem[] {
  return items.map((n) => (isUnread(n) && read(n) ? { ...n, readAt: at } : n));
}

export function reduceNotifications(state: NotificationsState, action: NotificationsAction): NotificationsState {
  switch (action.type) {
    case 'update': {
      const updates = state.updates + 1;
      if (action.notification) {
        return { ...state, unread: action.unread, items: newestFirst([action.notification, ...state.items]), updates };
      }
      if (action.unread === 0) {
        // Everything was read, here or elsewhere: so is everything listed.
        return { ...state, unread: 0, items: markRead(state.items, () => true, action.at), updates };
      }
      // A count that moved without a notification (read in another tab, or the first count after
      // a reconnect) does not say which ones: the list is read again when next shown. The count
      // this client already expects (after its own marking) changes nothing.
      const moved = action.unread !== state.unread;
      return { ...state, unread: action.unread, stale: state.stale || (moved && state.loaded), updates };
    }
    case 'loaded': {
      // Kept from the stream: what arrived after the server answered (older ones fall past the
      // limit). The server's copy of the rest wins: it knows what was read elsewhere.
      const fromServer = new Set(action.items.map((n) => n.id));
      const newer = state.items.filter((n) => !fromServer.has(n.id));
      return {
        ...state,
        // The subscription's count is live; the query's only stands in until it has spoken.
        unread: state.unread ?? action.unread,
        items: newestFirst([...action.items, ...newer]),
        loaded: true,
        stale: false,
      };
    }
    case 'read': {
      const ids = new Set(action.ids);
      const newlyRead = state.items.filter((n) => isUnread(n) && ids.has(n.id)).length;
      return {
        ...state,
        unread: state.unread === null ? null : Math.max(0, state.unread - newlyRead),
        items: markRead(state.items, (n) => ids.has(n.id), action.at),
      };
    }
    case 'allRead':
      return { ...state, unread: 0, items: markRead(state.items, () => true, action.at) };
    case 'counted':
      // An update that arrived since the mutation was sent is as new or newer: it stands.
      return action.since === state.updates ? { ...state, unread: action.unread } : state;
    case 'invalidate':
      return { ...state, stale: true };
  }
}

/** The badge's text: nothing at zero (or before the count is known), "9+" above nine. */
export function badgeText(unread: number | null): string | null {
  if (!unread || unread <= 0) return null;
  return unread > 9 ? '9+' : String(unread);
}

/** The bell button's accessible name, with the exact count. */
export function bellLabel(unread: number | null): string {
  return `Notifications, ${unread ?? 0} unread`;
}

/**
 * The in-app path a notification leads to, or null when its link is not a path of this app
 * (another origin, a `javascript:` URL): such a link is not followed.
 */
export function appPath(link: string): string | null {
  return /^\/(?![/\\])/.test(link) ? link : null;
}

/** "E-mail me about plans waiting for my approval" from the label "Plans waiting for my approval". */
export function emailLabel(label: string): string {
  // The first letter is lowered unless the word is an abbreviation ("SSO requests").
  const lowered = /^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label;
  return `E-mail me about ${lowered}`;
}
