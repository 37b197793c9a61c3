// The chat session's log as the screen sees it: a pure reducer over `chatEvents` (stored events
// kept once each, in seq order, whichever way they arrived; streamed text per agent until the
// stored answer replaces it) and the views derived from it: the transcript, each plan's state
// folded from its events, the arbitration's choice, whether an answer is still coming.

import type { Actor, ChatArbitration, ChatEvent, ChatStepProgress, Json, PlanPreview, PlanStatus, PlanStep, Verdict } from '../api/types';
import { untilOf } from './events';
import { humanize } from './format';
import { formatWhen } from './time';
import type { StepRow, Tone } from './plans';

/** A reply being streamed by one agent (TEXT_DELTA events, never stored). */
export interface Stream {
  agent: string;
  /** The seq of the last stored event when the turn began (what the deltas carry). */
  after: number;
  text: string;
}

export interface ChatLog {
  /** Stored events, oldest first, one per seq. */
  events: ChatEvent[];
  /** The highest stored seq seen. */
  lastSeq: number;
  /** Replies streaming now, in the order they started. */
  streams: Stream[];
}

export const EMPTY_LOG: ChatLog = { events: [], lastSeq: 0, streams: [] };

/** Kinds that end a turn: the stored answer (or ranking) replaces what was streamed for it. */
const TURN_ENDS = new Set(['MESSAGE_COMPLETED', 'PROPOSALS_RANKED']);

function insertStored(events: ChatEvent[], e: ChatEvent): ChatEvent[] {
  const last = events[events.length - 1];
  if (!last || last.seq < e.seq) return [...events, e];
  // Out of order (a mutation's answer before the subscription's replay): insert, or drop a repeat.
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.seq < e.seq) lo = mid + 1;
    else hi = mid;
  }
  if (events[lo]?.seq === e.seq) return events;
  return [...events.slice(0, lo), e, ...events.slice(lo)];
}

/** Applies events from the subscription (or a mutation's answer) to the log. */
export function applyChatEvents(log: ChatLog, incoming: ChatEvent[]): ChatLog {
  let { events, lastSeq, streams } = log;
  for (const e of incoming) {
    if (e.ephemeral || e.kind === 'TEXT_DELTA') {
      if (!e.text) continue;
      // A delta for a turn whose answer is already stored came late: the answer has it all.
      if (events.some((x) => x.seq > e.seq && TURN_ENDS.has(x.kind))) continue;
      const agent = e.agent ?? 'assistant';
      const i = streams.findIndex((s) => s.agent === agent && s.after === e.seq);
      // Text from the answer's start (sent on (re)subscribing mid-answer) replaces what is held.
      const text = e.text; // (narrowed to a string above; closures would lose that)
      streams =
        i >= 0
          ? streams.map((s, j) => (j === i ? { ...s, text: e.fromStart ? text : s.text + text } : s))
          : [...streams, { agent, after: e.seq, text }];
      continue;
    }
    const before = events;
    events = insertStored(events, e);
    if (events === before) continue;
    lastSeq = Math.max(lastSeq, e.seq);
    if (TURN_ENDS.has(e.kind)) streams = streams.filter((s) => s.after >= e.seq);
  }
  if (events === log.events && streams === log.streams) return log;
  return { events, lastSeq, streams };
}

/** Someone said something the assistant has not answered yet (nor started to stream). */
export function awaitingReply(log: ChatLog): boolean {
  let lastUser = 0;
  let lastAnswer = 0;
  for (const e of log.events) {
    if (e.kind === 'USER_MESSAGE') lastUser = e.seq;
    else if (TURN_ENDS.has(e.kind)) lastAnswer = e.seq;
  }
  return lastUser > lastAnswer && log.streams.length === 0;
}

/** A plan proposed in the conversation, as its events tell it. */
export interface ChatPlanView {
  planId: string;
  /** The PLAN_PROPOSED event's seq. */
  seq: number;
  status: PlanStatus;
  verdict: Verdict | null;
  planHash: string;
  preview: PlanPreview | null;
  steps: PlanStep[];
  proposer: Actor[];
  /** Step progress in the shape the plan page's progress list shows (with the chat's status words). */
  progress: StepRow[];
  /** Until when each waiting step (a `delay`) waits, for the progress list's countdown. */
  waitingUntil: Map<string, string>;
  /** The seq of the latest event about this plan (changes when something happened to it). */
  lastSeq: number;
  /** How it ended, once it has. */
  finished: { status: PlanStatus; detail: string | null } | null;
}

