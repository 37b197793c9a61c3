// Two-step sign-in on the account page, for people who sign in with a password: after the
// password, a code from an authenticator app. Turning it on takes three steps: the password
// (the server answers a new secret), the secret as a QR code and as text for the app, then a
// code from the app to show it works; the recovery codes come back once, to store. Turning it
// off takes the password and a code (or a recovery code).
//
// The secret and the recovery codes live only in this component's state, dropped on Cancel and
// Done: they are answered once and never asked for again.

import { QRCodeSVG } from 'qrcode.react';
import { useState, type FormEvent } from 'react';
import { disableTotp, enableTotp, setupTotp, type Account, type TotpSetup } from '../api/auth';
import { Badge } from '../components/Badge';
import { TextField } from '../components/Field';
import { FormActions } from '../components/FormActions';
import { useAuthForm } from '../hooks/useAuthForm';
import { OneTimeSecret } from './admin/OneTimeSecret';

type Step = { at: 'start' } | { at: 'password' } | { at: 'confirm'; setup: TotpSetup } | { at: 'codes'; codes: string[] };

/** `account` is the server's word; `onChanged` asks it again after a change. */
export function TwoStepSignIn({ account, onChanged }: { account: Account; onChanged: () => void }) {
  const [step, setStep] = useState<Step>({ at: 'start' });
  const [done, setDone] = useState<string | null>(null);
  const restart = () => setStep({ at: 'start' });

  let body;
  if (step.at === 'codes') {
    // Before the account's new state: the codes are shown even once it says "on".
    body = <RecoveryCodes codes={step.codes} onDone={restart} />;
  } else if (account.secondFactor) {
    body = (
      <SecondFactorOn
        codesLeft={account.recoveryCodesLeft}
        onTurnedOff={() => {
          setDone('Two-step sign-in is off: your password alone signs you in. Remove Praetor from your authenticator app.');
          onChanged();
        }}
      />
    );
  } else if (step.at === 'password') {
    body = <PasswordStep onSetup={(setup) => setStep({ at: 'confirm', setup })} onCancel={restart} />;
  } else if (step.at === 'confirm') {
    body = (
      <ConfirmStep
        setup={step.setup}
        onEnabled={(codes) => {
          setDone(null);
          setStep({ at: 'codes', codes });
          onChanged();
        }}
        onCancel={restart}
      />
    );
  } else {
    body = (
      <>
        <p data-testid="second-factor-state">
          <Badge tone="neutral">Off</Badge> Signing in takes your password alone.
        </p>
        <p className="hint">Turned on, signing in also asks for a code from an authenticator app on your phone, so a stolen password is not enough.</p>
        <div className="row">
          <button
            type="button"
            className="btn"
            onClick={() => {
              setDone(null);
              setStep({ at: 'password' });
            }}
          >
            Turn on
          </button>
        </div>
      </>
    );
  }

  return (
    <section className="card" aria-labelledby="two-step-title">
      <h2 id="two-step-title" className="card-title">
        Two-step sign-in
      </h2>
      {done && (
        <p className="notice tone-ok" role="status" data-testid="two-step-done">
          {done}
        </p>
      )}
      {body}
    </section>
  );
}

/** The first step: the password again, for the server to answer a new secret. */
function PasswordStep({ onSetup, onCancel }: { onSetup: (setup: TotpSetup) => void; onCancel: () => void }) {
  const [password, setPassword] = useState('');
  const { errors, general, busy, submit } = useAuthForm(['password']);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(async () => onSetup(await setupTotp(password)), { onError: () => setPassword('') });
  };

  return (
    <form className="stack" aria-label="Turn on two-step sign-in" onSubmit={onSubmit}>
      <div className="field-grid">
        <TextField
          id="totp-setup-password"
          label="Your password"
          type="password"
          autoComplete="current-password"
          hint="To show it is you before anything changes."
          required
          autoFocus
          value={password}
          onChange={setPassword}
          error={errors.password}
        />
      </div>
      <FormActions submit="Continue" busy={busy} onCancel={onCancel} general={general} />
    </form>
  );
}

