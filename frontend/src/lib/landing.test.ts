// Tests of the landing rule: the inbox when approvals wait, otherwise Chat.

import { describe, expect, it } from 'vitest';
import { landingPath } from './landing';

describe('landingPath', () => {
  it('opens the inbox when approvals wait, whatever else', () => {
    expect(landingPath({ org: 'demo', project: 'web', approvalsWaiting: 2, chatRead: true })).toBe('/orgs/demo/approvals');
    expect(landingPath({ org: 'demo', project: null, approvalsWaiting: 1, chatRead: false })).toBe('/orgs/demo/approvals');
  });

  it('opens the project chat otherwise, or its plans for someone who may not read chat', () => {
    expect(landingPath({ org: 'demo', project: 'web', approvalsWaiting: 0, chatRead: true })).toBe('/orgs/demo/projects/web/chat');
    expect(landingPath({ org: 'demo', project: 'web', approvalsWaiting: 0, chatRead: false })).toBe('/orgs/demo/projects/web/plans');
    expect(landingPath({ org: 'demo', project: null, approvalsWaiting: 0, chatRead: true })).toBe('/orgs/demo/audit');
  });
});