/** A WAITING step's output is not a result but `{ until }`: the countdown shows it, not the output. */
function progressOf(step: ChatStepProgress): StepRow {
  const output = step.status === 'WAITING' ? null : (step.output ?? null);
  return { id: step.stepId, status: step.status, attempts: step.attempt ?? 1, output, error: step.error };
}

/** Every plan of the conversation, folded from its events. */
export function foldPlans(events: ChatEvent[]): Map<string, ChatPlanView> {
  const plans = new Map<string, ChatPlanView>();
  for (const e of events) {
    if (!e.planId) continue;
    let p = plans.get(e.planId);
    if (e.kind === 'PLAN_PROPOSED') {
      p = {
        planId: e.planId,
        seq: e.seq,
        status: e.status ?? 'PROPOSED',
        verdict: e.verdict ?? e.preview?.verdict ?? null,
        planHash: e.planHash ?? '',
        preview: e.preview,
        steps: e.steps ?? [],
        proposer: e.proposer,
        progress: [],
        waitingUntil: new Map(),
        lastSeq: e.seq,
        finished: null,
      };
      plans.set(e.planId, p);
      continue;
    }
    if (!p) continue;
    p = { ...p, lastSeq: e.seq };
    if ((e.kind === 'PLAN_STATUS' || e.kind === 'PLAN_FINISHED') && e.status) p.status = e.status;
    if (e.kind === 'PLAN_FINISHED') p.finished = { status: e.status ?? p.status, detail: e.detail };
    if (e.kind === 'STEP_PROGRESS' && e.step) {
      const next = progressOf(e.step);
      const known = p.progress.findIndex((s) => s.id === next.id);
      p.progress = known >= 0 ? p.progress.map((s, i) => (i === known ? next : s)) : [...p.progress, next];
      const until = e.step.status === 'WAITING' ? untilOf(e.step.output) : null;
      if (until) p.waitingUntil = new Map(p.waitingUntil).set(next.id, until);
    }
    plans.set(e.planId, p);
  }
  return plans;
}

/**
 * The proposal an arbitration chose: the strategy's choice, or (human choice) the one a later
 * answer proposed its plan from — the stored ranking itself is not rewritten.
 */
export function chosenProposal(ranking: ChatEvent, events: ChatEvent[]): string | null {
  const a = ranking.arbitration;
  if (!a) return null;
  if (a.chosenProposalId) return a.chosenProposalId;
  const ids = new Set(a.proposals.map((p) => p.id));
  const answer = events.find((e) => e.seq > ranking.seq && e.kind === 'MESSAGE_COMPLETED' && e.proposalId && ids.has(e.proposalId));
  return answer?.proposalId ?? null;
}

export type TranscriptItem =
  | { type: 'message'; key: string; event: ChatEvent }
  | { type: 'plan'; key: string; planId: string }
  | { type: 'ranking'; key: string; event: ChatEvent & { arbitration: ChatArbitration }; chosenId: string | null }
  | { type: 'activity'; key: string; events: ChatEvent[] };

const ACTIVITY = new Set(['PLAN_STATUS', 'STEP_PROGRESS', 'PLAN_FINISHED', 'APPROVAL_REQUESTED']);

/**
 * What the conversation shows, in order. A plan's card follows the answer that explains it
 * (the server stores the plan first); approval requests made with the proposal are on the card
 * already, so only later ones (a gate in the middle of a run) become activity lines.
 */
export function transcript(events: ChatEvent[]): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  /** planId -> seq of the answer its card waits for. */
  const cardAfter = new Map<number, string[]>();
  /** planId -> last seq of the turn that proposed it. */
  const proposalTurnEnd = new Map<string, number>();
  let activity: ChatEvent[] = [];
  const flush = () => {
    if (activity.length) items.push({ type: 'activity', key: `a${activity[0]!.seq}`, events: activity });
    activity = [];
  };
  const emitCards = (seq: number) => {
    for (const planId of cardAfter.get(seq) ?? []) items.push({ type: 'plan', key: `p${planId}`, planId });
    cardAfter.delete(seq);
  };

  events.forEach((e, i) => {
    if (e.kind === 'PLAN_PROPOSED' && e.planId) {
      let answer: ChatEvent | undefined;
      for (const x of events.slice(i + 1)) {
        if (x.kind === 'USER_MESSAGE') break;
        if (x.kind === 'MESSAGE_COMPLETED' && x.planId === e.planId) {
          answer = x;
          break;
        }
      }
      proposalTurnEnd.set(e.planId, answer?.seq ?? e.seq);
      if (answer) cardAfter.set(answer.seq, [...(cardAfter.get(answer.seq) ?? []), e.planId]);
      else {
        flush();
        items.push({ type: 'plan', key: `p${e.planId}`, planId: e.planId });
      }
      return;
    }
    if (ACTIVITY.has(e.kind)) {
      if (e.kind === 'APPROVAL_REQUESTED' && e.planId && e.seq < (proposalTurnEnd.get(e.planId) ?? 0)) return;
      activity.push(e);
      return;
    }
    flush();
    if (e.kind === 'PROPOSALS_RANKED' && e.arbitration) {
      items.push({ type: 'ranking', key: `r${e.seq}`, event: e as ChatEvent & { arbitration: ChatArbitration }, chosenId: chosenProposal(e, events) });
    } else if (e.kind === 'USER_MESSAGE' || e.kind === 'MESSAGE_COMPLETED' || e.kind === 'SYSTEM_MESSAGE') {
      items.push({ type: 'message', key: `m${e.seq}`, event: e });
    }
    emitCards(e.seq);
  });
  flush();
  return items;
}

