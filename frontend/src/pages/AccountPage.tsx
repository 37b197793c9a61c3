// The signed-in person's own account: who they are signed in as, what they are told by e-mail
// (./NotificationSettings.tsx) and, for an account that signs in with a password (the server
// says whether it has one), changing it and two-step sign-in (./TwoStepSignIn.tsx). People who
// sign in at their organization's identity provider manage both there.

import { useEffect, useState, type FormEvent } from 'react';
import { changePassword, fetchAccount, type Account } from '../api/auth';
import { TextField } from '../components/Field';
import { FormActions } from '../components/FormActions';
import { useAuthForm } from '../hooks/useAuthForm';
import { checkNewPassword, PASSWORD_MIN, type NewPasswordErrors } from '../lib/accounts';
import { useSession } from '../session';
import { NotificationSettings } from './NotificationSettings';
import { TwoStepSignIn } from './TwoStepSignIn';

/** The server's word on the person's sign-in methods, asked again by `reload`. */
function useAccount() {
  const [account, setAccount] = useState<Account | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    let live = true;
    fetchAccount()
      .then((a) => {
        if (!live) return;
        setAccount(a);
        setError(null);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [asked]);
  return { account, error, reload: () => setAsked((n) => n + 1) };
}

export function AccountPage() {
  const { viewer } = useSession();
  const email = viewer.user?.email ?? null;
  const { account, error, reload } = useAccount();
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Your account</h1>
          <p className="muted">
            Signed in as <strong>{viewer.user?.displayName || viewer.name}</strong>
            {email && <> ({email})</>}
          </p>
        </div>
      </div>
      {error && (
        <p className="notice tone-bad" role="alert">
          Cannot load your sign-in methods: {error}
        </p>
      )}
      {account && !account.hasPassword && (
        <p className="muted" data-testid="no-password">
          You sign in at your organization’s identity provider: your password and any second factor are managed there.
        </p>
      )}
      {email && account?.hasPassword && (
        <section className="card" aria-labelledby="change-password-title">
          <h2 id="change-password-title" className="card-title">
            Change your password
          </h2>
          <ChangePasswordForm email={email} />
        </section>
      )}
      {account?.hasPassword && <TwoStepSignIn account={account} onChanged={reload} />}
      <NotificationSettings email={email} />
    </div>
  );
}

type Errors = NewPasswordErrors & { current?: string };

/** Current password, new one and its repetition; the new one is checked here before it is sent. */
export function ChangePasswordForm({ email }: { email: string }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState(false);
  // The server names the current password (wrong, or the account has none) or the new one.
  const { errors, general, busy, submit } = useAuthForm<keyof Errors>(['current', 'password']);

  const check = (): Errors => {
    const found: Errors = { ...checkNewPassword(next, repeat, email) };
    if (!current) found.current = 'Enter your current password.';
    return found;
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    void submit(
      async () => {
        await changePassword(current, next);
        setCurrent('');
        setNext('');
        setRepeat('');
        setDone(true);
      },
      { check },
    );
  };

  return (
    <form className="stack" aria-labelledby="change-password-title" noValidate onSubmit={onSubmit}>
      {/* The address, for password managers to store the new password with. */}
      <input type="email" autoComplete="username" value={email} readOnly hidden aria-label="E-mail" />
      <div className="field-grid">
        <TextField
          id="password-current"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={setCurrent}
          error={errors.current}
        />
        <TextField
          id="password-new"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN} characters, not your e-mail address.`}
          required
          value={next}
          onChange={setNext}
          error={errors.password}
        />
        <TextField
          id="password-repeat"
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          required
          value={repeat}
          onChange={setRepeat}
          error={errors.repeat}
        />
      </div>
      <FormActions submit="Change password" busy={busy} general={general}>
        {done && (
          <p className="notice tone-ok" role="status">
            Your password was changed. Use the new one the next time you sign in.
          </p>
        )}
      </FormActions>
    </form>
  );
}
