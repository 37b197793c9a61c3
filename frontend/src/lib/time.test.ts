// Tests of the time wording: zones given explicitly through Intl, so the results do not depend
// on the machine's zone.

import { describe, expect, it } from 'vitest';
import { formatCountdown, formatFull, formatRelative, formatWhen, splitJsonTimes, wordTimesIn } from './time';

// Wednesday 2 December 2026, 12:00 UTC: 13:00 in Berlin, 07:00 in New York, 21:00 in Tokyo.
const now = new Date('2026-12-02T12:00:00Z');
const gb = (timeZone: string) => ({ now, timeZone, locale: 'en-GB' });

describe('formatWhen', () => {
  it('words an instant by how near its day is, in the given zone', () => {
    expect(formatWhen('2026-12-02T13:05:00Z', gb('UTC'))).toBe('today 13:05');
    expect(formatWhen('2026-12-02T13:05:00Z', gb('Europe/Berlin'))).toBe('today 14:05');
    expect(formatWhen('2026-12-01T08:12:00Z', gb('UTC'))).toBe('yesterday 08:12');
    expect(formatWhen('2026-12-03T07:00:00Z', gb('Europe/Berlin'))).toBe('tomorrow 08:00');
    expect(formatWhen('2026-12-05T07:00:00Z', gb('Europe/Berlin'))).toBe('Sat 08:00');
    expect(formatWhen('2026-11-27T07:00:00Z', gb('UTC'))).toBe('Fri 07:00');
    expect(formatWhen('2026-03-12T14:05:00Z', gb('UTC'))).toBe('12 Mar 14:05');
    expect(formatWhen('2025-03-12T14:05:00Z', gb('UTC'))).toBe('12 Mar 2025, 14:05');
  });

  it('moves an instant across midnight with the zone', () => {
    // 23:30 UTC on the 2nd is already the 3rd in Tokyo and still the 2nd in New York.
    expect(formatWhen('2026-12-02T23:30:00Z', gb('Asia/Tokyo'))).toBe('tomorrow 08:30');
    expect(formatWhen('2026-12-02T23:30:00Z', gb('America/New_York'))).toBe('today 18:30');
    // At 12:00 UTC it is 21:00 in Tokyo; 16:00 UTC is 01:00 the next day there.
    expect(formatWhen('2026-12-02T16:00:00Z', gb('Asia/Tokyo'))).toBe('tomorrow 01:00');
  });

  it('never echoes what is not a time', () => {
    expect(formatWhen(null)).toBe('—');
    expect(formatWhen('not a time')).toBe('—');
  });

  it('gives the full instant with its zone for a tooltip', () => {
    expect(formatFull('2026-12-02T13:05:09Z', { timeZone: 'Europe/Berlin', locale: 'en-GB' })).toMatch(/Wednesday.*2 December 2026.*14:05:09/);
  });
});

describe('formatRelative', () => {
  it('says how far away in words', () => {
    const o = { now, locale: 'en' };
    expect(formatRelative('2026-12-02T12:03:00Z', o)).toBe('in 3 minutes');
    expect(formatRelative('2026-12-02T11:59:50Z', o)).toBe('just now');
    expect(formatRelative('2026-12-02T10:00:00Z', o)).toBe('2 hours ago');
    expect(formatRelative('2026-12-04T12:00:00Z', o)).toBe('in 2 days');
    expect(formatRelative('2026-10-01T12:00:00Z', { ...o, timeZone: 'UTC', locale: 'en-GB' })).toBe('1 Oct 12:00');
  });
});

describe('formatCountdown', () => {
  it('counts down minutes and seconds, then hours', () => {
    expect(formatCountdown('2026-12-02T12:02:05Z', now)).toBe('2:05');
    expect(formatCountdown('2026-12-02T12:00:09Z', now)).toBe('0:09');
    expect(formatCountdown('2026-12-02T13:04:00Z', now)).toBe('1 h 04 min');
    expect(formatCountdown('2026-12-02T11:00:00Z', now)).toBe('done');
  });
});

describe('wordTimesIn', () => {
  it('rewords ISO instants inside a server message and leaves the rest', () => {
    expect(wordTimesIn('outside the window; passes from 2026-12-03T07:00:00Z (rule `weekdays`)', gb('Europe/Berlin'))).toBe(
      'outside the window; passes from tomorrow 08:00 (rule `weekdays`)',
    );
    expect(wordTimesIn('version 2026-12 of 12:00', gb('UTC'))).toBe('version 2026-12 of 12:00');
    expect(wordTimesIn('until 2026-12-02T12:30:00.123+00:00.', gb('UTC'))).toBe('until today 12:30.');
  });
});

describe('splitJsonTimes', () => {
  it('finds the RFC 3339 values of serialized JSON and keeps everything else as text', () => {
    const text = JSON.stringify({ until: '2026-12-02T13:05:00Z', at: '2026-12-02T14:05:09.123+01:00', step: 'wait' }, null, 2);
    const pieces = splitJsonTimes(text);
    expect(pieces.filter((p) => typeof p !== 'string')).toEqual([
      { iso: '2026-12-02T13:05:00Z', literal: '"2026-12-02T13:05:00Z"' },
      { iso: '2026-12-02T14:05:09.123+01:00', literal: '"2026-12-02T14:05:09.123+01:00"' },
    ]);
    // Put back together, it is the JSON exactly.
    expect(pieces.map((p) => (typeof p === 'string' ? p : p.literal)).join('')).toBe(text);
  });

  it('leaves keys, dates without a time, timestamps inside longer strings and impossible instants alone', () => {
    const text = JSON.stringify({
      '2026-12-02T13:05:00Z': 1,
      day: '2026-12-02',
      note: 'opens 2026-12-02T13:05:00Z',
      bad: '2026-13-45T99:00:00Z',
    });
    expect(splitJsonTimes(text)).toEqual([text]);
    expect(splitJsonTimes('')).toEqual([]);
  });
});
