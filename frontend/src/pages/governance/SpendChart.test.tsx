// Tests of the spend chart's common scale.

import { describe, expect, it } from 'vitest';
import { spendScale } from './SpendChart';

const row = (spent: number, reserved: number, limit: number | null) => ({ id: 'p', slug: 'p', name: 'P', budget: { spent, reserved, limit, unit: 'credits' } });

describe('spendScale', () => {
  it('uses the org limit when bars fit under it', () => {
    expect(spendScale([row(10, 2, 40), row(4, 0, null)], 100)).toBe(100);
  });

  it('grows to the largest bar or project limit otherwise', () => {
    expect(spendScale([row(10, 2, 40)], null)).toBe(40);
    expect(spendScale([row(120, 5, null)], 100)).toBe(125);
    expect(spendScale([], null)).toBe(1);
  });
});