/** One line of plan activity in plain words. */
export function describeActivity(e: ChatEvent, planLabel?: string): { text: string; tone: Tone } {
  const prefix = planLabel ? `${planLabel}: ` : '';
  switch (e.kind) {
    case 'PLAN_STATUS':
      return { text: prefix + (e.detail || humanize(e.status ?? '')), tone: e.status === 'APPROVED' ? 'ok' : 'info' };
    case 'STEP_PROGRESS': {
      const s = e.step;
      if (!s) return { text: `${prefix}step progress`, tone: 'neutral' };
      const attempt = s.attempt && s.attempt > 1 ? ` (attempt ${s.attempt})` : '';
      const error = s.error ? ` — ${s.error}` : '';
      const until = s.status === 'WAITING' ? untilOf(s.output) : null;
      const wait = until ? ` until ${formatWhen(until)}` : '';
      const tone: Tone = s.status === 'SUCCEEDED' ? 'ok' : s.status === 'FAILED' || s.status === 'COMPENSATION_FAILED' ? 'bad' : s.status === 'RUNNING' ? 'info' : 'warn';
      return { text: `${prefix}step ${s.index + 1} ${s.action} ${humanize(s.status)}${wait}${attempt}${error}`, tone };
    }
    case 'PLAN_FINISHED': {
      const ok = e.status === 'SUCCEEDED';
      return { text: `${prefix}plan ${humanize(e.status ?? 'finished')}${e.detail ? ` — ${e.detail}` : ''}`, tone: ok ? 'ok' : 'bad' };
    }
    case 'APPROVAL_REQUESTED': {
      const a = e.approval;
      return { text: a ? `${prefix}waiting for ${a.name}: ${a.count} of ${a.groups.join(' or ')}` : `${prefix}approval requested`, tone: 'warn' };
    }
    default:
      return { text: prefix + humanize(e.kind), tone: 'neutral' };
  }
}

/**
 * A sentence to offer as an example from an action's chat alias: each `{param}` filled with
 * its default or first allowed value from the parameter schema; null if one stays unknown.
 */
export function exampleFromAlias(alias: string, params: Json): string | null {
  const props = (params && typeof params === 'object' && !Array.isArray(params) ? (params as Record<string, Json>).properties : null) ?? {};
  const schema = (name: string): Record<string, Json> => {
    const p = (props as Record<string, Json>)[name];
    return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, Json>) : {};
  };
  let unknown = false;
  const text = alias.replace(/\{(\w+)(?:=([^}]*))?\}/g, (_, name: string, fallback?: string) => {
    if (fallback) return fallback;
    const s = schema(name);
    const value = s.default ?? (Array.isArray(s.enum) ? s.enum[0] : undefined);
    if (value === undefined || value === null || typeof value === 'object') {
      unknown = true;
      return '';
    }
    return String(value);
  });
  return unknown ? null : text;
}

/** The server's limit on one message, in characters (api/src/chat: MAX_MESSAGE_CHARS). */
export const MAX_MESSAGE_CHARS = 4000;

export interface MessageLength {
  /** Characters as the server counts them (code points, of the trimmed text it is sent). */
  count: number;
  /** Show the counter: the message is within a tenth of the limit, or over it. */
  show: boolean;
  /** Characters over the limit (0 when it fits): such a message is refused, not cut. */
  over: number;
}

export function messageLength(value: string, max = MAX_MESSAGE_CHARS): MessageLength {
  const count = [...value.trim()].length;
  return { count, show: count >= max * 0.9, over: Math.max(0, count - max) };
}
