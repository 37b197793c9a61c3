// Sign-in: with an e-mail address and password (local accounts, made by an invitation link),
// then a code for an account with two-step sign-in; at the organization's identity provider
// (the organization's short name looks up its providers, one "Sign in with …" each, and is
// remembered for next time; an organization that takes no passwords hides the password form);
// and on demo and development servers by e-mail alone (demo mode lists the demo users first,
// as one-click choices).
// A sign-in that failed at or after the provider comes back here with the reason in the URL
// (`?signInError=…&code=…`): it is shown, and taken out of the address.
// Signed in, the app shows the address asked for; `/sign-in?returnTo=…&email=…` (from an
// invitation page) comes back to `returnTo` instead, with the password form's address filled in.

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { AuthError, devLogin, fetchAuthConfig, fetchProviders, passwordLogin, signInStartUrl, type AuthConfig, type SignInProvider } from '../api/auth';
import { signInRequest } from '../lib/accounts';
import { rememberedOrg, rememberOrg, returnPath, takeSignInError, type SignInError } from '../lib/identity';

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const location = useLocation();
  const navigate = useNavigate();
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The organization looked up below, when it takes no passwords.
  const [noPasswords, setNoPasswords] = useState<string | null>(null);
  // Read once: the address loses the parameters just below, the message stays.
  const [signInError] = useState<SignInError | null>(() => takeSignInError(location.search).error);
  const request = signInRequest(location);

  useEffect(() => {
    const { error: found, search } = takeSignInError(location.search);
    if (found) navigate({ pathname: location.pathname, search, hash: location.hash }, { replace: true });
  }, [location, navigate]);

  useEffect(() => {
    let live = true;
    fetchAuthConfig()
      .then((c) => live && setConfig(c))
      .catch((e: Error) => live && setLoadError(e.message));
    return () => {
      live = false;
    };
  }, []);

  const signIn = async (address: string) => {
    setBusy(true);
    setError(null);
    try {
      await devLogin(address);
      onSignedIn();
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void signIn(email.trim());
  };

  return (
    <main id="main" className="signin">
      <div className="card signin-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            P
          </span>
          <h1>Sign in to Praetor</h1>
        </div>
        <p className="muted">Governed execution: every plan is previewed, checked against policy, approved and audited.</p>
        {signInError && (
          <div className="notice tone-bad" role="alert" data-testid="sign-in-error">
            <strong>Signing in failed:</strong> {signInError.message} {signInError.code && <code className="code-tag">{signInError.code}</code>}
          </div>
        )}
        {loadError && (
          <div className="notice tone-bad" role="alert">
            Cannot reach the server: {loadError}
          </div>
        )}
        {/* On a demo server the demo users come first: they are what a visitor came for. */}
        {config?.devLogin && config.demoUsers.length > 0 && (
          <section aria-labelledby="demo-users">
            <h2 id="demo-users" className="section-title">
              Demo users
            </h2>
            <ul className="demo-users">
              {config.demoUsers.map((u) => (
                <li key={u.email}>
                  <button type="button" className="demo-user" disabled={busy} onClick={() => void signIn(u.email)}>
                    <span className="demo-email">{u.email}</span>
                    <span className="muted">{u.about}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
        {config?.passwordLogin && !noPasswords && <PasswordSignIn initialEmail={request.email} onSignedIn={onSignedIn} />}
        {config?.passwordLogin && noPasswords && (
          <p className="notice tone-info" data-testid="no-passwords">
            <code>{noPasswords}</code> signs in at its identity provider only: its people do not use a password in Praetor.
          </p>
        )}
        {/* Shown once the server has answered, so nothing moves under a pointer or a Tab. */}
        {(config || loadError) && <ProviderSignIn returnTo={request.returnTo ?? returnPath(location)} onNoPasswords={setNoPasswords} />}
        {config?.devLogin && (
          <form onSubmit={submit} className="stack" aria-label="Development sign-in">
            <div className="field">
              <label htmlFor="signin-email">E-mail</label>
              <input
                id="signin-email"
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                aria-describedby="signin-email-hint"
              />
              <span className="hint" id="signin-email-hint">
                Development sign-in: no password, only on demo and development servers.
              </span>
            </div>
            <button type="submit" className="btn btn-primary" disabled={busy}>
              Sign in
            </button>
          </form>
        )}
        {error && (
          <div className="notice tone-bad" role="alert">
            {error}
          </div>
        )}
      </div>
    </main>
  );
}

/**
 * E-mail address and password. A refusal shows the server's words: it does not tell a wrong
 * address from a wrong password, and says until when a locked account stays locked. When the
 * password is right and the account has a second factor, the server asks for a code: the
 * address and password stay, a code field appears, and the three are sent again.
 */
function PasswordSignIn({ initialEmail, onSignedIn }: { initialEmail: string; onSignedIn: () => void }) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  // Null until the server asks for a code.
  const [code, setCode] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await passwordLogin(email.trim(), password, code === null ? undefined : code.replace(/\s/g, ''));
      onSignedIn();
    } catch (err) {
      const refusal = err instanceof AuthError ? err.code : null;
      if (refusal === 'SECOND_FACTOR_REQUIRED') {
        setCode('');
      } else if (refusal === 'SECOND_FACTOR_WRONG') {
        setError((err as Error).message);
        setCode('');
      } else {
        // Wrong password, locked, …: start again from the password.
        setError((err as Error).message);
        setPassword('');
        setCode(null);
      }
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="password-sign-in" className="stack">
      <h2 id="password-sign-in" className="section-title">
        Sign in with a password
      </h2>
      <form className="stack" aria-labelledby="password-sign-in" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="password-email">E-mail</label>
          <input
            id="password-email"
            type="email"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={email}
            onChange={(e) => {
              setEmail(e.target.value);
              setCode(null);
            }}
          />
        </div>
        <div className="field">
          <label htmlFor="password-password">Password</label>
          <input
            id="password-password"
            type="password"
            autoComplete="current-password"
            required
            autoFocus={initialEmail !== ''}
            value={password}
            onChange={(e) => {
              setPassword(e.target.value);
              setCode(null);
            }}
          />
        </div>
        {code !== null && (
          <div className="field">
            <label htmlFor="password-code">Code from your authenticator app</label>
            <input
              id="password-code"
              inputMode="text"
              autoComplete="one-time-code"
              autoCapitalize="none"
              spellCheck={false}
              required
              autoFocus
              value={code}
              onChange={(e) => setCode(e.target.value)}
              aria-describedby="password-code-hint"
            />
            <span className="hint" id="password-code-hint">
              This account has two-step sign-in. Lost the app? Enter one of your recovery codes instead; each works once.
            </span>
          </div>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Sign in
        </button>
        {error && (
          <div className="notice tone-bad" role="alert" data-testid="password-error">
            {error}
          </div>
        )}
      </form>
    </section>
  );
}

/** What the lookup of an organization's providers gave. */
type Lookup =
  | { state: 'idle' }
  | { state: 'busy'; org: string }
  | { state: 'done'; org: string; providers: SignInProvider[]; passwords: boolean }
  | { state: 'failed'; org: string; message: string };

/**
 * The organization's short name, then its providers. The remembered organization is looked up
 * as the page opens, so someone coming back needs one click. `onNoPasswords` hears the
 * organization when the lookup says it takes no passwords, and null when that no longer holds.
 */
function ProviderSignIn({ returnTo, onNoPasswords }: { returnTo: string; onNoPasswords: (org: string | null) => void }) {
  const [org, setOrg] = useState(rememberedOrg);
  const [lookup, setLookup] = useState<Lookup>({ state: 'idle' });
  // Only the latest lookup may show its answer (an earlier one can come back later).
  const latest = useRef(0);

  useEffect(() => {
    onNoPasswords(lookup.state === 'done' && !lookup.passwords ? lookup.org : null);
  }, [lookup, onNoPasswords]);

  const find = async (slug: string) => {
    const ticket = ++latest.current;
    setLookup({ state: 'busy', org: slug });
    try {
      const { providers, passwords } = await fetchProviders(slug);
      if (ticket !== latest.current) return;
      if (providers.length > 0) rememberOrg(slug);
      setLookup({ state: 'done', org: slug, providers, passwords });
    } catch (e) {
      if (ticket === latest.current) setLookup({ state: 'failed', org: slug, message: (e as Error).message });
    }
  };

  useEffect(() => {
    const remembered = rememberedOrg();
    if (remembered) void find(remembered);
    return () => {
      // A lookup still under way when the page goes away shows nothing.
      latest.current += 1;
    };
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const slug = org.trim().toLowerCase();
    if (slug) void find(slug);
  };

  return (
    <section aria-labelledby="provider-sign-in" className="stack">
      <h2 id="provider-sign-in" className="section-title">
        Sign in with your organization’s identity provider
      </h2>
      <form className="inline-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="signin-org">Organization</label>
          <input
            id="signin-org"
            className="mono"
            required
            autoComplete="organization"
            autoCapitalize="none"
            spellCheck={false}
            placeholder="acme"
            value={org}
            onChange={(e) => {
              setOrg(e.target.value);
              if (lookup.state !== 'idle') {
                latest.current += 1;
                setLookup({ state: 'idle' });
              }
            }}
            aria-describedby="signin-org-hint"
          />
          <span className="hint" id="signin-org-hint">
            Its short name, as in <code>/orgs/acme</code>.
          </span>
        </div>
        <button type="submit" className="btn" disabled={lookup.state === 'busy'}>
          Continue
        </button>
      </form>
      <div aria-live="polite">
        {lookup.state === 'busy' && <p className="muted">Looking up the sign-in options of {lookup.org}…</p>}
        {lookup.state === 'failed' && (
          <p className="notice tone-bad">
            Cannot look up the sign-in options of {lookup.org}: {lookup.message}
          </p>
        )}
        {lookup.state === 'done' && lookup.providers.length === 0 && (
          <p className="notice tone-warn" data-testid="no-providers">
            No identity provider is set up for this organization (<code>{lookup.org}</code>). Check its short name, or ask its administrators.
          </p>
        )}
        {lookup.state === 'done' && lookup.providers.length > 0 && (
          <ul className="plain stack" aria-label={`Identity providers of ${lookup.org}`}>
            {lookup.providers.map((p) => (
              <li key={p.id}>
                {/* A link: the provider's sign-in is a page of its own, reached by navigating. */}
                <a className="btn btn-primary btn-block" href={signInStartUrl(p.id, returnTo)}>
                  Sign in with {p.name}
                </a>
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
