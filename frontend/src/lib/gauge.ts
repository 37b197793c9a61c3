// The arithmetic of a usage gauge: how much of a limit is used and held, and how alarming
// that is (thresholds from policy, e.g. budget alerts at 80 % and 95 %).

import type { Tone } from './plans';

export interface GaugeParts {
  /** Used share of the limit, 0-100 (clamped). */
  usedPct: number;
  /** Held share (reservations), 0-100, drawn after the used share. */
  heldPct: number;
  /** (used + held) / limit, unclamped. */
  fraction: number;
  tone: Tone;
}

export function gaugeParts(used: number, held: number, limit: number, alertAt: number[] = []): GaugeParts {
  const fraction = limit > 0 ? (used + held) / limit : used + held > 0 ? Infinity : 0;
  const usedPct = limit > 0 ? Math.min(100, Math.max(0, (used / limit) * 100)) : used > 0 ? 100 : 0;
  const heldPct = limit > 0 ? Math.min(100 - usedPct, Math.max(0, (held / limit) * 100)) : 0;
  // The first alert warns, the last (or the limit itself, with one alert or none) is bad.
  const alerts = alertAt.slice().sort((a, b) => a - b);
  const warnAt = alerts[0] ?? 0.8;
  const badAt = alerts.length > 1 ? alerts[alerts.length - 1]! : 1;
  const tone: Tone = fraction >= badAt ? 'bad' : fraction >= warnAt ? 'warn' : 'ok';
  return { usedPct, heldPct, fraction, tone };
}

/** "12.5 %" with one decimal at most. */
export function percent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  return `${Math.round(fraction * 1000) / 10} %`;
}
