// Tests of the chat log reducer and its views: streamed text replaced by the stored answer,
// repeats from a resumed subscription dropped by seq, plans folded from their events, the
// arbitration's choice, and the order the transcript shows things in.

import { describe, expect, it } from 'vitest';
import type { ChatEvent, ChatProposal, ChatStepProgress, Json, PlanStatus } from '../api/types';
import {
  applyChatEvents,
  awaitingReply,
  chosenProposal,
  describeActivity,
  EMPTY_LOG,
  exampleFromAlias,
  foldPlans,
  MAX_MESSAGE_CHARS,
  messageLength,
  transcript,
} from './chat';
import { formatWhen } from './time';

function ev(seq: number, kind: ChatEvent['kind'], extra: Partial<ChatEvent> = {}): ChatEvent {
  return {
    id: kind === 'TEXT_DELTA' ? null : `che_${seq}`,
    seq,
    kind,
    ephemeral: kind === 'TEXT_DELTA',
    fromStart: false,
    createdAt: '2026-11-24T10:00:00Z',
    role: null,
    text: null,
    author: null,
    agent: null,
    code: null,
    inReplyTo: null,
    proposalId: null,
    suggestions: [],
    planId: null,
    status: null,
    verdict: null,
    detail: null,
    by: null,
    planHash: null,
    proposer: [],
    preview: null,
    steps: null,
    approval: null,
    step: null,
    arbitration: null,
    ...extra,
  };
}

const user = (seq: number, text: string) => ev(seq, 'USER_MESSAGE', { role: 'USER', text });
const delta = (after: number, agent: string, text: string) => ev(after, 'TEXT_DELTA', { role: 'ASSISTANT', agent, text });
const answer = (seq: number, inReplyTo: number, text: string, extra: Partial<ChatEvent> = {}) =>
  ev(seq, 'MESSAGE_COMPLETED', { role: 'ASSISTANT', text, inReplyTo, ...extra });
const proposed = (seq: number, planId: string, status: PlanStatus = 'PENDING_APPROVAL') =>
  ev(seq, 'PLAN_PROPOSED', {
    planId,
    status,
    verdict: status === 'PENDING_APPROVAL' ? 'NEEDS_APPROVAL' : 'ALLOWED',
    planHash: `hash-${planId}`,
    steps: [{ id: 'step-1', action: 'deploy.web', params: { service: 'web' }, when: null, onFailure: 'STOP' }],
    proposer: [
      { kind: 'USER', id: 'usr_1', name: 'bob@demo.test' },
      { kind: 'AGENT', id: 'builtin', name: 'alias' },
    ],
  });
const stepEvent = (seq: number, planId: string, status: ChatStepProgress['status'], attempt = 1, error: string | null = null) =>
  ev(seq, 'STEP_PROGRESS', { planId, step: { index: 0, stepId: 'step-1', action: 'deploy.web', status, attempt, output: null, error } });

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
    summary: null,
    explanation: null,
    error: null,
    steps: null,
    preview: null,
    ...extra,
  };
}

