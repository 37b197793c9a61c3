// A project's plans, newest first, with a status filter, and the "New plan" composer for
// those who may propose. The list is read again when the org's audit stream reports plan
// activity (once per burst; a hidden tab when it is shown again).

import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { PROJECT_ACTIONS, PROJECT_PLANS } from '../api/documents';
import type { PlanStatus } from '../api/types';
import { StatusBadge, VerdictBadge } from '../components/Badge';
import { PlanComposer } from '../components/PlanComposer';
import { Loading, ProblemNote } from '../components/ProblemNote';
import { useRefreshOnActivity } from '../hooks/useActivityRefresh';
import { actorChain, formatCost, formatTime, humanize, relativeTime } from '../lib/format';
import { PLAN_EVENTS } from '../lib/refresh';
import { useWorkspace } from '../session';

const STATUSES: PlanStatus[] = ['PENDING_APPROVAL', 'APPROVED', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELLED', 'EXPIRED'];

export function PlansPage() {
  const { org: orgSlug = '', project = '' } = useParams();
  const { rights, org } = useWorkspace();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  // The filter is in the URL in lower case (`?status=pending_approval`).
  const status = STATUSES.find((s) => s.toLowerCase() === search.get('status')) ?? null;
  const composing = search.get('new') === '1';
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, error, fetching }, refetch] = useQuery({
    query: PROJECT_PLANS,
    variables: { org: orgSlug, project, status, after },
    requestPolicy: 'cache-and-network',
  });
  useRefreshOnActivity(PLAN_EVENTS, () => refetch({ requestPolicy: 'network-only' }));
  useEffect(() => setAfter(null), [status, project]);

  const projectName = org.projects.nodes.find((p) => p.slug === project)?.name ?? project;
  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    setSearch(next, { replace: true });
  };

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Plans</h1>
          <p className="muted">
            Project <strong>{projectName}</strong> — every plan is previewed, decided by policy, approved where needed, then run.
          </p>
        </div>
        {rights.propose && (
          <button type="button" className="btn btn-primary" aria-expanded={composing} onClick={() => setParam('new', composing ? null : '1')}>
            {composing ? 'Close composer' : 'New plan'}
          </button>
        )}
      </div>

      {composing && <ComposerPanel org={orgSlug} project={project} onProposed={(id) => navigate(`/orgs/${orgSlug}/projects/${project}/plans/${id}`)} />}

      <section className="card" aria-labelledby="plan-list-title">
        <div className="card-header">
          <h2 id="plan-list-title" className="card-title">
            {status ? `Plans: ${humanize(status)}` : 'All plans'}
          </h2>
          <label className="inline-field">
            <span>Status</span>
            <select value={status?.toLowerCase() ?? ''} onChange={(e) => setParam('status', e.target.value || null)}>
              <option value="">any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s.toLowerCase()}>
                  {humanize(s)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <ProblemNote error={error} />
        {!data && fetching && <Loading what="plans" />}
        {data && data.project.plans.nodes.length === 0 && <p className="muted">No plans yet{status ? ' with this status' : ''}.</p>}
        {data && data.project.plans.nodes.length > 0 && (
          <div className="table-scroll">
            <table className="data plan-table">
              <thead>
                <tr>
                  <th scope="col">Plan</th>
                  <th scope="col">Status</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Cost</th>
                  <th scope="col">Proposed by</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {data.project.plans.nodes.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <Link to={`/orgs/${orgSlug}/projects/${project}/plans/${p.id}`}>{p.title}</Link>
                      <div className="muted small">
                        <code>{p.id}</code>
                      </div>
                    </td>
                    <td>
                      <StatusBadge status={p.status} />
                    </td>
                    <td>
                      <VerdictBadge verdict={p.verdict} />
                    </td>
                    <td>{formatCost(p.cost)}</td>
                    <td>{actorChain(p.proposer)}</td>
                    <td>
                      <time dateTime={p.createdAt} title={formatTime(p.createdAt)}>
                        {relativeTime(p.createdAt)}
                      </time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data?.project.plans.pageInfo.hasNextPage && (
          <button type="button" className="btn" onClick={() => setAfter(data.project.plans.pageInfo.endCursor)}>
            Older plans
          </button>
        )}
        {after && (
          <button type="button" className="btn btn-ghost" onClick={() => setAfter(null)}>
            Back to newest
          </button>
        )}
      </section>
    </div>
  );
}

function ComposerPanel({ org, project, onProposed }: { org: string; project: string; onProposed: (id: string) => void }) {
  const [{ data, error }] = useQuery({ query: PROJECT_ACTIONS, variables: { org, project } });
  if (error) return <ProblemNote error={error} title="Cannot load the project's actions" />;
  if (!data) return <Loading what="actions" />;
  const { actions, templates } = data.project.effectivePolicy;
  // Remount the composer when the project changes so no draft leaks across projects.
  return <PlanComposer key={`${org}/${project}`} org={org} project={project} actions={actions} templates={templates} onProposed={onProposed} />;
}
