// Turns GraphQL and network failures into what a person can act on: the server's message, its
// stable `extensions.code`, the input field a VALIDATION error names (`extensions.field`), and
// any policy diagnostics attached to a VALIDATION error.

import type { CombinedError } from 'urql';
import type { PolicyDiagnostic, Severity } from './types';

export interface Problem {
  code: string;
  message: string;
  diagnostics: PolicyDiagnostic[];
  retryAfterSeconds?: number;
  /** The input field a VALIDATION error is about, for forms that show it beside that field. */
  field?: string;
}

const FRIENDLY: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended. Sign in again.',
  FORBIDDEN: 'You are not allowed to do this.',
  NOT_FOUND: 'Not found, or not visible to you.',
};

/**
 * The diagnostics of a VALIDATION error. The extension is plain JSON, not a schema type, though
 * its severities are spelled as the schema's enum; anything else counts as an error.
 */
function diagnosticsOf(value: unknown): PolicyDiagnostic[] {
  if (!Array.isArray(value)) return [];
  return (value as (Omit<PolicyDiagnostic, 'severity'> & { severity: string })[]).map((d) => ({ ...d, severity: severityOf(d.severity) }));
}

function severityOf(word: string): Severity {
  return word === 'WARNING' || word === 'INFO' ? word : 'ERROR';
}

export function problemOf(error: CombinedError | undefined | null): Problem | null {
  if (!error) return null;
  if (error.networkError && error.graphQLErrors.length === 0) {
    return { code: 'NETWORK', message: 'The server cannot be reached. Check your connection and try again.', diagnostics: [] };
  }
  const first = error.graphQLErrors[0];
  const ext = (first?.extensions ?? {}) as Record<string, unknown>;
  const code = typeof ext.code === 'string' ? ext.code : 'ERROR';
  const diagnostics = diagnosticsOf(ext.diagnostics);
  const message = first?.message || FRIENDLY[code] || error.message;
  const problem: Problem = { code, message, diagnostics };
  if (typeof ext.retryAfterSeconds === 'number') problem.retryAfterSeconds = ext.retryAfterSeconds;
  if (typeof ext.field === 'string') problem.field = ext.field;
  return problem;
}

export function isUnauthenticated(error: CombinedError | undefined | null): boolean {
  return problemOf(error)?.code === 'UNAUTHENTICATED';
}

/** A Problem from GraphQL errors that arrived outside urql (a subscription's error message). */
export function problemFromErrors(errors: unknown): Problem {
  const list = Array.isArray(errors) ? (errors as { message?: string; extensions?: Record<string, unknown> }[]) : [];
  const first = list[0];
  if (!first) return { code: 'NETWORK', message: 'Live updates stopped: the connection closed.', diagnostics: [] };
  const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'ERROR';
  return { code, message: first.message || FRIENDLY[code] || 'Something went wrong.', diagnostics: [] };
}

/**
 * A form's problem split for showing: the message of a VALIDATION error about one of the form's
 * `fields` goes beside that field; any other problem is shown once, for the whole form.
 */
export function splitProblem<F extends string>(
  problem: Problem | null,
  fields: readonly F[],
): { byField: Partial<Record<F, string>>; general: Problem | null } {
  const field = fields.find((f) => problem?.code === 'VALIDATION' && problem.field === f);
  if (problem && field) return { byField: { [field]: problem.message } as Partial<Record<F, string>>, general: null };
  return { byField: {}, general: problem };
}
