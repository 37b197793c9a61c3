// Tests of the plan preview card: reasons first, every check, state diff, approvals.

import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { PlanPreview, PlanStep } from '../api/types';
import { blockingChecks, PlanPreviewCard } from './PlanPreviewCard';

const steps: PlanStep[] = [{ id: 'step-1', action: 'deploy.web', params: { service: 'web', env: 'prod' }, when: null, onFailure: 'STOP' }];

const denied: PlanPreview = {
  verdict: 'DENIED',
  cost: 2,
  risk: 'MEDIUM',
  reasonCodes: ['POLICY_DENIED'],
  policyVersion: 'org@1',
  approvals: [],
  unattended: false,
  autoRun: false,
  checks: [{ name: 'budget', verdict: 'ALLOWED', code: 'OK', message: 'the cost of 2 fits (98 credits left of org)', rule: null, retryAt: null }],
  steps: [
    {
      id: 'step-1',
      action: 'deploy.web',
      verdict: 'DENIED',
      cost: 2,
      risk: 'MEDIUM',
      approvals: [],
      checks: [
        { name: 'rbac', verdict: 'ALLOWED', code: 'OK', message: 'may invoke', rule: null, retryAt: null },
        {
          name: 'policy',
          verdict: 'DENIED',
          code: 'POLICY_DENIED',
          message: 'The project is frozen (state.freeze)',
          rule: { policy: 'demo-baseline', rule: 'change-freeze', level: 'ORG', version: '1', file: 'policies/examples/org.yaml', line: 18 },
          retryAt: null,
        },
      ],
      stateDiff: [{ path: 'deployments.web-prod', before: null, after: { version: 1 } }],
    },
  ],
};

describe('PlanPreviewCard', () => {
  it('leads with why a plan is denied, naming the rule and its line', () => {
    render(<PlanPreviewCard title="Deploy" preview={denied} steps={steps} planHash="abcdef0123456789" />);
    const reasons = screen.getByTestId('preview-reasons');
    expect(reasons.textContent).toContain('Denied because');
    expect(reasons.textContent).toContain('The project is frozen (state.freeze)');
    expect(reasons.textContent).toContain('change-freeze (policies/examples/org.yaml:18)');
    expect(screen.getByTestId('preview-cost').textContent).toBe('2 credits');
    expect(screen.getByText('abcdef012345…')).toBeTruthy();
  });

  it('lists every check with its verdict and the predicted state change', () => {
    render(<PlanPreviewCard title="Deploy" preview={denied} steps={steps} />);
    const checks = screen.getByRole('table', { name: 'Checks of step step-1' });
    const rows = within(checks).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual(['rbac', 'policy']);
    expect(within(rows[1]!).getByText('Denied')).toBeTruthy();
    const diff = screen.getByRole('table', { name: 'Predicted state changes' });
    expect(within(diff).getByText('deployments.web-prod')).toBeTruthy();
    expect(within(diff).getByText('{"version":1}')).toBeTruthy();
  });

  it('puts refusals of the whole plan first, with when they would pass', () => {
    const limited: PlanPreview = {
      ...denied,
      checks: [{ name: 'rate_limit', verdict: 'DENIED', code: 'RATE_LIMITED', message: '5 per minute', rule: null, retryAt: '2026-11-24T10:01:00Z' }],
    };
    render(<PlanPreviewCard title="Deploy" preview={limited} steps={steps} />);
    const items = screen.getByTestId('preview-reasons').querySelectorAll('li');
    expect(items).toHaveLength(2);
    expect(items[0]!.textContent).toContain('plan: 5 per minute');
    expect(items[0]!.textContent).toContain('passes from');
    expect(items[1]!.textContent).toContain('step-1: The project is frozen');
    expect(screen.getByRole('region', { name: 'Plan checks' }).textContent).toContain('rate_limit');
  });

  it('shows the approval stages a plan needs', () => {
    const pending: PlanPreview = {
      ...denied,
      verdict: 'NEEDS_APPROVAL',
      approvals: [
        { name: 'sre-leads', groups: ['sre-leads'], count: 1, rule: 'demo-baseline/prod-deploys-need-approval' },
        { name: 'change-board', groups: ['change-board', 'cto-office'], count: 1, rule: 'demo-baseline/prod-deploys-need-approval' },
      ],
      steps: [{ ...denied.steps[0]!, verdict: 'NEEDS_APPROVAL', checks: [{ name: 'approval', verdict: 'NEEDS_APPROVAL', code: 'APPROVAL_REQUIRED', message: 'needs approval', rule: null, retryAt: null }] }],
    };
    render(<PlanPreviewCard title="Deploy" preview={pending} steps={steps} />);
    const stages = screen.getByRole('region', { name: 'Approvals needed' });
    expect(stages.textContent).toContain('sre-leads: 1 of sre-leads');
    expect(stages.textContent).toContain('change-board: 1 of change-board or cto-office');
    expect(screen.getByTestId('preview-reasons').textContent).toContain('Needs approval because');
    expect(blockingChecks(pending)).toHaveLength(1);
  });
});
