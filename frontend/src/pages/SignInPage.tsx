// Sign-in: with an e-mail address and password (local accounts, made by an invitation link),
// at the organization's identity provider (the organization's short name looks up its
// providers, one "Sign in with …" each, and is remembered for next time), and on demo and
// development servers by e-mail alone (demo mode lists the demo users first, as one-click
// choices).
// A sign-in that failed at or after the provider comes back here with the reason in the URL
// (`?signInError=…&code=…`): it is shown, and taken out of the address.
// Signed in, the app shows the address asked for; `/sign-in?returnTo=…&email=…` (from an
// invitation page) comes back to `returnTo` instead, with the password form's address filled in.

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { devLogin, fetchAuthConfig, fetchProviders, passwordLogin, signInStartUrl, type AuthConfig, type SignInProvider } from '../api/auth';
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
        {config?.passwordLogin && <PasswordSignIn initialEmail={request.email} onSignedIn={onSignedIn} />}
        {/* Shown once the server has answered, so nothing moves under a pointer or a Tab. */}
        {(config || loadError) && <ProviderSignIn returnTo={request.returnTo ?? returnPath(location)} />}
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
 * address from a wrong password, and says until when a locked account stays locked.
 */
function PasswordSignIn({ initialEmail, onSignedIn }: { initialEmail: string; onSignedIn: () => void }) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await passwordLogin(email.trim(), password);
      onSignedIn();
    } catch (err) {
      setError((err as Error).message);
      setPassword('');
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
            onChange={(e) => setEmail(e.target.value)}
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
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
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
  | { state: 'done'; org: string; providers: SignInProvider[] }
  | { state: 'failed'; org: string; message: string };

/**
 * The organization's short name, then its providers. The remembered organization is looked up
 * as the page opens, so someone coming back needs one click.
 */
function ProviderSignIn({ returnTo }: { returnTo: string }) {
  const [org, setOrg] = useState(rememberedOrg);
  const [lookup, setLookup] = useState<Lookup>({ state: 'idle' });
  // Only the latest lookup may show its answer (an earlier one can come back later).
  const latest = useRef(0);

  const find = async (slug: string) => {
    const ticket = ++latest.current;
    setLookup({ state: 'busy', org: slug });
    try {
      const providers = await fetchProviders(slug);
      if (ticket !== latest.current) return;
      if (providers.length > 0) rememberOrg(slug);
      setLookup({ state: 'done', org: slug, providers });
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
