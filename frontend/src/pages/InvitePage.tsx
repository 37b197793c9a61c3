// An invitation or password reset link (`/invite/<token>`), shown signed out and signed in.
// The server says what the link offers: someone new (or of this organization alone, without a
// password yet, or resetting theirs) chooses a password here and is signed in; someone who has
// an account already signs in as themselves first and accepts (the link never sets the
// password of an account it does not own). A used, withdrawn or expired link says so.
// Done, the person goes to the organization the link named.

import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useClient } from 'urql';
import { acceptInvitation, AuthError, fetchInvitation, logout, type InvitationInfo } from '../api/auth';
import { VIEWER_ORGS } from '../api/documents';
import { TextField } from '../components/Field';
import { checkNewPassword, orgSlugNamed, PASSWORD_MIN, signInLink, type NewPasswordErrors } from '../lib/accounts';
import { useOptionalSession } from '../session';

type Load = { state: 'loading' } | { state: 'gone' } | { state: 'failed'; message: string } | { state: 'ready'; info: InvitationInfo };

interface Props {
  /** The session began, ended or changed: the app starts over with a new client. */
  onSessionChanged: () => void;
}

export function InvitePage({ onSessionChanged }: Props) {
  const { token = '' } = useParams();
  const session = useOptionalSession();
  const client = useClient();
  const navigate = useNavigate();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setLoad({ state: 'loading' });
    fetchInvitation(token)
      .then((info) => live && setLoad({ state: 'ready', info }))
      .catch((e: Error) => {
        if (!live) return;
        setLoad(e instanceof AuthError && e.code === 'NOT_FOUND' ? { state: 'gone' } : { state: 'failed', message: e.message });
      });
    return () => {
      live = false;
    };
  }, [token, attempt]);

  /**
   * To the organization the link named, as whoever is signed in now. The link names it by its
   * name: its short name comes from the person's organizations (a query of its own, so the
   * app's session query is not answered under it before the app starts over).
   */
  const finish = async (info: InvitationInfo) => {
    const res = await client.query(VIEWER_ORGS, {}, { requestPolicy: 'network-only' }).toPromise();
    const slug = res.data ? orgSlugNamed(res.data.viewer.orgs, info.organization) : null;
    // Both in one render: the app starts over already on the organization's page, so this page
    // (whose link is used now) is not shown again.
    navigate(slug ? `/orgs/${slug}` : '/', { replace: true });
    onSessionChanged();
  };

  /** Signs out and goes to the sign-in page, which comes back here as the person the link names. */
  const switchPerson = async (email: string) => {
    // A session begun at an identity provider ends here only: the provider's own is not
    // followed, since that would leave this page.
    await logout();
    navigate(signInLink(`/invite/${token}`, email));
    onSessionChanged();
  };

  const viewerEmail = session?.viewer.user?.email ?? null;
  return (
    <main id="main" className="signin">
      <div className="card signin-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            P
          </span>
          <h1>{load.state === 'ready' ? title(load.info) : 'Praetor'}</h1>
        </div>
        {load.state === 'loading' && (
          <p className="muted" role="status">
            Opening the link…
          </p>
        )}
        {load.state === 'gone' && (
          <div className="stack" data-testid="invite-gone">
            <p className="notice tone-warn" role="alert">
              <strong>This link no longer works.</strong> It was already used, withdrawn, or it has expired. Ask whoever sent it for a new one.
            </p>
            <Link to="/">{session ? 'Go to the start page' : 'Go to the sign-in page'}</Link>
          </div>
        )}
        {load.state === 'failed' && (
          <div className="stack">
            <p className="notice tone-bad" role="alert">
              Cannot open the link: {load.message}
            </p>
            <button type="button" className="btn" onClick={() => setAttempt((a) => a + 1)}>
              Try again
            </button>
          </div>
        )}
        {load.state === 'ready' && (
          <Offer token={token} info={load.info} viewerEmail={viewerEmail} onDone={() => finish(load.info)} onSwitch={switchPerson} />
        )}
      </div>
    </main>
  );
}

const title = (info: InvitationInfo) => (info.purpose === 'reset' ? 'Choose a new password' : `Join ${info.organization}`);

interface OfferProps {
  token: string;
  info: InvitationInfo;
  /** Whoever is signed in, if anyone. */
  viewerEmail: string | null;
  onDone: () => Promise<void>;
  onSwitch: (email: string) => Promise<void>;
}

