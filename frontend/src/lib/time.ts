// Times as people read them, in the viewer's time zone (or an explicit one, for tests): "today
// 14:05", "Wed 08:00", "in 3 minutes", a live countdown "2:05". Built on Intl.DateTimeFormat and
// Intl.RelativeTimeFormat only. Every screen shows times through here, so no raw ISO string
// reaches the page, not even inside a server's message (see `wordTimesIn`) or a JSON value
// (see `splitJsonTimes`).

export interface TimeOptions {
  /** The instant "today" and "in 3 minutes" are measured from; the clock when omitted. */
  now?: Date;
  /** An IANA zone ("Europe/Berlin"); the viewer's own when omitted. */
  timeZone?: string;
  /** A BCP 47 locale; the viewer's own when omitted. */
  locale?: string;
}

const DAY_MS = 86_400_000;

function parse(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The calendar day of an instant in a zone, as a day number (days since 1970-01-01 there). */
function dayNumber(d: Date, timeZone: string | undefined): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(d);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day')) / DAY_MS;
}

function yearOf(d: Date, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric' }).format(d);
}

function clock(d: Date, o: TimeOptions): string {
  return new Intl.DateTimeFormat(o.locale, { timeZone: o.timeZone, hour: '2-digit', minute: '2-digit' }).format(d);
}

/**
 * An instant in words, as near as it is: "today 14:05", "yesterday 09:12", "tomorrow 08:00",
 * "Wed 08:00" within a week either way, "12 Mar 14:05" this year, "12 Mar 2025, 14:05" beyond.
 * A value that is not a time is shown as "—" rather than echoed.
 */
export function formatWhen(iso: string | null | undefined, o: TimeOptions = {}): string {
  if (!iso) return '—';
  const d = parse(iso);
  if (!d) return '—';
  const now = o.now ?? new Date();
  const days = dayNumber(d, o.timeZone) - dayNumber(now, o.timeZone);
  const time = clock(d, o);
  if (Math.abs(days) <= 1) {
    const word = new Intl.RelativeTimeFormat(o.locale, { numeric: 'auto' }).format(days, 'day');
    return `${word} ${time}`;
  }
  if (Math.abs(days) < 7) {
    const weekday = new Intl.DateTimeFormat(o.locale, { timeZone: o.timeZone, weekday: 'short' }).format(d);
    return `${weekday} ${time}`;
  }
  const sameYear = yearOf(d, o.timeZone) === yearOf(now, o.timeZone);
  const date = new Intl.DateTimeFormat(o.locale, {
    timeZone: o.timeZone,
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(d);
  return sameYear ? `${date} ${time}` : `${date}, ${time}`;
}

/** The full instant with its zone, for a tooltip: "Wednesday 3 December 2026 at 14:05:09 CET". */
export function formatFull(iso: string | null | undefined, o: TimeOptions = {}): string {
  const d = iso ? parse(iso) : null;
  if (!d) return '';
  return new Intl.DateTimeFormat(o.locale, { timeZone: o.timeZone, dateStyle: 'full', timeStyle: 'long' }).format(d);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** How far away an instant is: "in 3 minutes", "2 hours ago", "just now"; beyond a week, `formatWhen`. */
export function formatRelative(iso: string | null | undefined, o: TimeOptions = {}): string {
  if (!iso) return '—';
  const d = parse(iso);
  if (!d) return '—';
  const now = o.now ?? new Date();
  const seconds = Math.round((d.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? 'just now' : 'in a moment';
  if (abs >= 7 * 86_400) return formatWhen(iso, o);
  const rtf = new Intl.RelativeTimeFormat(o.locale, { numeric: 'always' });
  for (const [unit, size] of UNITS) {
    if (abs >= size * (unit === 'minute' ? 1 : 0.95)) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60), 'minute');
}

/** What is left of a wait, for a live countdown: "0:42", "12:05", "1 h 04 min", "done" at zero. */
export function formatCountdown(untilIso: string, now: Date = new Date()): string {
  const d = parse(untilIso);
  if (!d) return '—';
  const left = Math.ceil((d.getTime() - now.getTime()) / 1000);
  if (left <= 0) return 'done';
  if (left < 3600) return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  return `${h} h ${String(m).padStart(2, '0')} min`;
}

/** An ISO 8601 instant inside free text (a server's reason, a chat reply). */
const ISO_IN_TEXT = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})/g;

/** A server's message with any ISO instant in it worded as `formatWhen` words it. */
export function wordTimesIn(text: string, o: TimeOptions = {}): string {
  return text.replace(ISO_IN_TEXT, (m) => (parse(m.replace(' ', 'T')) ? formatWhen(m.replace(' ', 'T'), o) : m));
}

/**
 * A JSON string value that is an RFC 3339 instant, quotes included; not a key (followed by `:`).
 * A timestamp inside a longer string stays as it is: only whole values are instants.
 */
const TIME_IN_JSON = /"(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))"(?!\s*:)/g;

/** A piece of serialized JSON: plain text, or an instant (`literal` is its exact text, quotes included). */
export type JsonPiece = string | { iso: string; literal: string };

/** Serialized JSON cut into its text and the instants in it, so a view can word them. */
export function splitJsonTimes(text: string): JsonPiece[] {
  const pieces: JsonPiece[] = [];
  let from = 0;
  for (const m of text.matchAll(TIME_IN_JSON)) {
    const iso = m[1]!;
    if (!parse(iso)) continue;
    if (m.index > from) pieces.push(text.slice(from, m.index));
    pieces.push({ iso, literal: m[0] });
    from = m.index + m[0].length;
  }
  if (from < text.length) pieces.push(text.slice(from));
  return pieces;
}
