// Governance settings of the effective policy: budgets, rate limits, execution windows drawn on
// a week, blackouts and autonomy, with the level and policy each comes from. Live use of them
// is on the Limits screen.

import type { Json } from '../../api/types';
import { WeekChart } from '../../components/WeekChart';
import { describeLimit, readGovernance } from '../../lib/governance';

export function GovernancePanel({ governance }: { governance: Json }) {
  const g = readGovernance(governance);
  const empty = g.limits.length + g.budgets.length + g.windows.length + g.blackouts.length === 0 && !g.autonomy;
  return (
    <section className="card" aria-labelledby="gov-title">
      <h2 id="gov-title" className="card-title">
        Limits, budgets and windows
      </h2>
      {empty && <p className="muted">No governance limits configured.</p>}
      <div className="gov-grid">
        {g.budgets.length > 0 && (
          <div>
            <h3 className="section-title">Daily budgets</h3>
            <ul className="plain">
              {g.budgets.map((b, i) => (
                <li key={i}>
                  <strong>
                    {b.daily ?? '∞'} {b.unit}
                  </strong>{' '}
                  a day <span className="muted">({b.level}, {b.policy}; {b.timezone})</span>
                  {b.alertAt.length > 0 && <div className="muted small">alerts at {b.alertAt.map((a) => `${Math.round(a * 100)} %`).join(', ')}</div>}
                </li>
              ))}
            </ul>
          </div>
        )}
        {g.limits.length > 0 && (
          <div>
            <h3 className="section-title">Rate limits</h3>
            <ul className="plain">
              {g.limits.map((l, i) => (
                <li key={i}>
                  <strong>{l.name || l.actions.join(', ')}</strong>: {describeLimit(l)}{' '}
                  <span className="muted">
                    per {l.scope} · <code>{l.actions.join(', ')}</code> ({l.level})
                  </span>
                </li>
              ))}
            </ul>
          </div>
        )}
        {g.autonomy && (
          <div>
            <h3 className="section-title">Agent autonomy</h3>
            <dl className="facts">
              {Object.entries(g.autonomy).map(([k, v]) => (
                <div key={k}>
                  <dt>{k.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}</dt>
                  <dd>{String(v)}</dd>
                </div>
              ))}
            </dl>
          </div>
        )}
      </div>
      {g.windows.length > 0 && (
        <figure className="week-figure">
          <figcaption>
            <h3 className="section-title">Execution windows</h3>
            <span className="muted small">Actions outside their window are refused with OUTSIDE_WINDOW. Times in each window's timezone.</span>
          </figcaption>
          <WeekChart windows={g.windows} />
        </figure>
      )}
      {g.blackouts.length > 0 && (
        <div>
          <h3 className="section-title">Blackouts</h3>
          <ul className="plain">
            {g.blackouts.map((b, i) => (
              <li key={i}>
                <strong>{b.name}</strong> {b.from} → {b.to} ({b.timezone}): <code>{b.actions.join(', ')}</code>
                {b.reason && <span className="muted"> — {b.reason}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
