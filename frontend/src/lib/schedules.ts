// Pure helpers of the schedules screen: the overlap rules in words, the time zone a new
// schedule starts in, and what a slot came to as a tone.

import type { ScheduleOverlap } from '../api/types';
import type { Tone } from './plans';

/** Each overlap rule, in the order offered, as it reads in the form and on a schedule. */
export const OVERLAP_CHOICES: readonly { value: ScheduleOverlap; label: string }[] = [
  { value: 'SKIP', label: 'Skip the slot' },
  { value: 'QUEUE', label: 'Propose anyway (it waits its turn)' },
  { value: 'CANCEL_PREVIOUS', label: 'Cancel the unfinished plan, then propose' },
];

export const overlapLabel = (o: ScheduleOverlap): string => OVERLAP_CHOICES.find((c) => o === c.value)?.label ?? o;

/**
 * The browser's IANA time zone, where a new schedule's times are read unless changed: people
 * think of "9 every morning" in their own zone. UTC when the browser does not say.
 */
export function browserTimeZone(resolve: () => string | undefined = () => Intl.DateTimeFormat().resolvedOptions().timeZone): string {
  try {
    return resolve() || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * A slot's outcome as the server words it (`proposed pln_… (queued)`, `skipped: …`,
 * `refused: RATE_LIMITED …`) as a tone: a refusal needs a look, a skip may.
 */
export function outcomeTone(outcome: string): Tone {
  if (outcome.startsWith('proposed')) return 'ok';
  if (outcome.startsWith('skipped')) return 'warn';
  if (outcome.startsWith('refused')) return 'bad';
  return 'neutral';
}
