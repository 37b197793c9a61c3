// Small formatting helpers shared by every screen: times, costs, hashes, principal chains, enum values.

import type { Actor, Json, Scope } from '../api/types';

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** "3 min ago", "in 2 h"; falls back to the date beyond a week. */
export function relativeTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return '—';
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((then - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const say = (n: number, unit: string) => (seconds < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`);
  if (abs < 45) return seconds <= 0 ? 'just now' : 'in a moment';
  if (abs < 3600) return say(Math.round(abs / 60), 'min');
  if (abs < 86400) return say(Math.round(abs / 3600), 'h');
  if (abs < 7 * 86400) return say(Math.round(abs / 86400), 'd');
  return formatTime(iso);
}

export function formatCost(cost: number, unit = 'credits'): string {
  const rounded = Math.round(cost * 100) / 100;
  return `${rounded} ${rounded === 1 ? unit.replace(/s$/, '') : unit}`;
}

export function shortHash(hash: string | null | undefined, length = 12): string {
  if (!hash) return '—';
  return hash.length > length ? `${hash.slice(0, length)}…` : hash;
}

/** "bob@demo.test", or "planner (agent) for bob@demo.test" for a chain. */
export function actorChain(chain: Actor[]): string {
  if (chain.length === 0) return 'system';
  const [outer, ...rest] = chain;
  const name = (a: Actor) => (a.kind === 'USER' ? a.name : `${a.name} (${humanize(a.kind)})`);
  if (rest.length === 0) return name(outer!);
  return `${rest.map(name).reverse().join(' via ')} for ${name(outer!)}`;
}

/** JSON on one line, with long values cut so tables stay readable. */
export function compactJson(value: Json | undefined, max = 160): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value);
  if (text === undefined) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A schema enum value (or a stored status word) in lower-case words: `PENDING_APPROVAL` → "pending approval". */
export function humanize(value: string): string {
  return value.toLowerCase().replace(/_/g, ' ');
}

/** Whose a policy version is, as versions are named (`org@3`, `web@2`): "org" or the project's slug. */
export function policyScope(v: { scope: Scope; project: string | null }): string {
  return v.scope === 'ORG' ? 'org' : (v.project ?? 'project');
}

export function titleCase(text: string): string {
  return text
    .replace(/[_-]+/g, ' ')
    .replace(/\b\w/g, (c) => c.toUpperCase());
}
