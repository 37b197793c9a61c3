// The effective policy of a project: every rule with level, file and line; registered actions
// and runbooks; and the governance settings (limits, budgets, windows, blackouts, autonomy).

import { useQuery } from 'urql';
import { EFFECTIVE_POLICY } from '../../api/documents';
import type { PolicyEffect } from '../../api/types';
import { Badge } from '../../components/Badge';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import { humanize } from '../../lib/format';
import type { Tone } from '../../lib/plans';
import { GovernancePanel } from './GovernancePanel';

const EFFECT_TONE: Record<PolicyEffect, Tone> = { ALLOW: 'ok', REQUIRE_APPROVAL: 'warn', DENY: 'bad' };

export function EffectivePanel({ org, project }: { org: string; project: string }) {
  const [{ data, error, fetching }] = useQuery({
    query: EFFECTIVE_POLICY,
    variables: { org, project },
    requestPolicy: 'cache-and-network',
  });
  if (error) return <ProblemNote error={error} />;
  if (!data) return fetching ? <Loading what="the policy" /> : null;
  const p = data.project.effectivePolicy;
  return (
    <>
      <section className="card" aria-labelledby="rules-title">
        <div className="card-header">
          <h2 id="rules-title" className="card-title">
            Rules
          </h2>
          <span>
            Version <code data-testid="policy-version">{p.version}</code>
          </span>
        </div>
        {p.rules.length === 0 ? (
          <p className="muted">No rules: only RBAC decides.</p>
        ) : (
          <div className="table-scroll">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Effect</th>
                  <th scope="col">Actions</th>
                  <th scope="col">When</th>
                  <th scope="col">Approvals</th>
                  <th scope="col">Origin</th>
                </tr>
              </thead>
              <tbody>
                {p.rules.map((r) => (
                  <tr key={`${r.policy}/${r.rule}`}>
                    <td>
                      <strong>{r.rule}</strong>
                      <div className="muted small">{r.reason}</div>
                    </td>
                    <td>
                      <Badge tone={EFFECT_TONE[r.effect]}>{humanize(r.effect)}</Badge>
                    </td>
                    <td>
                      <code>{r.actions.join(', ')}</code>
                    </td>
                    <td>{r.when ? <code>{r.when}</code> : <span className="muted">always</span>}</td>
                    <td>{r.approvals.join(' → ') || <span className="muted">—</span>}</td>
                    <td className="small">
                      {humanize(r.level)} · {r.policy} · {r.version}
                      <div className="muted">
                        {r.file}:{r.line}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <GovernancePanel governance={p.governance} />
      <section className="card" aria-labelledby="actions-title">
        <h2 id="actions-title" className="card-title">
          Actions
        </h2>
        <div className="table-scroll">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Description</th>
                <th scope="col">Risk</th>
                <th scope="col">Cost</th>
                <th scope="col">Chat phrases</th>
              </tr>
            </thead>
            <tbody>
              {p.actions.map((a) => (
                <tr key={a.name}>
                  <td>
                    <code>{a.name}</code> {a.builtin && <Badge tone="neutral">built-in</Badge>}
                  </td>
                  <td>{a.description}</td>
                  <td>{humanize(a.risk)}</td>
                  <td>
                    <code>{a.cost}</code>
                  </td>
                  <td className="small">{a.aliases.join(' · ') || <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {p.templates.length > 0 && (
        <section className="card" aria-labelledby="templates-title">
          <h2 id="templates-title" className="card-title">
            Runbooks
          </h2>
          <ul className="plain">
            {p.templates.map((t) => (
              <li key={t.name}>
                <code>{t.name}</code> — {t.description} <span className="muted">(steps: {t.steps.join(' → ')})</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
