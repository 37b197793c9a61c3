// Tests of the schedules screen's helpers: each overlap rule has its own words, the browser's
// time zone is the default (UTC when it has none), and outcomes are toned by their first word.

import { describe, expect, it } from 'vitest';
import { browserTimeZone, OVERLAP_CHOICES, outcomeTone, overlapLabel } from './schedules';

describe('overlap rules', () => {
  it('are offered in the schema’s order, each with its own words', () => {
    expect(OVERLAP_CHOICES.map((c) => c.value)).toEqual(['SKIP', 'QUEUE', 'CANCEL_PREVIOUS']);
    expect(new Set(OVERLAP_CHOICES.map((c) => c.label)).size).toBe(3);
    expect(overlapLabel('CANCEL_PREVIOUS')).toBe('Cancel the unfinished plan, then propose');
  });
});

describe('browserTimeZone', () => {
  it('is the zone the browser resolves, or UTC when it resolves none or fails', () => {
    expect(browserTimeZone(() => 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(browserTimeZone(() => undefined)).toBe('UTC');
    expect(browserTimeZone(() => '')).toBe('UTC');
    expect(
      browserTimeZone(() => {
        throw new RangeError('no Intl');
      }),
    ).toBe('UTC');
  });
});

describe('outcomeTone', () => {
  it('tones an outcome by how it begins', () => {
    expect(outcomeTone('proposed pln_1 (queued)')).toBe('ok');
    expect(outcomeTone('skipped: the previous run pln_1 is still running')).toBe('warn');
    expect(outcomeTone('refused: RATE_LIMITED too many deploys')).toBe('bad');
    expect(outcomeTone('')).toBe('neutral');
  });
});
