// Tests of the plan preview card: the one-line summary first, every check once, state diff, approvals.

import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { PlanPreview, PlanStep } from '../api/types';
import { PlanPreviewCard } from './PlanPreviewCard';

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
  it('leads with why a plan is refused; the checks name the rule and its line', () => {
    render(<PlanPreviewCard title="Deploy" preview={denied} steps={steps} planHash="abcdef0123456789" />);
    expect(screen.getByTestId('plan-summary').textContent).toBe('Refused: The project is frozen (state.freeze)');
    const checks = screen.getByRole('table', { name: 'Checks of step step-1' });
    expect(within(checks).getByRole('row', { name: /policy/ }).textContent).toContain('change-freeze (policies/examples/org.yaml:18)');
    expect(screen.getByTestId('preview-cost').textContent).toBe('2 credits');
    expect(screen.getByText('abcdef012345…')).toBeTruthy();
  });

  it('lists every check with its verdict and the predicted state change', () => {
    render(<PlanPreviewCard title="Deploy" preview={denied} steps={steps} />);
    const checks = screen.getByRole('table', { name: 'Checks of step step-1' });
    const rows = within(checks).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual(['rbac', 'policy']);
    // One badge per check: the verdict, no second tag for its code.
    expect(within(rows[1]!).getByText('Denied')).toBeTruthy();
    expect(rows.map((r) => r.querySelectorAll('.badge, .code-tag').length)).toEqual([1, 1]);
    const diff = screen.getByRole('table', { name: 'Predicted state changes' });
    expect(within(diff).getByText('deployments.web-prod')).toBeTruthy();
    expect(within(diff).getByText('{"version":1}')).toBeTruthy();
  });

  it('says when a refusal of the whole plan would pass, in words', () => {
    const limited: PlanPreview = {
      ...denied,
      checks: [{ name: 'rate_limit', verdict: 'DENIED', code: 'RATE_LIMITED', message: '5 per minute', rule: null, retryAt: '2026-11-24T10:01:00Z' }],
    };
    render(<PlanPreviewCard title="Deploy" preview={limited} steps={steps} />);
    expect(screen.getByTestId('plan-summary').textContent).toMatch(/^Refused: 5 per minute \(passes from .*\d\d:\d\d( [AP]M)?\)$/);
    const planChecks = screen.getByRole('region', { name: 'Plan checks' }).textContent ?? '';
    expect(planChecks).toContain('rate_limit');
    expect(planChecks).toContain('passes from');
    expect(document.body.textContent).not.toContain('2026-11-24T10:01');
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
    expect(screen.getByTestId('plan-summary').textContent).toBe('1 of 2 checks passed · needs sre-leads then change-board');
  });

  it('folds the checks away once proposed, and a finished plan drops what it waited for', () => {
    const pending: PlanPreview = { ...denied, verdict: 'NEEDS_APPROVAL', approvals: [{ name: 'sre-leads', groups: ['sre-leads'], count: 1, rule: 'r' }], steps: [{ ...denied.steps[0]!, verdict: 'ALLOWED', checks: [denied.steps[0]!.checks[0]!] }] };
    const { container } = render(
      <PlanPreviewCard
        title="Deploy"
        preview={pending}
        steps={steps}
        status="SUCCEEDED"
        stages={[{ index: 0, name: 'sre-leads', groups: ['sre-leads'], count: 1, satisfied: true, approvals: [{ approver: 'carol', decision: 'APPROVE', comment: '', createdAt: '2026-11-24T09:00:00Z' }] }]}
        actions={<button type="button">Approve</button>}
      />,
    );
    expect(screen.getByTestId('plan-summary').textContent).toBe('2 checks passed · approved by carol · succeeded');
    expect(container.querySelector('details.plan-checks')?.hasAttribute('open')).toBe(false);
    expect(screen.queryByRole('region', { name: 'Approvals needed' })).toBeNull();
    // One badge in the header: the status, not a verdict beside it.
    expect([...container.querySelectorAll('.card-header .badge')].map((b) => b.textContent)).toEqual(['succeeded']);
    // The actions come right after the summary line.
    expect(screen.getByTestId('plan-summary').nextElementSibling?.textContent).toBe('Approve');
  });
});
