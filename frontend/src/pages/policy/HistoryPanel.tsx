// Policy history: every stored version of the organization and this project, with its
// author, comment and diff (numbered per file); rolling a scope back to an earlier version (after
// a confirmation that says what happens) for those who may write policy; and a comparison of two
// versions (rule changes and how the project's recorded decisions would be decided under the
// newer one). Where policy changes need a second person's approval, a rollback is kept as a
// proposal (the server answers APPROVAL_REQUIRED): that is said as a notice, not as a failure.

import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { POLICY_DIFF, POLICY_VERSIONS, ROLLBACK_POLICY } from '../../api/documents';
import { problemOf, type Problem } from '../../api/errors';
import type { PolicyVersion } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import { UnifiedDiff } from '../../components/UnifiedDiff';
import { actorChain, formatTime, policyScope, shortHash } from '../../lib/format';

interface HistoryProps {
  org: string;
  project: string;
  canWrite?: boolean;
  /** A rollback was kept as a proposal for a second person's approval. */
  onProposed?: () => void;
  /** Changes when versions may have been stored elsewhere (someone approved a proposal). */
  refreshKey?: number;
}

export function HistoryPanel({ org, project, canWrite = false, onProposed, refreshKey = 0 }: HistoryProps) {
  const [{ data, error }, refetch] = useQuery({ query: POLICY_VERSIONS, variables: { org, project }, requestPolicy: 'cache-and-network' });
  // The first key is what the query above reads; later ones ask again.
  const [seenKey, setSeenKey] = useState(refreshKey);
  useEffect(() => {
    if (refreshKey === seenKey) return;
    setSeenKey(refreshKey);
    refetch({ requestPolicy: 'network-only' });
  }, [refreshKey, seenKey, refetch]);
  const [done, setDone] = useState<string | null>(null);
  if (error) return <ProblemNote error={error} />;
  if (!data) return <Loading what="policy history" />;
  const orgVersions = data.org.policyVersions.nodes;
  const projectVersions = data.project.policyVersions.nodes;
  const all = [...orgVersions, ...projectVersions].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  // policyDiff compares the project's own versions when it has any, else the organization's.
  const comparable = projectVersions.length > 0 ? projectVersions : orgVersions;
  // Each list is newest first: its first entry is the scope's version in force.
  const current = (v: PolicyVersion) => (v.scope === 'ORG' ? orgVersions : projectVersions)[0];
  const previous = (v: PolicyVersion) => {
    if (v.version === 1) return [];
    return (v.scope === 'ORG' ? orgVersions : projectVersions).find((p) => p.version === v.version - 1)?.sources ?? null;
  };
  return (
    <>
      {comparable.length > 1 && <Compare org={org} project={project} versions={comparable} />}
      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title" className="card-title">
          Versions
        </h2>
        {done && (
          <p className="notice tone-ok" role="status">
            {done}
          </p>
        )}
        {all.length === 0 && <p className="muted">No policy has been applied yet.</p>}
        <ol className="plain versions">
          {all.map((v) => {
            const now = current(v);
            return (
              <li key={v.id} className="version" data-testid={`policy-version-${policyScope(v)}-${v.version}`}>
                <div className="row">
                  <Badge tone="info">
                    {policyScope(v)}@{v.version}
                  </Badge>
                  {now?.id === v.id && <Badge tone="ok">in force</Badge>}
                  <strong>{v.comment || 'no comment'}</strong>
                  <span className="muted">
                    by {actorChain(v.author)} · {formatTime(v.createdAt)} · <code title={v.hash}>{shortHash(v.hash)}</code>
                  </span>
                </div>
                {canWrite && now && now.id !== v.id && (
                  <Rollback
                    org={org}
                    version={v}
                    current={now}
                    onDone={(made) => {
                      setDone(`Rolled back: ${policyScope(made)}@${made.version} has the documents of ${policyScope(v)}@${v.version}.`);
                      refetch({ requestPolicy: 'network-only' });
                    }}
                    onProposed={onProposed}
                  />
                )}
                <details>
                  <summary>
                    Diff and files ({v.sources.length} file{v.sources.length === 1 ? '' : 's'})
                  </summary>
                  <UnifiedDiff diff={v.diff} label={`Changes in ${policyScope(v)}@${v.version}`} oldSources={previous(v)} newSources={v.sources} />
                </details>
              </li>
            );
          })}
        </ol>
      </section>
    </>
  );
}

