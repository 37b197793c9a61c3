// Tests of competing proposals: all shown side by side with their figures, the chosen one
// marked, and Choose offered only for proposals the viewer may choose, calling chooseProposal.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import type { ChatArbitration, ChatProposal } from '../../api/types';
import { mockClient } from '../../test/mockClient';
import { ProposalsBoard } from './ProposalsBoard';

function proposal(id: string, agent: string, extra: Partial<ChatProposal> = {}): ChatProposal {
  return {
    id,
    agent,
    rank: 1,
    eligible: true,
    chosen: false,
    support: 1,
    verdict: 'ALLOWED',
    cost: 1,
    risk: 'LOW',
    approvalsNeeded: 0,
    blastRadius: { stateKeys: 1, externalCalls: 0 },
    summary: 'service.restart {service: "api"}',
    explanation: null,
    error: null,
    steps: null,
    preview: null,
    ...extra,
  };
}

const arbitration: ChatArbitration = {
  strategy: 'human-choice',
  reason: 'waiting for a person to choose among 3 proposals',
  chosenProposalId: null,
  proposals: [
    proposal('cpr_a', 'aliasbot'),
    proposal('cpr_g', 'gpt', { rank: 2, cost: 2, approvalsNeeded: 1, blastRadius: { stateKeys: 2, externalCalls: 1 }, explanation: 'Restart both.' }),
    proposal('cpr_x', 'broken', { rank: 0, eligible: false, verdict: null, summary: null, error: 'the model named an unknown tool `nope`' }),
  ],
};

function renderBoard(props: Partial<Parameters<typeof ProposalsBoard>[0]> = {}) {
  const mock = mockClient(() => ({ chooseProposal: { id: 'pln_9', status: 'APPROVED', __typename: 'Plan' } }));
  render(
    <Provider value={mock.client}>
      <ProposalsBoard sessionId="chs_1" arbitration={arbitration} chosenId={null} choosable={new Set()} {...props} />
    </Provider>,
  );
  return mock;
}

describe('ProposalsBoard', () => {
  it("shows every agent's answer with its figures, and no Choose for a reader", () => {
    renderBoard();
    const items = screen.getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('aria-label'))).toEqual(["aliasbot's proposal", "gpt's proposal", "broken's proposal"]);
    const gpt = within(screen.getByTestId('proposal-gpt'));
    expect(gpt.getByText('2 credits')).toBeTruthy();
    expect(gpt.getByText('1 stage')).toBeTruthy();
    expect(gpt.getByText('2 state keys, 1 external call')).toBeTruthy();
    expect(gpt.getByText('Restart both.')).toBeTruthy();
    expect(screen.getByTestId('proposal-broken').textContent).toContain('unknown tool nope');
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('lets the owner choose an eligible proposal', async () => {
    const onChosen = vi.fn();
    const mock = renderBoard({ choosable: new Set(['cpr_a', 'cpr_g', 'cpr_x']), onChosen });
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(["Choose aliasbot's plan", "Choose gpt's plan"]);
    fireEvent.click(screen.getByRole('button', { name: "Choose gpt's plan" }));
    await waitFor(() => expect(onChosen).toHaveBeenCalledWith('pln_9'));
    expect(mock.operations[0]!.variables).toEqual({ sessionId: 'chs_1', proposalId: 'cpr_g' });
  });

  it('marks the chosen proposal', () => {
    renderBoard({ chosenId: 'cpr_g' });
    expect(within(screen.getByTestId('proposal-gpt')).getByText('chosen')).toBeTruthy();
    expect(within(screen.getByTestId('proposal-aliasbot')).queryByText('chosen')).toBeNull();
    expect(screen.getByText("gpt's proposal was chosen by the conversation's owner.")).toBeTruthy();
  });
});
