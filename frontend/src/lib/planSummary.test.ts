// Tests of a plan card's one-line summary across verdicts and statuses, including the stale
// wordings a finished plan must not show.

import { describe, expect, it } from 'vitest';
import type { ApprovalStageStatus, DecisionCheck, PlanPreview } from '../api/types';
import { planSummary } from './planSummary';

const ok = (name: string): DecisionCheck => ({ name, verdict: 'ALLOWED', code: 'OK', message: 'fine', rule: null, retryAt: null });
const approval: DecisionCheck = { name: 'policy', verdict: 'NEEDS_APPROVAL', code: 'APPROVAL_REQUIRED', message: 'prod deploys need approval', rule: null, retryAt: null };

function preview(verdict: PlanPreview['verdict'], stepChecks: DecisionCheck[], approvals: string[] = []): PlanPreview {
  return {
    verdict,
    cost: 2,
    risk: 'MEDIUM',
    reasonCodes: [],
    policyVersion: 'org@1',
    unattended: false,
    autoRun: false,
    approvals: approvals.map((name) => ({ name, groups: [name], count: 1, rule: 'r' })),
    checks: [ok('budget')],
    steps: [{ id: 'step-1', action: 'deploy.web', verdict, cost: 2, risk: 'MEDIUM', approvals: [], stateDiff: [], checks: stepChecks }],
  };
}

const stage = (index: number, name: string, satisfied: boolean, approvals: ApprovalStageStatus['approvals'] = []): ApprovalStageStatus => ({
  index,
  name,
  groups: [name],
  count: 1,
  satisfied,
  approvals,
});
const by = (approver: string, decision: 'APPROVE' | 'REJECT', comment = '') => ({ approver, decision, comment, createdAt: '2026-12-02T12:00:00Z' });

const sixOk = ['rbac', 'params', 'kill_switch', 'window', 'rate_limit', 'policy'].map(ok);
const needs = preview('NEEDS_APPROVAL', [...sixOk.slice(0, 5), approval], ['sre-leads', 'change-board']);

describe('planSummary', () => {
  it('says what a preview would need before it is proposed', () => {
    expect(planSummary({ preview: preview('ALLOWED', sixOk) })).toEqual({ text: '7 checks passed · no approval needed', tone: 'ok' });
    expect(planSummary({ preview: needs }).text).toBe('6 of 7 checks passed · needs sre-leads then change-board');
  });

  it('names only the stages still waiting once some are satisfied', () => {
    const stages = [stage(0, 'sre-leads', true, [by('carol', 'APPROVE')]), stage(1, 'change-board', false)];
    expect(planSummary({ preview: needs, status: 'PENDING_APPROVAL', stages })).toEqual({ text: '6 of 7 checks passed · needs change-board', tone: 'warn' });
  });

  it('leads a refusal with its reason and when it would pass', () => {
    const limited: DecisionCheck = { name: 'rate_limit', verdict: 'DENIED', code: 'RATE_LIMITED', message: '5 per minute', rule: null, retryAt: '2026-12-02T12:03:00Z' };
    const s = planSummary({ preview: preview('DENIED', [ok('rbac'), limited]), time: { now: new Date('2026-12-02T12:00:00Z'), timeZone: 'Europe/Berlin', locale: 'en-GB' } });
    expect(s).toEqual({ text: 'Refused: 5 per minute (passes from today 13:03)', tone: 'bad' });
  });

  it('tells a finished plan what happened, never what it waited for', () => {
    const approved = [stage(0, 'sre-leads', true, [by('carol', 'APPROVE')]), stage(1, 'change-board', true, [by('alice', 'APPROVE')])];
    const done = planSummary({ preview: needs, status: 'SUCCEEDED', stages: approved });
    expect(done).toEqual({ text: '6 of 7 checks passed · approved by carol and alice · succeeded', tone: 'ok' });
    expect(done.text).not.toMatch(/needs|approval needed|waiting/);

    const rejected = [stage(0, 'sre-leads', false, [by('carol', 'REJECT', 'not on a Friday')]), stage(1, 'change-board', false)];
    const r = planSummary({ preview: needs, status: 'REJECTED', stages: rejected });
    expect(r).toEqual({ text: 'Rejected by carol at sre-leads: “not on a Friday”', tone: 'bad' });
    expect(r.text).not.toContain('change-board');

    expect(planSummary({ preview: needs, status: 'EXPIRED', stages: [stage(0, 'sre-leads', true), stage(1, 'change-board', false)] }).text).toBe(
      'Expired waiting for change-board',
    );
    expect(planSummary({ preview: preview('ALLOWED', sixOk), status: 'FAILED', stages: [] }).text).toBe('7 checks passed · failed');
    expect(planSummary({ preview: preview('ALLOWED', sixOk), status: 'KILLED', stages: [] }).text).toBe('7 checks passed · stopped by a kill switch');
  });

  it('says a plan approved is ready, then running', () => {
    const approved = [stage(0, 'sre-leads', true, [by('carol', 'APPROVE')])];
    expect(planSummary({ preview: needs, status: 'APPROVED', stages: approved }).text).toBe('6 of 7 checks passed · approved by carol · ready to run');
    expect(planSummary({ preview: preview('ALLOWED', sixOk), status: 'RUNNING', stages: [] }).text).toBe('7 checks passed · running');
  });
});
