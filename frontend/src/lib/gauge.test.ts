// Tests of the usage gauge arithmetic.

import { describe, expect, it } from 'vitest';
import { gaugeParts, percent } from './gauge';

describe('gaugeParts', () => {
  it('splits a limit into used and held shares', () => {
    expect(gaugeParts(30, 10, 100)).toEqual({ usedPct: 30, heldPct: 10, fraction: 0.4, tone: 'ok' });
  });

  it('raises its tone at the alert thresholds of the policy', () => {
    expect(gaugeParts(79, 0, 100, [0.8, 0.95]).tone).toBe('ok');
    expect(gaugeParts(70, 10, 100, [0.8, 0.95]).tone).toBe('warn');
    expect(gaugeParts(95, 0, 100, [0.8, 0.95]).tone).toBe('bad');
    expect(gaugeParts(4, 0, 5).tone).toBe('warn');
    expect(gaugeParts(5, 0, 5).tone).toBe('bad');
    expect(gaugeParts(85, 0, 100, [0.8]).tone).toBe('warn');
    expect(gaugeParts(100, 0, 100, [0.8]).tone).toBe('bad');
  });

  it('clamps drawing at the limit but keeps the true fraction', () => {
    const g = gaugeParts(90, 30, 100);
    expect(g.usedPct).toBe(90);
    expect(g.heldPct).toBe(10);
    expect(g.fraction).toBe(1.2);
    expect(g.tone).toBe('bad');
  });

  it('formats fractions as percentages', () => {
    expect(percent(0.125)).toBe('12.5 %');
    expect(percent(Infinity)).toBe('—');
  });
});
