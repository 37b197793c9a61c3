// The state of a small form sent to the auth endpoints (src/api/auth.ts): the errors shown
// beside its fields, the one shown above them all (`general`), and whether it is being sent.
// A refusal naming one of the form's fields goes beside that field; anything else is general.

import { useState } from 'react';
import { splitAuthError } from '../api/auth';

/** A message for each refused field. */
export type FieldErrors<F extends string> = Partial<Record<F, string>>;

export interface SubmitOptions<F extends string> {
  /** Checks made here before sending: any error found is shown and nothing is sent. */
  check?: () => FieldErrors<F>;
  /** After a refusal, e.g. to empty a code or password field for the person to type again. */
  onError?: () => void;
  /**
   * Stays busy after success: for a form that stays on screen until its caller replaces it, so
   * it cannot be sent a second time meanwhile.
   */
  keepBusy?: boolean;
}

/**
 * `F` names every field that can show an error; `serverFields` those a refusal from the server
 * may name (the rest are only checked here).
 */
export function useAuthForm<F extends string>(serverFields: readonly F[]) {
  const [errors, setErrors] = useState<FieldErrors<F>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  /** Sends the form with `run`; a refusal is shown, not thrown. */
  const submit = async (run: () => Promise<void>, { check, onError, keepBusy = false }: SubmitOptions<F> = {}) => {
    setGeneral(null);
    const found = check?.() ?? {};
    setErrors(found);
    if (Object.values(found).some(Boolean)) return;
    setBusy(true);
    try {
      await run();
      if (!keepBusy) setBusy(false);
    } catch (err) {
      const { byField, general: other } = splitAuthError(err, serverFields);
      setErrors(byField);
      setGeneral(other);
      onError?.();
      setBusy(false);
    }
  };

  return { errors, general, busy, submit };
}
