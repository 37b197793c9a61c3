// A plan card: one line first (how the checks went and where the plan is: "7 checks passed ·
// needs sre-leads then change-board", "Refused: …"), the viewer's actions right under it, cost
// and risk, then, expandable, every check of the decision pipeline (each once, with one verdict
// badge, its reason and rule) and each step with its predicted state diff. Used by the plan
// composer, the plan page, the approvals inbox and chat.

import type { ReactNode } from 'react';
import type { ApprovalStageStatus, DecisionCheck, PlanPreview, PlanStatus, PlanStep } from '../api/types';
import { formatCost, humanize, shortHash } from '../lib/format';
import { allChecks, planSummary } from '../lib/planSummary';
import { formatWhen, wordTimesIn } from '../lib/time';
import { RiskBadge, StatusBadge, VerdictBadge } from './Badge';
import { JsonInline } from './JsonView';

interface Props {
  title: string;
  preview: PlanPreview;
  steps: PlanStep[];
  planHash?: string;
  /** The plan's status once proposed: the card then says where the plan is, not what it would need. */
  status?: PlanStatus | null;
  /** The approval stages as they stand (who approved, who rejected). */
  stages?: ApprovalStageStatus[] | null;
  /** Heading level of the card title, to fit the page outline. */
  level?: 2 | 3;
  /** The viewer's actions (Approve, Reject, …): placed right under the summary line, in reach. */
  actions?: ReactNode;
  /** Whether the checks start expanded; by default only before the plan is proposed. */
  open?: boolean;
  children?: ReactNode;
}

