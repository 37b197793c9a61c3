// A plan preview: the verdict and why, cost, risk, approvals needed, and per step every check of
// the decision pipeline with its verdict, reason and rule, plus the predicted state diff.
// Used by the plan composer, plan detail and the approvals inbox (and by chat later).

import type { ReactNode } from 'react';
import type { DecisionCheck, PlanPreview, PlanStep } from '../api/types';
import { formatCost, formatTime, humanize, shortHash } from '../lib/format';
import { RiskBadge, VerdictBadge } from './Badge';
import { JsonInline } from './JsonView';

interface Props {
  title: string;
  preview: PlanPreview;
  steps: PlanStep[];
  planHash?: string;
  /** Heading level of the card title, to fit the page outline. */
  level?: 2 | 3;
  children?: ReactNode;
  /** Hide the per-step check tables (inbox rows); blocking reasons still show. */
  compact?: boolean;
}

/** Server messages quote names in backticks; show those as code. */
export function Ticks({ text }: { text: string }) {
  const parts = text.split(/`([^`]+)`/);
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

/** Checks that did not pass, the plan's own first, then each step's: what a reader must see first. */
export function blockingChecks(preview: PlanPreview): { step: string; check: DecisionCheck }[] {
  const plan = (preview.checks ?? []).filter((c) => c.verdict !== 'ALLOWED').map((check) => ({ step: 'plan', check }));
  const steps = preview.steps.flatMap((s) => s.checks.filter((c) => c.verdict !== 'ALLOWED').map((check) => ({ step: s.id, check })));
  return [...plan, ...steps];
}

function ChecksTable({ checks, caption }: { checks: DecisionCheck[]; caption: string }) {
  return (
    <div className="table-scroll">
      <table className="data checks">
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
            <tr key={`${c.name}-${j}`}>
              <td>{c.name}</td>
              <td>
                <VerdictBadge verdict={c.verdict} />
              </td>
              <td>
                {c.message ? <Ticks text={c.message} /> : <span className="muted">{c.code}</span>}
                {c.message && <code className="code-tag">{c.code}</code>}
                {c.retryAt && <div className="muted small">passes from {formatTime(c.retryAt)}</div>}
              </td>
              <td>
                <RuleRef check={c} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PlanPreviewCard({ title, preview, steps, planHash, level = 2, children, compact = false }: Props) {
  const H = level === 2 ? 'h2' : 'h3';
  const SubH = level === 2 ? 'h3' : 'h4';
  const blocking = blockingChecks(preview);
  const paramsOf = (id: string) => steps.find((s) => s.id === id)?.params;
  return (
    <article className={`card preview verdict-${preview.verdict.toLowerCase()}`} aria-label={`Plan preview: ${title}`}>
      <header className="card-header">
        <H className="card-title">{title}</H>
        <VerdictBadge verdict={preview.verdict} />
      </header>
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

      {blocking.length > 0 && (
        <div className={`notice tone-${preview.verdict === 'DENIED' ? 'bad' : 'warn'}`} data-testid="preview-reasons">
          <strong>{preview.verdict === 'DENIED' ? 'Denied because' : 'Needs approval because'}</strong>
          <ul>
            {blocking.map(({ step, check }, i) => (
              <li key={`${step}-${check.name}-${i}`}>
                <span className="muted">{step}:</span> <Ticks text={check.message || check.code} />{' '}
                <code className="code-tag">{check.code}</code>
                {check.rule && (
                  <span className="muted">
                    {' '}
                    — rule {check.rule.rule} ({check.rule.file}:{check.rule.line})
                  </span>
                )}
                {check.retryAt && <span className="muted"> — passes from {formatTime(check.retryAt)}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}

      {preview.approvals.length > 0 && (
        <section aria-label="Approvals needed">
          <SubH className="section-title">Approvals needed</SubH>
          <ol className="stages">
            {preview.approvals.map((a, i) => (
              <li key={`${a.name}-${i}`}>
                <strong>{a.name}</strong>: {a.count} of {a.groups.join(' or ')}{' '}
                <span className="muted">(rule {a.rule})</span>
              </li>
            ))}
          </ol>
        </section>
      )}

      {!compact && preview.checks && preview.checks.length > 0 && (
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
              <VerdictBadge verdict={s.verdict} />
              <span className="muted">{formatCost(s.cost)}</span>
            </div>
            <div className="step-params">
              <span className="muted">params </span>
              <JsonInline value={paramsOf(s.id)} />
            </div>
            {!compact && <ChecksTable checks={s.checks} caption={`Checks of step ${s.id}`} />}
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
      {children && <footer className="card-footer">{children}</footer>}
    </article>
  );
}
