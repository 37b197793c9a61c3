// Tests of the formatting helpers.

import { describe, expect, it } from 'vitest';
import { actorChain, compactJson, formatCost, humanize, policyScope, relativeTime, shortHash } from './format';

describe('format', () => {
  it('names principal chains, outermost (the human) last', () => {
    expect(actorChain([{ kind: 'USER', id: 'u', name: 'bob@demo.test' }])).toBe('bob@demo.test');
    expect(
      actorChain([
        { kind: 'USER', id: 'u', name: 'bob@demo.test' },
        { kind: 'SERVICE_ACCOUNT', id: 's', name: 'deploy-bot' },
      ]),
    ).toBe('deploy-bot (service account) for bob@demo.test');
    expect(actorChain([])).toBe('system');
  });

  it('says how long ago', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    expect(relativeTime('2026-11-24T11:59:50Z', now)).toBe('just now');
    expect(relativeTime('2026-11-24T12:00:00Z', now)).toBe('just now');
    expect(relativeTime('2026-11-24T11:30:00Z', now)).toBe('30 minutes ago');
    expect(relativeTime('2026-11-24T15:00:00Z', now)).toBe('in 3 hours');
    expect(relativeTime('2026-11-22T12:00:00Z', now)).toBe('2 days ago');
  });

  it('words schema enum values and stored status words', () => {
    expect(humanize('PENDING_APPROVAL')).toBe('pending approval');
    expect(humanize('compensation_failed')).toBe('compensation failed');
    expect(policyScope({ scope: 'ORG', project: null })).toBe('org');
    expect(policyScope({ scope: 'PROJECT', project: 'web' })).toBe('web');
  });

  it('formats costs, hashes and JSON', () => {
    expect(formatCost(2)).toBe('2 credits');
    expect(formatCost(1)).toBe('1 credit');
    expect(formatCost(0.125)).toBe('0.13 credits');
    expect(shortHash('0123456789abcdef')).toBe('0123456789ab…');
    expect(compactJson({ a: 'x'.repeat(200) }, 20)).toHaveLength(20);
  });
});