/** Server messages quote names in backticks; show those as code, and any instant in words. */
export function Ticks({ text }: { text: string }) {
  const parts = wordTimesIn(text).split(/`([^`]+)`/);
  return <>{parts.map((p, i) => (i % 2 === 1 ? <code key={i}>{p}</code> : p))}</>;
}

function RuleRef({ check }: { check: DecisionCheck }) {
  if (!check.rule) return <span className="muted">—</span>;
  const r = check.rule;
  return (
    <span title={`${humanize(r.level)} policy ${r.policy}, version ${r.version}`}>
      {r.rule} <span className="muted">({r.file}:{r.line})</span>
    </span>
  );
}

/** Checks that did not pass, the plan's own first, then each step's. */
export function blockingChecks(preview: PlanPreview): { step: string; check: DecisionCheck }[] {
  const plan = (preview.checks ?? []).filter((c) => c.verdict !== 'ALLOWED').map((check) => ({ step: 'plan', check }));
  const steps = preview.steps.flatMap((s) => s.checks.filter((c) => c.verdict !== 'ALLOWED').map((check) => ({ step: s.id, check })));
  return [...plan, ...steps];
}

/**
 * One row per check, with one verdict badge. Cells carry their column's name (`data-label`) so
 * that at phone width the rows stack as label/value lists instead of cutting the reason column.
 */
function ChecksTable({ checks, caption }: { checks: DecisionCheck[]; caption: string }) {
  return (
    <div className="table-scroll">
      <table className="data checks stack-narrow">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Verdict</th>
            <th scope="col">Reason</th>
            <th scope="col">Rule</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((c, j) => (
            <tr key={`${c.name}-${j}`} className={c.verdict === 'ALLOWED' ? undefined : 'check-blocking'}>
              <td data-label="Check">{c.name}</td>
              <td data-label="Verdict">
                <VerdictBadge verdict={c.verdict} />
              </td>
              <td data-label="Reason" title={c.code}>
                {c.message ? <Ticks text={c.message} /> : <span className="muted">{humanize(c.code)}</span>}
                {c.retryAt && <div className="muted small">passes from {formatWhen(c.retryAt)}</div>}
              </td>
              <td data-label="Rule">
                <RuleRef check={c} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PlanPreviewCard({ title, preview, steps, planHash, status, stages, level = 2, actions, open, children }: Props) {
  const H = level === 2 ? 'h2' : 'h3';
  const SubH = level === 2 ? 'h3' : 'h4';
  const summary = planSummary({ preview, status, stages });
  const checkCount = allChecks(preview).length;
  const paramsOf = (id: string) => steps.find((s) => s.id === id)?.params;
  const proposed = !!status;
  return (
    <article className={`card preview verdict-${preview.verdict.toLowerCase()}`} aria-label={`Plan preview: ${title}`}>
      <header className="card-header">
        <H className="card-title">{title}</H>
        {/* One badge: where the plan is once proposed, what the policy says before. */}
        {status ? <StatusBadge status={status} /> : <VerdictBadge verdict={preview.verdict} />}
      </header>
      <p className={`plan-summary tone-text-${summary.tone}`} data-testid="plan-summary">
        <Ticks text={summary.text} />
      </p>
      {actions && <div className="card-actions">{actions}</div>}
      <dl className="facts">
        <div>
          <dt>Cost</dt>
          <dd data-testid="preview-cost">{formatCost(preview.cost)}</dd>
        </div>
        <div>
          <dt>Risk</dt>
          <dd>
            <RiskBadge risk={preview.risk} />
          </dd>
        </div>
        <div>
          <dt>Policy</dt>
          <dd>
            <code>{preview.policyVersion}</code>
          </dd>
        </div>
        {planHash && (
          <div>
            <dt>Plan hash</dt>
            <dd>
              <code title={planHash}>{shortHash(planHash)}</code>
            </dd>
          </div>
        )}
      </dl>

      {/* Before proposing, which stages it would need; afterwards the stages themselves say. */}
      {!proposed && preview.approvals.length > 0 && (
        <section aria-label="Approvals needed">
          <SubH className="section-title">Approvals needed</SubH>
          <ol className="stages">
            {preview.approvals.map((a, i) => (
              <li key={`${a.name}-${i}`}>
                <strong>{a.name}</strong>: {a.count} of {a.groups.join(' or ')} <span className="muted">(rule {a.rule})</span>
              </li>
            ))}
          </ol>
        </section>
      )}

      <details className="plan-checks" open={open ?? !proposed}>
        <summary>
          The {checkCount} {checkCount === 1 ? 'check' : 'checks'} and {preview.steps.length} {preview.steps.length === 1 ? 'step' : 'steps'}
        </summary>
        {preview.checks && preview.checks.length > 0 && (
          <section aria-label="Plan checks">
            <SubH className="section-title">Plan checks{preview.unattended ? ' (unattended: autonomy applies)' : ''}</SubH>
            <ChecksTable checks={preview.checks} caption="Checks of the whole plan" />
          </section>
        )}
        <ol className="steps">
          {preview.steps.map((s, i) => (
            <li key={s.id} className="step">
              <div className="step-head">
                <span className="step-index">{i + 1}</span>
                <code className="step-action">{s.action}</code>
                <span className="muted">{s.id}</span>
                <span className="muted">{formatCost(s.cost)}</span>
              </div>
              <div className="step-params">
                <span className="muted">params </span>
                <JsonInline value={paramsOf(s.id)} />
              </div>
              <ChecksTable checks={s.checks} caption={`Checks of step ${s.id}`} />
              {s.stateDiff.length > 0 && (
                <div className="table-scroll">
                  <table className="data state-diff">
                    <caption>Predicted state changes</caption>
                    <thead>
                      <tr>
                        <th scope="col">Path</th>
                        <th scope="col">Before</th>
                        <th scope="col">After</th>
                      </tr>
                    </thead>
                    <tbody>
                      {s.stateDiff.map((d) => (
                        <tr key={d.path}>
                          <td>
                            <code>{d.path}</code>
                          </td>
                          <td className="diff-del">
                            <JsonInline value={d.before} />
                          </td>
                          <td className="diff-add">
                            <JsonInline value={d.after} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </li>
          ))}
        </ol>
      </details>
      {children && <footer className="card-footer">{children}</footer>}
    </article>
  );
}