describe('applyChatEvents', () => {
  it('streams text per agent, then the stored answer replaces it', () => {
    let log = applyChatEvents(EMPTY_LOG, [user(1, 'deploy web to staging')]);
    log = applyChatEvents(log, [delta(1, 'gpt', 'Deploying web '), delta(1, 'other', 'Hmm, '), delta(1, 'gpt', 'to staging.')]);
    expect(log.streams).toEqual([
      { agent: 'gpt', after: 1, text: 'Deploying web to staging.' },
      { agent: 'other', after: 1, text: 'Hmm, ' },
    ]);
    expect(log.lastSeq).toBe(1);
    expect(awaitingReply(log)).toBe(false);
    log = applyChatEvents(log, [answer(2, 1, 'Deploying web to staging. Proposed plan …', { agent: 'gpt' })]);
    expect(log.streams).toEqual([]);
    expect(log.events.map((e) => e.seq)).toEqual([1, 2]);
    // A delta of the answered turn that arrives late is not shown again.
    log = applyChatEvents(log, [delta(1, 'gpt', ' (late)')]);
    expect(log.streams).toEqual([]);
  });

  it('text from the start of an answer (sent again on reconnecting mid-answer) replaces what was held', () => {
    let log = applyChatEvents(EMPTY_LOG, [user(1, 'restart api'), delta(1, 'gpt', 'Restarting api ')]);
    log = applyChatEvents(log, [
      ev(1, 'TEXT_DELTA', { role: 'ASSISTANT', agent: 'gpt', text: 'Restarting api together', fromStart: true }),
      delta(1, 'gpt', ' with its worker'),
    ]);
    expect(log.streams).toEqual([{ agent: 'gpt', after: 1, text: 'Restarting api together with its worker' }]);
    // First seen that way (opened mid-answer), it starts the stream.
    const fresh = applyChatEvents(EMPTY_LOG, [user(1, 'restart api'), ev(1, 'TEXT_DELTA', { role: 'ASSISTANT', agent: 'gpt', text: 'Restarting', fromStart: true })]);
    expect(fresh.streams).toEqual([{ agent: 'gpt', after: 1, text: 'Restarting' }]);
  });

  it('a ranking of several agents also ends what they streamed', () => {
    let log = applyChatEvents(EMPTY_LOG, [user(1, 'restart api'), delta(1, 'gpt', 'Restarting api')]);
    log = applyChatEvents(log, [ev(2, 'PROPOSALS_RANKED', { inReplyTo: 1, arbitration: { strategy: 'human-choice', reason: '', chosenProposalId: null, proposals: [] } })]);
    expect(log.streams).toEqual([]);
  });

  it('keeps each stored event once, in seq order, however it arrives (resume, mutation answer)', () => {
    let log = applyChatEvents(EMPTY_LOG, [user(1, 'a'), answer(2, 1, 'b')]);
    // The answer of sendChatMessage comes before the subscription delivers it.
    log = applyChatEvents(log, [user(5, 'e')]);
    // A reconnect replays from an older cursor: 2 again, then 3 and 4, then 5 again.
    log = applyChatEvents(log, [answer(2, 1, 'b'), ev(3, 'SYSTEM_MESSAGE', { text: 'c' }), ev(4, 'SYSTEM_MESSAGE', { text: 'd' }), user(5, 'e')]);
    expect(log.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(log.lastSeq).toBe(5);
    expect(awaitingReply(log)).toBe(true);
    // Nothing new: the same log object, so nothing re-renders.
    expect(applyChatEvents(log, [user(1, 'a')])).toBe(log);
  });

  it('waits for an answer to the last message only', () => {
    const log = applyChatEvents(EMPTY_LOG, [user(1, 'a'), answer(2, 1, 'b'), user(3, 'c')]);
    expect(awaitingReply(log)).toBe(true);
    expect(awaitingReply(applyChatEvents(log, [answer(4, 3, 'd')]))).toBe(false);
  });
});

describe('foldPlans', () => {
  it('follows a plan through approvals, its run and its end', () => {
    const events = [
      user(1, 'deploy web to prod'),
      proposed(2, 'pln_1'),
      ev(3, 'APPROVAL_REQUESTED', { planId: 'pln_1', approval: { stage: 0, name: 'sre-leads', groups: ['sre-leads'], count: 1 } }),
      answer(4, 1, 'Proposed plan pln_1', { planId: 'pln_1' }),
      ev(5, 'PLAN_STATUS', { planId: 'pln_1', status: 'APPROVED', detail: 'alice@demo.test approved stage 2' }),
      ev(6, 'PLAN_STATUS', { planId: 'pln_1', status: 'RUNNING', detail: 'started' }),
      stepEvent(7, 'pln_1', 'RUNNING'),
      stepEvent(8, 'pln_1', 'RETRYING', 1, 'timeout'),
      stepEvent(9, 'pln_1', 'SUCCEEDED', 2),
      ev(10, 'PLAN_FINISHED', { planId: 'pln_1', status: 'SUCCEEDED' }),
    ];
    const plan = foldPlans(events).get('pln_1')!;
    expect(plan.status).toBe('SUCCEEDED');
    expect(plan.planHash).toBe('hash-pln_1');
    expect(plan.progress).toEqual([{ id: 'step-1', status: 'SUCCEEDED', attempts: 2, output: null, error: null }]);
    expect(plan.finished).toEqual({ status: 'SUCCEEDED', detail: null });
    expect(plan.lastSeq).toBe(10);
    // Before the run, the status is the one the last status event gave.
    expect(foldPlans(events.slice(0, 5)).get('pln_1')!.status).toBe('APPROVED');
  });

  it('keeps until when a delay step waits, for the countdown, not as its output', () => {
    const until = '2026-03-04T08:00:00Z';
    const waits = (seq: number, status: ChatStepProgress['status'], output: Json) =>
      ev(seq, 'STEP_PROGRESS', { planId: 'pln_1', step: { index: 0, stepId: 'wait', action: 'delay', status, attempt: null, output, error: null } });
    const events = [proposed(1, 'pln_1'), waits(2, 'WAITING', { until })];
    const plan = foldPlans(events).get('pln_1')!;
    expect([...plan.waitingUntil]).toEqual([['wait', until]]);
    expect(plan.progress).toEqual([{ id: 'wait', status: 'WAITING', attempts: 1, output: null, error: null }]);
    // Once it has run, its output is the step's own again.
    const done = foldPlans([...events, waits(3, 'SUCCEEDED', { waited: 300 })]).get('pln_1')!;
    expect(done.progress[0]!.output).toEqual({ waited: 300 });
    expect(foldPlans([proposed(1, 'pln_1')]).get('pln_1')!.waitingUntil.size).toBe(0);
  });
});

describe('chosenProposal', () => {
  const ranking = ev(2, 'PROPOSALS_RANKED', {
    inReplyTo: 1,
    arbitration: {
      strategy: 'human-choice',
      reason: 'waiting for a person to choose',
      chosenProposalId: null,
      proposals: [proposal('cpr_a', 'aliasbot'), proposal('cpr_g', 'gpt', { rank: 2 })],
    },
  });

  it("is the server's choice when the strategy chose", () => {
    const chose = { ...ranking, arbitration: { ...ranking.arbitration!, chosenProposalId: 'cpr_a' } };
    expect(chosenProposal(chose, [chose])).toBe('cpr_a');
  });

  it('is the proposal a later answer proposed its plan from, after a person chose', () => {
    const events = [user(1, 'restart api'), ranking, answer(3, 1, 'waiting for you to choose')];
    expect(chosenProposal(ranking, events)).toBeNull();
    // A plan proposed by another ranking's choice says nothing about this one.
    events.push(answer(4, 3, 'Proposed plan pln_1 (gpt)', { agent: 'gpt', planId: 'pln_1', proposalId: 'cpr_other' }));
    expect(chosenProposal(ranking, events)).toBeNull();
    events.push(proposed(5, 'pln_2', 'APPROVED'), answer(6, 2, 'Proposed plan pln_2 (gpt)', { agent: 'gpt', planId: 'pln_2', proposalId: 'cpr_g' }));
    expect(chosenProposal(ranking, events)).toBe('cpr_g');
  });
});

describe('transcript', () => {
  it("puts a plan's card after the answer that explains it, folds activity into lines, hides requests already on the card", () => {
    const events = [
      user(1, 'deploy web to prod'),
      proposed(2, 'pln_1'),
      ev(3, 'APPROVAL_REQUESTED', { planId: 'pln_1', approval: { stage: 0, name: 'sre-leads', groups: ['sre-leads'], count: 1 } }),
      answer(4, 1, 'Proposed plan pln_1', { planId: 'pln_1' }),
      ev(5, 'PLAN_STATUS', { planId: 'pln_1', status: 'PENDING_APPROVAL', detail: 'carol@demo.test approved stage 1' }),
      ev(6, 'PLAN_STATUS', { planId: 'pln_1', status: 'APPROVED', detail: 'approval stage 2 is complete' }),
      user(7, 'run it'),
      answer(8, 7, 'Queued plan pln_1'),
      stepEvent(9, 'pln_1', 'SUCCEEDED'),
      ev(10, 'PLAN_FINISHED', { planId: 'pln_1', status: 'SUCCEEDED' }),
    ];
    expect(transcript(events).map((i) => (i.type === 'activity' ? `activity:${i.events.map((e) => e.seq).join(',')}` : i.key))).toEqual([
      'm1',
      'm4',
      'ppln_1',
      'activity:5,6',
      'm7',
      'm8',
      'activity:9,10',
    ]);
  });

  it('shows a card at once when its answer has not arrived yet', () => {
    const items = transcript([user(1, 'deploy web'), proposed(2, 'pln_1', 'APPROVED')]);
    expect(items.map((i) => i.key)).toEqual(['m1', 'ppln_1']);
  });

  it('carries the choice of a ranking', () => {
    const ranking = ev(2, 'PROPOSALS_RANKED', {
      arbitration: { strategy: 'lowest-cost', reason: 'cheapest', chosenProposalId: 'cpr_g', proposals: [proposal('cpr_g', 'gpt')] },
    });
    const [, item] = transcript([user(1, 'restart api'), ranking]);
    expect(item).toMatchObject({ type: 'ranking', chosenId: 'cpr_g' });
  });
});

describe('describeActivity', () => {
  it('words plan activity for the conversation', () => {
    expect(describeActivity(ev(5, 'PLAN_STATUS', { status: 'PENDING_APPROVAL', detail: 'carol@demo.test approved stage 1: lgtm' }), 'deploy.web')).toEqual({
      text: 'deploy.web: carol@demo.test approved stage 1: lgtm',
      tone: 'info',
    });
    expect(describeActivity(stepEvent(6, 'pln_1', 'FAILED', 3, 'timeout'), 'deploy.web')).toEqual({
      text: 'deploy.web: step 1 deploy.web failed (attempt 3) — timeout',
      tone: 'bad',
    });
    expect(describeActivity(ev(7, 'PLAN_FINISHED', { status: 'SUCCEEDED' }))).toEqual({ text: 'plan succeeded', tone: 'ok' });
    expect(describeActivity(ev(8, 'APPROVAL_REQUESTED', { approval: { stage: 1, name: 'change-board', groups: ['change-board', 'cto-office'], count: 1 } })).text).toBe(
      'waiting for change-board: 1 of change-board or cto-office',
    );
    // A waiting delay says until when, in words, never the raw instant.
    const until = '2026-03-04T08:00:00Z';
    const waiting = ev(9, 'STEP_PROGRESS', { step: { index: 1, stepId: 'wait', action: 'delay', status: 'WAITING', attempt: null, output: { until }, error: null } });
    expect(describeActivity(waiting).text).toBe(`step 2 delay waiting until ${formatWhen(until)}`);
  });
});

describe('helpers', () => {
  it('fills an alias with defaults and allowed values, or gives up', () => {
    const params = { type: 'object', properties: { service: { type: 'string', enum: ['web', 'api'] }, version: { type: 'integer', default: 1 } } };
    expect(exampleFromAlias('deploy {service} to {env=staging}', params)).toBe('deploy web to staging');
    expect(exampleFromAlias('ship {service} v{version}', params)).toBe('ship web v1');
    expect(exampleFromAlias('restart {name}', params)).toBeNull();
  });
});

describe('messageLength', () => {
  it('counts as the server does and shows the counter from 3,600 of 4,000', () => {
    expect(MAX_MESSAGE_CHARS).toBe(4000);
    expect(messageLength('a'.repeat(3599))).toEqual({ count: 3599, show: false, over: 0 });
    expect(messageLength('a'.repeat(3600))).toEqual({ count: 3600, show: true, over: 0 });
    expect(messageLength('a'.repeat(4000))).toEqual({ count: 4000, show: true, over: 0 });
    expect(messageLength('a'.repeat(4001))).toEqual({ count: 4001, show: true, over: 1 });
    // Code points, not UTF-16 units (an emoji is one character to the server), of the trimmed text.
    expect(messageLength('🚀'.repeat(3999)).over).toBe(0);
    expect(messageLength(`  ${'a'.repeat(4000)}  `).over).toBe(0);
  });
});