/** What the person can do with the link, given who they are signed in as. */
function Offer({ token, info, viewerEmail, onDone, onSwitch }: OfferProps) {
  const asInvited = viewerEmail !== null && viewerEmail.toLowerCase() === info.email.toLowerCase();
  const join = info.purpose === 'join';
  const intro = join ? (
    <p>
      <strong>{info.email}</strong> is invited to the organization <strong>{info.organization}</strong> in Praetor.
    </p>
  ) : (
    <p>
      A new password for <strong>{info.email}</strong> (organization <strong>{info.organization}</strong>). The current one works until you choose it.
    </p>
  );

  // Signed in as the person invited, a join only adds the role (a password would be ignored).
  if (join && asInvited) {
    return (
      <Section>
        {intro}
        <AcceptButton token={token} onDone={onDone} />
      </Section>
    );
  }
  if (info.setsPassword) {
    return (
      <Section>
        {intro}
        {viewerEmail && (
          <p className="notice tone-info">
            You are signed in as {viewerEmail}. Choosing the password signs you in as {info.email} instead.
          </p>
        )}
        <SetPasswordForm token={token} info={info} onDone={onDone} />
      </Section>
    );
  }
  if (!join) {
    return (
      <Section>
        {intro}
        <p className="notice tone-warn" role="alert" data-testid="invite-cannot-reset">
          This link cannot set the password of {info.email}: that account belongs to other organizations too. Change the password on your account page
          after signing in, or ask an instance administrator.
        </p>
        <Link to="/">Go to the start page</Link>
      </Section>
    );
  }
  return (
    <Section>
      {intro}
      <p data-testid="invite-existing-account">
        There is an account for {info.email} already. Sign in as {info.email} first, then accept the invitation here.
      </p>
      {viewerEmail ? (
        <>
          <p className="muted">You are signed in as {viewerEmail}.</p>
          <SwitchButton email={info.email} onSwitch={onSwitch} />
        </>
      ) : (
        <Link className="btn btn-primary" to={signInLink(`/invite/${token}`, info.email)}>
          Sign in to accept
        </Link>
      )}
    </Section>
  );
}

function Section({ children }: { children: ReactNode }) {
  return <div className="stack">{children}</div>;
}

function AcceptButton({ token, onDone }: { token: string; onDone: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const accept = async () => {
    setBusy(true);
    setError(null);
    try {
      await acceptInvitation(token);
      await onDone();
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void accept()}>
        Accept the invitation
      </button>
      {error && (
        <p className="notice tone-bad" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

function SwitchButton({ email, onSwitch }: { email: string; onSwitch: (email: string) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const go = async () => {
    setBusy(true);
    try {
      await onSwitch(email);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void go()}>
        Sign out, then sign in as {email}
      </button>
      {error && (
        <p className="notice tone-bad" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

type FormErrors = NewPasswordErrors & { displayName?: string };

/** Display name (a join only, optional), the password and its repetition. */
function SetPasswordForm({ token, info, onDone }: { token: string; info: InvitationInfo; onDone: () => Promise<void> }) {
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<FormErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const join = info.purpose === 'join';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setGeneral(null);
    const found = checkNewPassword(password, repeat, info.email);
    setErrors(found);
    if (found.password || found.repeat) return;
    setBusy(true);
    try {
      await acceptInvitation(token, { password, ...(join && displayName.trim() ? { displayName: displayName.trim() } : {}) });
      await onDone();
    } catch (err) {
      setBusy(false);
      if (err instanceof AuthError && err.code === 'VALIDATION' && (err.field === 'password' || err.field === 'displayName')) {
        setErrors({ [err.field]: err.message });
      } else {
        setGeneral((err as Error).message);
      }
    }
  };

  return (
    <form className="stack" aria-label={join ? 'Choose your password' : 'Choose a new password'} noValidate onSubmit={(e) => void submit(e)}>
      {/* The address, for password managers to store the password with. */}
      <TextField id="invite-email" label="E-mail" type="email" value={info.email} onChange={() => undefined} readOnly autoComplete="username" />
      {join && (
        <TextField
          id="invite-name"
          label="Display name (optional)"
          hint="How others see you in Praetor. Left empty, the first part of your e-mail address."
          autoComplete="name"
          spellCheck
          maxLength={100}
          value={displayName}
          onChange={setDisplayName}
          error={errors.displayName}
        />
      )}
      <TextField
        id="invite-password"
        label={join ? 'Password' : 'New password'}
        type="password"
        autoComplete="new-password"
        hint={`At least ${PASSWORD_MIN} characters, not your e-mail address.`}
        required
        value={password}
        onChange={setPassword}
        error={errors.password}
      />
      <TextField
        id="invite-repeat"
        label="Repeat the password"
        type="password"
        autoComplete="new-password"
        required
        value={repeat}
        onChange={setRepeat}
        error={errors.repeat}
      />
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {join ? 'Join and sign in' : 'Set the password and sign in'}
      </button>
      {general && (
        <p className="notice tone-bad" role="alert">
          {general}
        </p>
      )}
    </form>
  );
}
