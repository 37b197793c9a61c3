// The header's bell: the viewer's unread notifications as a badge, kept live by the
// `notifications` subscription (its own count, not a refetch per event), and a panel with the
// newest ones. Following one marks it read and opens its page; "Mark all read" clears the rest.
// The panel is a non-modal dialog: Escape, a click outside or moving the focus out closes it.
// State and its rules are in lib/notifications.

import { useEffect, useId, useLayoutEffect, useReducer, useRef, useState, type CSSProperties, type FocusEvent, type RefObject } from 'react';
import { Link, useLocation } from 'react-router';
import { useClient } from 'urql';
import { MARK_NOTIFICATIONS_READ, NOTIFICATION_UPDATES, NOTIFICATIONS } from '../api/documents';
import { problemOf, type Problem } from '../api/errors';
import type { NotificationItem } from '../api/types';
import { appPath, badgeText, bellLabel, INITIAL_NOTIFICATIONS, NOTIFICATION_LIMIT, reduceNotifications } from '../lib/notifications';
import { ProblemNote } from './ProblemNote';
import { Time } from './Time';

/** The panel's widest, and its distance from the window's edges (px). */
const PANEL_WIDTH = 384;
const EDGE = 8;

/** Where the panel goes: under the bell, inside the window however narrow. Null before measuring. */
function usePanelPlace(open: boolean, anchor: RefObject<HTMLElement | null>): CSSProperties | undefined {
  const [place, setPlace] = useState<CSSProperties | undefined>(undefined);
  useLayoutEffect(() => {
    if (!open) return;
    const measure = () => {
      const bell = anchor.current?.getBoundingClientRect();
      const viewport = document.documentElement.clientWidth;
      // Without a layout (unit tests) the stylesheet's placement stands.
      if (!bell || viewport === 0) return;
      const width = Math.min(PANEL_WIDTH, viewport - 2 * EDGE);
      const left = Math.min(Math.max(EDGE, bell.right - width), viewport - width - EDGE);
      const top = bell.bottom + 6;
      setPlace({ position: 'fixed', top, left, right: 'auto', width, maxHeight: Math.max(160, window.innerHeight - top - EDGE) });
    };
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, [open, anchor]);
  return open ? place : undefined;
}

export function NotificationBell({ org }: { org: string }) {
  const client = useClient();
  const { pathname } = useLocation();
  const [state, dispatch] = useReducer(reduceNotifications, INITIAL_NOTIFICATIONS);
  // The state as last rendered, for a mutation's answer to say which updates it is older than.
  const latest = useRef(state);
  useEffect(() => {
    latest.current = state;
  });
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<{ title: string; problem: Problem | null } | null>(null);
  const panelId = useId();
  const frame = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const place = usePanelPlace(open, button);

  // The count now, then every change: new notifications come with it, read marks without.
  useEffect(() => {
    const subscription = client.subscription(NOTIFICATION_UPDATES, {}).subscribe((result) => {
      const update = result.data?.notifications;
      if (update) dispatch({ type: 'update', unread: update.unread, notification: update.notification, at: new Date().toISOString() });
    });
    return () => subscription.unsubscribe();
  }, [client]);

  // The list is read when the panel first opens, and again only when it may be out of date.
  const needsList = open && (!state.loaded || state.stale);
  useEffect(() => {
    if (!needsList) return;
    let live = true;
    void client
      .query(NOTIFICATIONS, { first: NOTIFICATION_LIMIT }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((res) => {
        if (!live) return;
        if (!res.data) {
          setProblem({ title: 'Cannot load your notifications', problem: problemOf(res.error) });
          return;
        }
        setProblem(null);
        dispatch({ type: 'loaded', unread: res.data.viewer.unreadNotifications, items: res.data.viewer.notifications.nodes });
      });
    return () => {
      live = false;
    };
  }, [needsList, client]);

  // Following a link closes the panel.
  useEffect(() => setOpen(false), [pathname]);

  // Open: the focus moves into the panel; Escape or a click elsewhere closes it.
  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const onPointer = (e: MouseEvent) => {
      if (!frame.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener('mousedown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  /** Tabbing out of the panel closes it (a click elsewhere is handled above). */
  const onBlur = (e: FocusEvent<HTMLDivElement>) => {
    const next = e.relatedTarget as Node | null;
    if (next && !frame.current?.contains(next)) setOpen(false);
  };

  /** Marks these notifications (all when `ids` is null) read, here at once and then on the server. */
  const markRead = async (ids: string[] | null) => {
    const since = latest.current.updates;
    const at = new Date().toISOString();
    dispatch(ids ? { type: 'read', ids, at } : { type: 'allRead', at });
    const res = await client.mutation(MARK_NOTIFICATIONS_READ, { input: ids ? { ids } : { all: true } }).toPromise();
    if (res.error || res.data === undefined) {
      setProblem({ title: 'Cannot mark them read', problem: problemOf(res.error) });
      dispatch({ type: 'invalidate' });
      return;
    }
    dispatch({ type: 'counted', unread: res.data.markNotificationsRead, since });
  };

  const follow = (n: NotificationItem) => {
    if (n.readAt === null) void markRead([n.id]);
    setOpen(false);
  };

  const badge = badgeText(state.unread);
  const anyUnread = !!state.unread || state.items.some((n) => n.readAt === null);
  const titleId = `${panelId}-title`;

  return (
    <div className="bell" ref={frame} onBlur={onBlur}>
      <button
        ref={button}
        type="button"
        className="bell-button"
        aria-label={bellLabel(state.unread)}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        data-testid="notification-bell"
        onClick={() => setOpen((o) => !o)}
      >
        <BellIcon />
        {badge && (
          <span className="count bell-count" aria-hidden="true" data-testid="notification-count">
            {badge}
          </span>
        )}
      </button>
      {open && (
        <div id={panelId} ref={panel} className="bell-panel" role="dialog" aria-labelledby={titleId} tabIndex={-1} style={place}>
          <div className="bell-head">
            <h2 id={titleId} className="bell-title">
              Notifications
            </h2>
            <button type="button" className="btn btn-link" disabled={!anyUnread} onClick={() => void markRead(null)}>
              Mark all read
            </button>
          </div>
          {problem && (
            <div className="bell-problem">
              <ProblemNote problem={problem.problem} title={problem.title} />
            </div>
          )}
          {!state.loaded && !problem ? (
            <p className="bell-note muted" role="status">
              Loading…
            </p>
          ) : state.items.length === 0 ? (
            <p className="bell-note muted">Nothing new.</p>
          ) : (
            <ul className="bell-list" aria-labelledby={titleId}>
              {state.items.map((n) => (
                <NotificationEntry key={n.id} n={n} here={org} onFollow={() => follow(n)} />
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

function NotificationEntry({ n, here, onFollow }: { n: NotificationItem; here: string; onFollow: () => void }) {
  const unread = n.readAt === null;
  const path = appPath(n.link);
  const content = (
    <>
      <span className="bell-item-title">
        {unread && <span className="visually-hidden">Unread: </span>}
        {n.title}
      </span>
      {n.body && <span className="bell-item-body">{n.body}</span>}
      <span className="bell-item-meta">
        <Time iso={n.createdAt} relative />
        {n.org !== here && <> · in {n.org}</>}
      </span>
    </>
  );
  return (
    <li className={unread ? 'bell-item unread' : 'bell-item'} data-testid={`notification-${n.id}`}>
      {path ? (
        // A link (a new tab works too); the router follows a plain click.
        <Link className="bell-link" to={path} onClick={onFollow}>
          {content}
        </Link>
      ) : (
        <button type="button" className="bell-link" onClick={onFollow}>
          {content}
        </button>
      )}
    </li>
  );
}

function BellIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}
