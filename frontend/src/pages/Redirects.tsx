// Where "/" and "/orgs/:org" lead: where the person's work is (lib/landing: the Approvals
// inbox when plans wait for them, otherwise the last project's Chat); "/orgs/:org/projects/:p"
// leads to that project's Chat (or plans).
// "/sign-in", once signed in, leads back to where it was asked to (an invitation page).

import { useEffect, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate, useParams } from 'react-router';
import { useQuery } from 'urql';
import { PLAN_PROJECT } from '../api/documents';
import { Loading, ProblemNote } from '../components/ProblemNote';
import { signInRequest } from '../lib/accounts';
import { landingPath } from '../lib/landing';
import { useSession, useWorkspace } from '../session';
import { rememberedProject } from './projectMemory';

export function HomeRedirect() {
  const { viewer } = useSession();
  const org = viewer.orgs[0];
  if (!org) {
    return (
      <main className="centered">
        <h1>No organization yet</h1>
        <p>You are signed in as {viewer.name}, but you are not a member of any organization. Ask an administrator to add you.</p>
      </main>
    );
  }
  return <Navigate to={`/orgs/${org.slug}`} replace />;
}

/** `/sign-in?returnTo=…` signed in: to `returnTo` (a path of this app), or the start. */
export function SignedInRedirect() {
  const location = useLocation();
  return <Navigate to={signInRequest(location).returnTo ?? '/'} replace />;
}

/** How long landing waits for the inbox count and the rights before going with what it has. */
const LANDING_WAIT_MS = 3000;

export function OrgRedirect() {
  const { viewer } = useSession();
  const { approvalsWaiting, rights, settled } = useWorkspace();
  const { org: slug = '', project } = useParams();
  const org = viewer.orgs.find((o) => o.slug === slug);
  const target = project ?? rememberedProject(slug, org?.projects.nodes.map((p) => p.slug) ?? []);
  // Never keep a person on a spinner: after a moment, land with what is known by then.
  const [waited, setWaited] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setWaited(true), LANDING_WAIT_MS);
    return () => clearTimeout(t);
  }, []);
  const ready = settled || waited;
  // A project named in the address opens that project; the org's own address opens the inbox first.
  const to = landingPath({ org: slug, project: target, approvalsWaiting: project ? 0 : approvalsWaiting, chatRead: rights.chatRead });
  const navigate = useNavigate();
  const here = useLocation().pathname;
  useEffect(() => {
    if (!ready) return;
    // A person who already went somewhere (a header link clicked while this waited) stays there:
    // the effect can run after that click's navigation, and must not take them back.
    if (window.location.pathname !== here) return;
    navigate(to, { replace: true });
  }, [ready, to, here, navigate]);
  return <Loading what="your work" />;
}

export function NotFound({ what }: { what: string }) {
  return (
    <div className="centered">
      <h1>Not found</h1>
      <p>This {what} does not exist, or you may not see it.</p>
      <Link to="/">Go to the start page</Link>
    </div>
  );
}

/** `/orgs/:org/plans/:planId` (links from the audit log): finds the plan's project. */
export function PlanRedirect() {
  const { org, planId = '' } = useParams();
  const [{ data, error }] = useQuery({ query: PLAN_PROJECT, variables: { id: planId } });
  if (error) return <ProblemNote error={error} title="Cannot open the plan" />;
  if (!data) return <Loading what="the plan" />;
  return <Navigate to={`/orgs/${org}/projects/${data.plan.project.slug}/plans/${planId}`} replace />;
}
