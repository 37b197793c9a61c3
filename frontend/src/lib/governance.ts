// Reads the `governance` JSON of an effective policy (limits, budgets, windows, blackouts,
// autonomy of every level) into typed rows, and lays execution windows out on a week.

import type { Json } from '../api/types';

type Obj = Record<string, Json>;

const obj = (v: Json | undefined): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');
const num = (v: Json | undefined): number | null => (typeof v === 'number' ? v : null);
const strs = (v: Json | undefined): string[] => arr(v).filter((x): x is string => typeof x === 'string');

export interface Origin {
  level: string;
  policy: string;
}

export interface LimitRow extends Origin {
  name: string;
  actions: string[];
  scope: string;
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
}

export interface BudgetRow extends Origin {
  daily: number | null;
  unit: string;
  timezone: string;
  alertAt: number[];
}

export interface WindowRow extends Origin {
  name: string;
  actions: string[];
  days: string[];
  from: string;
  to: string;
  timezone: string;
}

export interface BlackoutRow extends Origin {
  name: string;
  actions: string[];
  from: string;
  to: string;
  timezone: string;
  reason: string;
}

export interface Governance {
  limits: LimitRow[];
  budgets: BudgetRow[];
  windows: WindowRow[];
  blackouts: BlackoutRow[];
  autonomy: Obj | null;
}

const origin = (o: Obj): Origin => ({ level: str(o.level), policy: str(o.policy) });

export function readGovernance(raw: Json): Governance {
  const g = obj(raw);
  return {
    limits: arr(g.limits).map((e) => {
      const o = obj(e);
      const l = obj(o.limit);
      return {
        ...origin(o),
        name: str(l.name),
        actions: strs(l.actions),
        scope: str(l.scope) || 'org',
        perMinute: num(l.perMinute),
        perHour: num(l.perHour),
        perDay: num(l.perDay),
      };
    }),
    budgets: arr(g.budgets).map((e) => {
      const o = obj(e);
      const b = obj(o.budget);
      return { ...origin(o), daily: num(b.daily), unit: str(b.unit) || 'credits', timezone: str(b.timezone) || 'UTC', alertAt: arr(b.alertAt).filter((x): x is number => typeof x === 'number') };
    }),
    windows: arr(g.windows).map((e) => {
      const o = obj(e);
      const w = obj(o.window);
      return { ...origin(o), name: str(w.name), actions: strs(w.actions), days: strs(w.days), from: str(w.from), to: str(w.to), timezone: str(w.timezone) || 'UTC' };
    }),
    blackouts: arr(g.blackouts).map((e) => {
      const o = obj(e);
      const b = obj(o.blackout);
      return { ...origin(o), name: str(b.name), actions: strs(b.actions), from: str(b.from), to: str(b.to), timezone: str(b.timezone) || 'UTC', reason: str(b.reason) };
    }),
    autonomy: g.autonomy ? obj(g.autonomy) : null,
  };
}

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface Segment {
  day: (typeof DAYS)[number];
  /** Minutes from midnight. */
  start: number;
  end: number;
}

function minutes(hhmm: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 24 || min > 59) return null;
  return h * 60 + min;
}

/** Where a window is open during the week; a window past midnight continues the next day. */
export function weekSegments(w: Pick<WindowRow, 'days' | 'from' | 'to'>): Segment[] {
  const from = minutes(w.from);
  const to = minutes(w.to);
  if (from === null || to === null) return [];
  const days = w.days.length > 0 ? w.days : [...DAYS];
  const out: Segment[] = [];
  for (const d of days) {
    const i = DAYS.indexOf(d as (typeof DAYS)[number]);
    if (i < 0) continue;
    const day = DAYS[i]!;
    if (from < to) out.push({ day, start: from, end: to });
    else {
      out.push({ day, start: from, end: 24 * 60 });
      if (to > 0) out.push({ day: DAYS[(i + 1) % 7]!, start: 0, end: to });
    }
  }
  return out;
}

export function describeLimit(l: LimitRow): string {
  const parts = [
    l.perMinute !== null ? `${l.perMinute}/min` : '',
    l.perHour !== null ? `${l.perHour}/h` : '',
    l.perDay !== null ? `${l.perDay}/day` : '',
  ].filter(Boolean);
  return parts.join(', ') || 'no rate';
}