/** The secret for the app (as a QR code, and as text to type), and a code from it to confirm. */
function ConfirmStep({ setup, onEnabled, onCancel }: { setup: TotpSetup; onEnabled: (codes: string[]) => void; onCancel: () => void }) {
  const [code, setCode] = useState('');
  const { errors, general, busy, submit } = useAuthForm(['code']);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(async () => onEnabled(await enableTotp(code.replace(/\s/g, ''))), { onError: () => setCode('') });
  };

  return (
    <form className="stack" aria-label="Confirm two-step sign-in" onSubmit={onSubmit}>
      <p>Scan this QR code with your authenticator app (such as Aegis, Google Authenticator or 1Password):</p>
      <div className="qr" data-testid="totp-qr">
        <QRCodeSVG value={setup.uri} size={184} marginSize={2} title="QR code for your authenticator app" />
      </div>
      <p className="small">
        Cannot scan it? Enter this key in the app instead (time-based, 6 digits):{' '}
        <code className="secret-value" data-testid="totp-secret">
          {setup.secret}
        </code>
      </p>
      <div className="field-grid">
        <TextField
          id="totp-enable-code"
          label="Code from the app"
          inputMode="numeric"
          autoComplete="one-time-code"
          hint="The 6 digits the app shows for Praetor now."
          required
          autoFocus
          value={code}
          onChange={setCode}
          error={errors.code}
        />
      </div>
      <FormActions submit="Turn on" tone="primary" busy={busy} onCancel={onCancel} general={general} />
    </form>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <OneTimeSecret title={`Two-step sign-in is on. Your ${codes.length} recovery codes:`} secret={codes.join('\n')} testId="recovery-codes" onDismiss={onDone} dismissLabel="Done">
      <p className="small">
        Keep them apart from your phone (in a password manager, or printed). Each one signs you in once in place of a code from the app. Without
        the app and these codes, only an administrator of your organization can let you in again.
      </p>
    </OneTimeSecret>
  );
}

function SecondFactorOn({ codesLeft, onTurnedOff }: { codesLeft: number; onTurnedOff: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <p data-testid="second-factor-state">
        <Badge tone="ok">On</Badge> — {codesLeft} recovery {codesLeft === 1 ? 'code' : 'codes'} left
      </p>
      {codesLeft <= 2 && (
        <p className="notice tone-warn">Few recovery codes are left. For new ones, turn two-step sign-in off and on again.</p>
      )}
      <div className="row">
        <button type="button" className="btn btn-ghost" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          Turn off…
        </button>
      </div>
      {open && <TurnOffForm onTurnedOff={onTurnedOff} onCancel={() => setOpen(false)} />}
    </>
  );
}

function TurnOffForm({ onTurnedOff, onCancel }: { onTurnedOff: () => void; onCancel: () => void }) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const { errors, general, busy, submit } = useAuthForm(['password', 'code']);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(
      async () => {
        await disableTotp(password, code.trim());
        onTurnedOff();
      },
      // The form stays up until the account, asked again, says two-step sign-in is off.
      { onError: () => setCode(''), keepBusy: true },
    );
  };

  return (
    <form className="stack" aria-label="Turn off two-step sign-in" onSubmit={onSubmit}>
      <div className="field-grid">
        <TextField
          id="totp-disable-password"
          label="Your password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
          error={errors.password}
        />
        <TextField
          id="totp-disable-code"
          label="Code from your authenticator app"
          inputMode="text"
          autoComplete="one-time-code"
          hint="Or one of your recovery codes."
          required
          value={code}
          onChange={setCode}
          error={errors.code}
        />
      </div>
      <FormActions submit="Turn off" tone="danger" busy={busy} onCancel={onCancel} general={general} />
    </form>
  );
}
