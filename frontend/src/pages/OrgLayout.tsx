// The frame of every signed-in screen: header with org and project switchers, navigation,
// the live-connection state, the notification bell, the signed-in person (a link to their
// account) and the org workspace context (rights, activity, inbox count). On a phone the header
// is one row (the mark, the inbox with its count, the bell, the person, a Menu button) and the
// switchers, every navigation link and Sign out open from the menu.

import { useEffect, useId, useMemo, useState } from 'react';
import { NavLink, Outlet, useLocation, useMatch, useNavigate, useParams } from 'react-router';
import { useQuery, useSubscription } from 'urql';
import { APPROVAL_COUNT, AUDIT_EVENTS, KILL_SWITCHES, ORG_RIGHTS } from '../api/documents';
import type { AuditEvent } from '../api/types';
import { ConnectionBanner, LiveIndicator } from '../components/ConnectionBanner';
import { NotificationBell } from '../components/NotificationBell';
import { useRefreshOnEvents } from '../hooks/useActivityRefresh';
import { humanize } from '../lib/format';
import { waitingFor } from '../lib/inbox';
import { INBOX_EVENTS, KILL_SWITCH_EVENTS } from '../lib/refresh';
import { NO_RIGHTS, useSession, WorkspaceContext, type Rights, type Workspace } from '../session';
import { NotFound } from './Redirects';
import { rememberedProject, rememberProject } from './projectMemory';

