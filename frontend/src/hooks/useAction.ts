// Runs a mutation from a form and keeps its outcome: the problem to show, or a done message.

import { useState } from 'react';
import type { CombinedError } from 'urql';
import { problemOf, type Problem } from '../api/errors';

export function useAction() {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async <T,>(call: () => Promise<{ error?: CombinedError; data?: T }>): Promise<T | null> => {
    setBusy(true);
    setProblem(null);
    try {
      const res = await call();
      if (res.error) {
        setProblem(problemOf(res.error));
        return null;
      }
      return res.data ?? null;
    } finally {
      setBusy(false);
    }
  };
  return { problem, busy, run, clear: () => setProblem(null) };
}