/** Rolling a scope back to `version`: a button, then a confirmation saying what happens. */
function Rollback({
  org,
  version: v,
  current,
  onDone,
  onProposed,
}: {
  org: string;
  version: PolicyVersion;
  current: PolicyVersion;
  onDone: (made: { scope: PolicyVersion['scope']; project: string | null; version: number }) => void;
  onProposed?: () => void;
}) {
  const [problem, setProblem] = useState<Problem | null>(null);
  // The server's words when the rollback waits for a second person's approval.
  const [waiting, setWaiting] = useState<string | null>(null);
  const [state, rollback] = useMutation(ROLLBACK_POLICY);
  const name = `${policyScope(v)}@${v.version}`;
  // The server stores nothing when the documents are those in force already.
  if (v.hash === current.hash) return <p className="muted small">Same documents as {policyScope(current)}@{current.version}, in force.</p>;
  const run = async (comment: string) => {
    setProblem(null);
    setWaiting(null);
    const res = await rollback({ input: { org, project: v.scope === 'ORG' ? null : v.project, version: v.version, comment } });
    const p = problemOf(res.error);
    if (p?.code === 'APPROVAL_REQUIRED') {
      setWaiting(p.message);
      onProposed?.();
    } else if (p) setProblem(p);
    else if (res.data) onDone(res.data.rollbackPolicy);
  };
  return (
    <div className="rollback">
      <ConfirmButton
        aria-label={`Roll back to ${name}…`}
        disabled={state.fetching}
        title={`Roll back to ${name}?`}
        consequence={
          <p>
            The documents of <strong>{name}</strong> become the policy in force again, instead of {policyScope(current)}@{current.version}. They are
            validated and verified again, then stored as a new version, {policyScope(current)}@{current.version + 1}; every version stays in the
            history. Plans are decided by it from then on.
          </p>
        }
        confirmLabel="Roll back"
        reason={{ label: 'Why' }}
        onConfirm={(comment) => void run(comment)}
      >
        Roll back to this version…
      </ConfirmButton>
      <ProblemNote problem={problem} title="Not rolled back" />
      {waiting && (
        <p className="notice tone-warn" role="status">
          Waiting for a second person’s approval: {waiting}
        </p>
      )}
    </div>
  );
}

function Compare({ org, project, versions }: { org: string; project: string; versions: PolicyVersion[] }) {
  const numbers = versions.map((v) => v.version).sort((a, b) => a - b);
  const [from, setFrom] = useState(numbers[numbers.length - 2] ?? numbers[0] ?? 1);
  const [to, setTo] = useState(numbers[numbers.length - 1] ?? 1);
  const [asked, setAsked] = useState<{ from: number; to: number } | null>(null);
  const [{ data, error, fetching }] = useQuery({
    query: POLICY_DIFF,
    variables: { org, project, from: asked?.from ?? 0, to: asked?.to ?? 0 },
    pause: !asked,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAsked({ from, to });
  };
  const r = data?.policyDiff;
  return (
    <section className="card" aria-labelledby="compare-title">
      <h2 id="compare-title" className="card-title">
        Compare versions ({versions[0] && policyScope(versions[0])})
      </h2>
      <form className="row" onSubmit={submit}>
        <label className="inline-field">
          <span>From</span>
          <select value={from} onChange={(e) => setFrom(Number(e.target.value))}>
            {numbers.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>To</span>
          <select value={to} onChange={(e) => setTo(Number(e.target.value))}>
            {numbers.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn">
          Compare
        </button>
      </form>
      <ProblemNote error={error} />
      {fetching && <Loading what="the comparison" />}
      {r && (
        <>
          <p>
            {r.fromVersion} → {r.toVersion}: {r.changes.length} rule change(s). Of {r.impact.decisionsChecked} recorded decision(s),{' '}
            <strong>{r.impact.newlyDenied}</strong> would now be denied, <strong>{r.impact.newlyNeedingApproval}</strong> would need approval,{' '}
            <strong>{r.impact.newlyAllowed}</strong> would be allowed, {r.impact.unchanged} unchanged.
          </p>
          {r.changes.length > 0 && (
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Change</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Actions</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {r.changes.map((c, i) => (
                  <tr key={i}>
                    <td>
                      <Badge tone={c.kind === 'added' ? 'ok' : c.kind === 'removed' ? 'bad' : 'warn'}>{c.kind}</Badge>
                    </td>
                    <td>
                      {c.policy}/{c.rule}
                    </td>
                    <td>
                      <code>{c.actions.join(', ')}</code>
                    </td>
                    <td>{c.before ?? '—'}</td>
                    <td>{c.after ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
