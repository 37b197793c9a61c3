// Policy history: every stored version of the organization and this project, with its
// author, comment and diff; and a comparison of two versions (rule changes and how the
// project's recorded decisions would be decided under the newer one).

import { useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { POLICY_DIFF, POLICY_VERSIONS } from '../../api/documents';
import type { PolicyVersion } from '../../api/types';
import { Badge } from '../../components/Badge';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import { UnifiedDiff } from '../../components/UnifiedDiff';
import { actorChain, formatTime, policyScope, shortHash } from '../../lib/format';

export function HistoryPanel({ org, project }: { org: string; project: string }) {
  const [{ data, error }] = useQuery({ query: POLICY_VERSIONS, variables: { org, project }, requestPolicy: 'cache-and-network' });
  if (error) return <ProblemNote error={error} />;
  if (!data) return <Loading what="policy history" />;
  const orgVersions = data.org.policyVersions.nodes;
  const projectVersions = data.project.policyVersions.nodes;
  const all = [...orgVersions, ...projectVersions].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  // policyDiff compares the project's own versions when it has any, else the organization's.
  const comparable = projectVersions.length > 0 ? projectVersions : orgVersions;
  return (
    <>
      {comparable.length > 1 && <Compare org={org} project={project} versions={comparable} />}
      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title" className="card-title">
          Versions
        </h2>
        {all.length === 0 && <p className="muted">No policy has been applied yet.</p>}
        <ol className="plain versions">
          {all.map((v) => (
            <li key={v.id} className="version">
              <div className="row">
                <Badge tone="info">
                  {policyScope(v)}@{v.version}
                </Badge>
                <strong>{v.comment || 'no comment'}</strong>
                <span className="muted">
                  by {actorChain(v.author)} · {formatTime(v.createdAt)} · <code title={v.hash}>{shortHash(v.hash)}</code>
                </span>
              </div>
              <details>
                <summary>
                  Diff and files ({v.sources.length} file{v.sources.length === 1 ? '' : 's'})
                </summary>
                <UnifiedDiff diff={v.diff} label={`Changes in ${policyScope(v)}@${v.version}`} />
              </details>
            </li>
          ))}
        </ol>
      </section>
    </>
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
