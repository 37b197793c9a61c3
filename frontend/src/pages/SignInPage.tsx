// Sign-in: the development sign-in by e-mail (demo mode lists the demo users as one-click
// choices), and an OIDC button once the server offers it.

import { useEffect, useState, type FormEvent } from 'react';
import { devLogin, fetchAuthConfig, type AuthConfig } from '../api/auth';

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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
        {loadError && (
          <div className="notice tone-bad" role="alert">
            Cannot reach the server: {loadError}
          </div>
        )}
        {config?.oidc && (
          <a className="btn btn-primary btn-block" href={config.oidc.url}>
            {config.oidc.label ?? 'Sign in with your identity provider'}
          </a>
        )}
        {config && !config.devLogin && !config.oidc && (
          <p className="notice tone-warn">This server offers no browser sign-in. Use an API key with the GraphQL API.</p>
        )}
        {config?.devLogin && (
          <>
            {config.demoUsers.length > 0 && (
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
            <form onSubmit={submit} className="stack">
              <div className="field">
                <label htmlFor="signin-email">E-mail</label>
                <input
                  id="signin-email"
                  type="email"
                  autoComplete="username"
                  required
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                />
                <span className="hint">Development sign-in: no password, only on demo and development servers.</span>
              </div>
              <button type="submit" className="btn btn-primary" disabled={busy}>
                Sign in
              </button>
            </form>
          </>
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
