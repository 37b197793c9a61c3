// Several agents' proposals for one request, side by side (stacked on a narrow screen): each
// with its rank, verdict, cost, risk, approvals needed, blast radius, what the agent said and
// the simulated preview, the one chosen marked. When the project lets a person choose
// (human-choice) and this viewer owns the conversation, each eligible proposal can be chosen.

import { useState } from 'react';
import { useMutation } from 'urql';
import { CHOOSE_PROPOSAL } from '../../api/documents';
import { problemOf, type Problem } from '../../api/errors';
import type { ChatArbitration, ChatProposal } from '../../api/types';
import { formatCost } from '../../lib/format';
import { Badge, RiskBadge, VerdictBadge } from '../Badge';
import { PlanPreviewCard, Ticks } from '../PlanPreviewCard';
import { ProblemNote } from '../ProblemNote';

interface Props {
  sessionId: string;
  arbitration: ChatArbitration;
  /** The proposal the strategy (or a person) chose, if any. */
  chosenId: string | null;
  /** Proposal ids the viewer may choose now (the session's pending choice, for its owner). */
  choosable: Set<string>;
  onChosen?: (planId: string) => void;
}

export function ProposalsBoard({ sessionId, arbitration, chosenId, choosable, onChosen }: Props) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [choosing, choose] = useMutation(CHOOSE_PROPOSAL);
  const pick = async (p: ChatProposal) => {
    setProblem(null);
    const res = await choose({ sessionId, proposalId: p.id });
    if (res.error) setProblem(problemOf(res.error));
    else if (res.data) onChosen?.(res.data.chooseProposal.id);
  };
  const n = arbitration.proposals.length;
  return (
    <section className="card proposals" aria-label="Agents' proposals" data-testid="proposals">
      <div className="card-header">
        <h3 className="card-title">
          {n} agent{n === 1 ? '' : 's'} answered
        </h3>
        <Badge tone="info" title="Arbitration strategy">
          {arbitration.strategy}
        </Badge>
      </div>
      <p className="muted small">
        {chosenId && !arbitration.chosenProposalId
          ? `${arbitration.proposals.find((p) => p.id === chosenId)?.agent ?? 'One'}'s proposal was chosen by the conversation's owner.`
          : arbitration.reason}
      </p>
      <ol className="proposal-grid">
        {arbitration.proposals.map((p) => {
          const chosen = p.chosen || p.id === chosenId;
          return (
            <li
              key={p.id}
              className={`proposal${chosen ? ' proposal-chosen' : ''}`}
              aria-label={`${p.agent}'s proposal`}
              data-testid={`proposal-${p.agent}`}
            >
              <div className="row proposal-head">
                <strong>{p.agent}</strong>
                {p.rank > 0 ? <span className="muted">#{p.rank}</span> : <span className="muted">no plan</span>}
                {chosen && <Badge tone="ok">chosen</Badge>}
                {p.verdict && <VerdictBadge verdict={p.verdict} />}
              </div>
              {p.summary && (
                <p className="proposal-summary">
                  <code>{p.summary}</code>
                </p>
              )}
              {p.explanation && (
                <p className="proposal-explanation">
                  <Ticks text={p.explanation} />
                </p>
              )}
              {p.error && (
                <p className="error-text">
                  <Ticks text={p.error} />
                </p>
              )}
              {p.verdict && (
                <dl className="facts">
                  <div>
                    <dt>Cost</dt>
                    <dd>{formatCost(p.cost)}</dd>
                  </div>
                  <div>
                    <dt>Risk</dt>
                    <dd>{p.risk ? <RiskBadge risk={p.risk} /> : '—'}</dd>
                  </div>
                  <div>
                    <dt>Approvals</dt>
                    <dd>{p.approvalsNeeded === 0 ? 'none' : `${p.approvalsNeeded} stage${p.approvalsNeeded === 1 ? '' : 's'}`}</dd>
                  </div>
                  <div>
                    <dt>Blast radius</dt>
                    <dd>
                      {p.blastRadius.stateKeys} state key{p.blastRadius.stateKeys === 1 ? '' : 's'}, {p.blastRadius.externalCalls} external call
                      {p.blastRadius.externalCalls === 1 ? '' : 's'}
                    </dd>
                  </div>
                  {p.support > 1 && (
                    <div>
                      <dt>Support</dt>
                      <dd>{p.support} agents</dd>
                    </div>
                  )}
                </dl>
              )}
              {p.preview && p.steps && (
                <details className="proposal-preview">
                  <summary>Preview of {p.agent}'s plan</summary>
                  <PlanPreviewCard title={`${p.agent}'s plan`} preview={p.preview} steps={p.steps} level={3} open={false} />
                </details>
              )}
              {choosable.has(p.id) && p.eligible && (
                <button type="button" className="btn btn-primary" disabled={choosing.fetching} onClick={() => void pick(p)}>
                  Choose {p.agent}'s plan
                </button>
              )}
            </li>
          );
        })}
      </ol>
      <ProblemNote problem={problem} title="Not chosen" />
    </section>
  );
}
