// The app shell: one GraphQL client per session, the signed-in check, and the routes.
// Signed out, every path shows the sign-in page, so a deep link works after signing in, except
// an invitation link's page, which is for people who may have no account yet.

import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { BrowserRouter, Route, Routes, useNavigate } from 'react-router';
import { Provider, useQuery } from 'urql';
import { logout } from './api/auth';
import { createApi, type Api } from './api/client';
import { VIEWER } from './api/documents';
import { isUnauthenticated } from './api/errors';
import { Loading, ProblemNote } from './components/ProblemNote';
import { OrgLayout } from './pages/OrgLayout';
import { ApprovalsPage } from './pages/ApprovalsPage';
import { AuditPage } from './pages/AuditPage';
import { AdminPage } from './pages/admin/AdminPage';
import { AccountPage } from './pages/AccountPage';
import { InvitePage } from './pages/InvitePage';
import { HomeRedirect, NotFound, OrgRedirect, PlanRedirect, SignedInRedirect } from './pages/Redirects';
import { PlanDetailPage } from './pages/PlanDetailPage';
import { PlansPage } from './pages/PlansPage';
import { ChatPage } from './pages/chat/ChatPage';
import { GovernancePage } from './pages/governance/GovernancePage';
import { PolicyPage } from './pages/policy/PolicyPage';
import { SchedulesPage } from './pages/schedules/SchedulesPage';
import { SignInPage } from './pages/SignInPage';
import { ApiContext, SessionContext, type SessionValue } from './session';

// The rollups dashboard brings the chart library: it loads when first opened, not with the app.
const RollupsPage = lazy(() => import('./pages/rollups/RollupsPage').then((m) => ({ default: m.RollupsPage })));

export function App() {
  const [api, setApi] = useState<Api>(() => createApi());
  // A new session gets a new client: no cached data or socket outlives the previous one.
  const renew = useCallback(() => setApi(createApi()), []);
  // The old socket goes once the screens using it have unsubscribed (their cleanups run before
  // this effect). Not an effect cleanup: development's double-run would dispose the live client.
  // Disposing while it is still connecting rejects with the close event: nothing to report.
  const previous = useRef<Api | null>(null);
  useEffect(() => {
    const old = previous.current;
    previous.current = api;
    if (old && old !== api) void Promise.resolve(old.ws.dispose()).catch(() => undefined);
  }, [api]);
  return (
    <ApiContext.Provider value={api}>
      <Provider value={api.client}>
        <BrowserRouter>
          <Root renew={renew} />
        </BrowserRouter>
      </Provider>
    </ApiContext.Provider>
  );
}

function Root({ renew }: { renew: () => void }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: VIEWER, requestPolicy: 'network-only' });
  const navigate = useNavigate();
  const session = useMemo<SessionValue | null>(
    () =>
      data
        ? {
            viewer: data.viewer,
            signOut: async () => {
              const { endSessionUrl } = await logout();
              // A session begun at a provider ends there too: the provider sends the browser
              // back to `/` afterwards. Leaving the page drops this client with it.
              if (endSessionUrl) {
                window.location.assign(endSessionUrl);
                return;
              }
              renew();
              navigate('/', { replace: true });
            },
          }
        : null,
    [data, renew, navigate],
  );

  if (error && isUnauthenticated(error)) {
    return (
      <Routes>
        <Route path="/invite/:token" element={<InvitePage onSessionChanged={renew} />} />
        <Route path="*" element={<SignInPage onSignedIn={renew} />} />
      </Routes>
    );
  }
  if (!session) {
    if (error) {
      return (
        <main className="centered">
          <ProblemNote error={error} title="Praetor is not answering" />
          <button type="button" className="btn" onClick={() => refetch({ requestPolicy: 'network-only' })}>
            Try again
          </button>
        </main>
      );
    }
    return <main className="centered">{fetching ? <Loading what="your session" /> : null}</main>;
  }
  return (
    <SessionContext.Provider value={session}>
      <Routes>
        <Route path="/" element={<HomeRedirect />} />
        <Route path="/sign-in" element={<SignedInRedirect />} />
        <Route path="/invite/:token" element={<InvitePage onSessionChanged={renew} />} />
        <Route path="/orgs/:org" element={<OrgLayout />}>
          <Route index element={<OrgRedirect />} />
          <Route path="projects/:project" element={<OrgRedirect />} />
          <Route path="projects/:project/chat" element={<ChatPage />} />
          <Route path="projects/:project/chat/:sessionId" element={<ChatPage />} />
          <Route path="projects/:project/plans" element={<PlansPage />} />
          <Route path="projects/:project/plans/:planId" element={<PlanDetailPage />} />
          <Route path="projects/:project/policy" element={<PolicyPage />} />
          <Route path="projects/:project/limits" element={<GovernancePage />} />
          <Route path="projects/:project/schedules" element={<SchedulesPage />} />
          <Route path="plans/:planId" element={<PlanRedirect />} />
          <Route path="approvals" element={<ApprovalsPage />} />
          <Route path="audit" element={<AuditPage />} />
          <Route
            path="rollups"
            element={
              <Suspense fallback={<Loading what="rollups" />}>
                <RollupsPage />
              </Suspense>
            }
          />
          <Route path="admin" element={<AdminPage />} />
          <Route path="account" element={<AccountPage />} />
          <Route path="*" element={<NotFound what="page" />} />
        </Route>
        <Route
          path="*"
          element={
            <main id="main">
              <NotFound what="page" />
            </main>
          }
        />
      </Routes>
    </SessionContext.Provider>
  );
}
