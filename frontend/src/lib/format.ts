// Small formatting helpers shared by every screen: times, costs, hashes, principal chains, enum values.

import type { Actor, Json, Scope } from '../api/types';
import { formatRelative, formatWhen } from './time';

/** An instant in the viewer's zone, in words ("today 14:05", "Wed 08:00"): see lib/time. */
export function formatTime(iso: string | null | undefined): string {
  return formatWhen(iso);
}

/** "3 minutes ago", "in 2 hours"; the date beyond a week (see lib/time). */
export function relativeTime(iso: string | null | undefined, now: Date = new Date()): string {
  return formatRelative(iso, { now });
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
