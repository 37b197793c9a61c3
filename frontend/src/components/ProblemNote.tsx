// Shows a failed request: the server's message and its error code, announced to screen readers.

import type { CombinedError } from 'urql';
import { problemOf, type Problem } from '../api/errors';

export function ProblemNote({ error, problem, title }: { error?: CombinedError | null; problem?: Problem | null; title?: string }) {
  const p = problem ?? problemOf(error);
  if (!p) return null;
  return (
    <div className="notice tone-bad" role="alert">
      {title && <strong>{title}: </strong>}
      {p.message} <code className="code-tag">{p.code}</code>
      {p.retryAfterSeconds !== undefined && <span> Try again in {p.retryAfterSeconds} s.</span>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}
