// Tests of turning GraphQL failures into problems people can act on.

import { CombinedError } from 'urql';
import { describe, expect, it } from 'vitest';
import { isUnauthenticated, problemOf, splitProblem, type Problem } from './errors';

describe('problemOf', () => {
  it('takes the code, message and policy diagnostics from the first GraphQL error', () => {
    const error = new CombinedError({
      graphQLErrors: [
        {
          message: 'policy documents are invalid',
          extensions: { code: 'VALIDATION', diagnostics: [{ code: 'PV006', severity: 'ERROR', message: 'bad', file: 'a.yaml', line: 3, column: 1, path: '' }] },
        },
      ],
    });
    const p = problemOf(error)!;
    expect(p.code).toBe('VALIDATION');
    expect(p.message).toBe('policy documents are invalid');
    expect(p.diagnostics[0]!.line).toBe(3);
    expect(p.diagnostics[0]!.severity).toBe('ERROR');
  });

  it('reads the severities as the schema spells them, anything unknown as an error', () => {
    const diagnostic = (severity: string) => ({ code: 'PV001', severity, message: 'm', file: 'a.yaml', line: 1, column: 1, path: '' });
    const error = new CombinedError({
      graphQLErrors: [{ message: 'invalid', extensions: { code: 'VALIDATION', diagnostics: ['WARNING', 'INFO', 'warning', 'odd'].map(diagnostic) } }],
    });
    expect(problemOf(error)!.diagnostics.map((d) => d.severity)).toEqual(['WARNING', 'INFO', 'ERROR', 'ERROR']);
  });

  it('passes on retryAfterSeconds and recognises expired sessions', () => {
    const limited = new CombinedError({ graphQLErrors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 12 } }] });
    expect(problemOf(limited)!.retryAfterSeconds).toBe(12);
    const anon = new CombinedError({ graphQLErrors: [{ message: 'sign in', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(isUnauthenticated(anon)).toBe(true);
    expect(isUnauthenticated(limited)).toBe(false);
  });

  it('names the input field of a VALIDATION error', () => {
    const invalid = new CombinedError({ graphQLErrors: [{ message: 'invalid name: 1 to 64 of a-z', extensions: { code: 'VALIDATION', field: 'name' } }] });
    expect(problemOf(invalid)).toMatchObject({ code: 'VALIDATION', field: 'name', message: 'invalid name: 1 to 64 of a-z' });
    const forbidden = new CombinedError({ graphQLErrors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] });
    expect(problemOf(forbidden)!.field).toBeUndefined();
  });

  it('explains network failures', () => {
    const p = problemOf(new CombinedError({ networkError: new Error('Failed to fetch') }))!;
    expect(p.code).toBe('NETWORK');
    expect(problemOf(null)).toBeNull();
  });
});

describe('splitProblem', () => {
  const invalid = (field?: string): Problem => ({ code: 'VALIDATION', message: 'private addresses are refused', diagnostics: [], field });

  it('puts a VALIDATION error about one of the form’s fields beside that field only', () => {
    expect(splitProblem(invalid('url'), ['url', 'events'])).toEqual({ byField: { url: 'private addresses are refused' }, general: null });
  });

  it('shows any other problem for the whole form', () => {
    const elsewhere = invalid('org');
    expect(splitProblem(elsewhere, ['url', 'events'])).toEqual({ byField: {}, general: elsewhere });
    const forbidden: Problem = { code: 'FORBIDDEN', message: 'no', diagnostics: [], field: 'url' };
    expect(splitProblem(forbidden, ['url'])).toEqual({ byField: {}, general: forbidden });
    expect(splitProblem(null, ['url'])).toEqual({ byField: {}, general: null });
  });
});
