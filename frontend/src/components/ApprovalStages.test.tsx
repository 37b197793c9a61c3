// Tests of the approval stages list.

import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApprovalStages } from './ApprovalStages';

describe('ApprovalStages', () => {
  it('marks satisfied stages and the one waiting now', () => {
    render(
      <ApprovalStages
        status="PENDING_APPROVAL"
        stages={[
          { index: 0, name: 'sre-leads', groups: ['sre-leads'], count: 1, satisfied: true, approvals: [{ approver: 'carol@demo.test', decision: 'APPROVE', comment: 'lgtm', createdAt: '2026-11-24T09:00:00Z' }] },
          { index: 1, name: 'change-board', groups: ['change-board', 'cto-office'], count: 1, satisfied: false, approvals: [] },
        ]}
      />,
    );
    expect(screen.getByTestId('stage-0').textContent).toContain('satisfied');
    expect(screen.getByTestId('stage-0').textContent).toContain('Approved by carol@demo.test');
    expect(screen.getByTestId('stage-1').textContent).toContain('0 of 1 from change-board or cto-office');
    expect(screen.getByTestId('stage-1').textContent).toContain('waiting');
  });

  it('shows a rejected plan as it ended: the rejection, not the stages it no longer waits for', () => {
    render(
      <ApprovalStages
        status="REJECTED"
        stages={[
          { index: 0, name: 'sre-leads', groups: ['sre-leads'], count: 1, satisfied: false, approvals: [{ approver: 'carol@demo.test', decision: 'REJECT', comment: 'not today', createdAt: '2026-11-24T09:00:00Z' }] },
          { index: 1, name: 'change-board', groups: ['change-board'], count: 1, satisfied: false, approvals: [] },
        ]}
      />,
    );
    expect(screen.getByTestId('stage-0').textContent).toContain('rejected');
    expect(screen.getByTestId('stage-0').textContent).toContain('Rejected by carol@demo.test');
    expect(screen.getByTestId('stage-0').textContent).not.toContain('2026-11-24');
    expect(screen.queryByTestId('stage-1')).toBeNull();
    expect(document.body.textContent).not.toContain('not yet');
    expect(document.body.textContent).not.toContain('waiting');
  });

  it('marks the stage an expired plan ran out of time at', () => {
    render(<ApprovalStages status="EXPIRED" stages={[{ index: 0, name: 'sre-leads', groups: ['sre-leads'], count: 1, satisfied: false, approvals: [] }]} />);
    expect(screen.getByTestId('stage-0').textContent).toContain('expired');
  });

  it('says when no approval is needed', () => {
    render(<ApprovalStages stages={[]} status="APPROVED" />);
    expect(screen.getByText('This plan needs no approval.')).toBeTruthy();
  });
});