export function OrgLayout() {
  const { viewer, signOut } = useSession();
  const { org: slug = '' } = useParams();
  const projectMatch = useMatch('/orgs/:org/projects/:project/*');
  // Chat holds the window still (header, banners and message box in place); only its transcript scrolls.
  const chatOpen = useMatch('/orgs/:org/projects/:project/chat/*') !== null;
  const navigate = useNavigate();
  const location = useLocation();
  const org = viewer.orgs.find((o) => o.slug === slug);
  const menuId = useId();
  const [menuOpen, setMenuOpen] = useState(false);
  // Following a link closes the menu.
  useEffect(() => setMenuOpen(false), [location.pathname]);
  const projectSlugs = useMemo(() => org?.projects.nodes.map((p) => p.slug) ?? [], [org]);
  const urlProject = projectMatch?.params.project ?? null;
  const project = urlProject ?? rememberedProject(slug, projectSlugs);

  useEffect(() => {
    if (urlProject && projectSlugs.includes(urlProject)) rememberProject(slug, urlProject);
  }, [slug, urlProject, projectSlugs]);

  const [rightsResult] = useQuery({
    query: ORG_RIGHTS,
    variables: { org: slug, project },
    pause: !org,
  });
  const rights: Rights = rightsResult.data?.org ?? NO_RIGHTS;

  // One audit stream per org: screens read again what its entries can change (lib/refresh.ts).
  // Entries are accumulated here (not just the last one) because a burst can arrive within one
  // render.
  const [auditStream] = useSubscription(
    { query: AUDIT_EVENTS, variables: { org: slug }, pause: !org || !rights.auditRead },
    (prev: { count: number; events: AuditEvent[] } = { count: 0, events: [] }, data) => ({
      count: prev.count + 1,
      events: [...prev.events.slice(-199), data.auditEvents],
    }),
  );
  const activity = auditStream.data?.count ?? 0;
  const recentEvents = useMemo(() => auditStream.data?.events ?? [], [auditStream.data]);

  const [inbox, refetchInbox] = useQuery({
    query: APPROVAL_COUNT,
    variables: { org: slug },
    pause: !org,
    requestPolicy: 'cache-and-network',
  });
  useRefreshOnEvents(activity, recentEvents, INBOX_EVENTS, () => refetchInbox({ requestPolicy: 'network-only' }));

  // A kill switch in force is shown on every screen of the org.
  const [kill, refetchKill] = useQuery({
    query: KILL_SWITCHES,
    variables: { org: slug, project: project ?? '', withProject: !!project },
    pause: !org,
  });
  useRefreshOnEvents(activity, recentEvents, KILL_SWITCH_EVENTS, () => refetchKill({ requestPolicy: 'network-only' }));
  const killSwitch = kill.data?.project?.killSwitch ?? kill.data?.org.killSwitch ?? null;

  const workspace = useMemo<Workspace | null>(
    () =>
      org
        ? {
            org,
            project,
            rights,
            activity,
            recentEvents,
            approvalsWaiting: waitingFor(inbox.data),
            settled: (!!inbox.data || !!inbox.error) && (!!rightsResult.data || !!rightsResult.error),
          }
        : null,
    [org, project, rights, activity, recentEvents, inbox.data, inbox.error, rightsResult.data, rightsResult.error],
  );

  if (!org || !workspace) {
    return (
      <main id="main">
        <NotFound what="organization" />
      </main>
    );
  }

  const switchProject = (next: string) => {
    // Stay on the same kind of screen in the other project.
    const screen = location.pathname.match(/\/projects\/[^/]+\/(chat|plans|policy|limits|schedules)/)?.[1] ?? 'plans';
    navigate(`/orgs/${slug}/projects/${next}/${screen}`);
  };
  const switchOrg = (next: string) => navigate(`/orgs/${next}`);
  const base = `/orgs/${slug}`;
  const waiting = workspace.approvalsWaiting;

  return (
    <WorkspaceContext.Provider value={workspace}>
      <div className={chatOpen ? 'app-frame app-frame-fixed' : 'app-frame'}>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className={menuOpen ? 'app-header menu-open' : 'app-header'}>
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              P
            </span>
            <span className="brand-name">Praetor</span>
          </div>
          {/* Phone only (CSS): the inbox stays one tap away while the menu is closed. */}
          <NavLink className="phone-inbox" to={`${base}/approvals`} aria-label={waiting > 0 ? `Inbox, ${waiting} waiting` : 'Inbox'}>
            Inbox{waiting > 0 && <span className="count">{waiting}</span>}
          </NavLink>
          <button
            type="button"
            className="menu-toggle btn btn-ghost"
            aria-expanded={menuOpen}
            aria-controls={menuId}
            onClick={() => setMenuOpen((open) => !open)}
          >
            Menu
          </button>
          <div className="switchers" id={menuId}>
            <label className="switcher">
              <span>Organization</span>
              <select value={slug} onChange={(e) => switchOrg(e.target.value)}>
                {viewer.orgs.map((o) => (
                  <option key={o.slug} value={o.slug}>
                    {o.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="switcher">
              <span>Project</span>
              <select value={project ?? ''} onChange={(e) => switchProject(e.target.value)} disabled={projectSlugs.length === 0}>
                {org.projects.nodes.map((p) => (
                  <option key={p.slug} value={p.slug}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <nav className="app-nav" aria-label="Main">
            {project && rights.chatRead && <NavLink to={`${base}/projects/${project}/chat`}>Chat</NavLink>}
            {project && <NavLink to={`${base}/projects/${project}/plans`}>Plans</NavLink>}
            <NavLink to={`${base}/approvals`}>
              Approvals
              {waiting > 0 && (
                <span className="count" aria-label={`${waiting} waiting`} data-testid="inbox-count">
                  {waiting}
                </span>
              )}
            </NavLink>
            {rights.auditRead && <NavLink to={`${base}/audit`}>Audit</NavLink>}
            {rights.auditRead && <NavLink to={`${base}/rollups`}>Rollups</NavLink>}
            {project && rights.policyRead && <NavLink to={`${base}/projects/${project}/policy`}>Policy</NavLink>}
            {project && <NavLink to={`${base}/projects/${project}/limits`}>Limits</NavLink>}
            {project && <NavLink to={`${base}/projects/${project}/schedules`}>Schedules</NavLink>}
            <NavLink to={`${base}/admin`}>Admin</NavLink>
          </nav>
          <div className="user">
            <LiveIndicator />
            <NotificationBell org={slug} />
            {/* The name leads to the person's own account (changing their password). */}
            <NavLink className="user-name" to={`${base}/account`} data-testid="viewer-name" title={viewer.user?.email ?? viewer.name}>
              {viewer.user?.displayName || viewer.name}
            </NavLink>
            <button type="button" className="btn btn-ghost" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </header>
        <ConnectionBanner />
        {killSwitch && (
          <div className="banner tone-bad" role="alert" data-testid="kill-banner">
            Kill switch engaged ({humanize(killSwitch.scope)}) by {killSwitch.engagedBy}: {killSwitch.reason}. No new step starts.
          </div>
        )}
        <main id="main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </WorkspaceContext.Provider>
  );
}
