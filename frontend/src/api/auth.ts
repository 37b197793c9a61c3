// Browser sign-in endpoints (outside GraphQL): what the server offers, an organization's
// identity providers and where to start signing in at one, the development sign-in by e-mail
// (demo mode), and sign-out. The session is an HttpOnly cookie.

export interface DemoUser {
  email: string;
  role: string;
  about: string;
}

export interface AuthConfig {
  devLogin: boolean;
  demo: boolean;
  demoUsers: DemoUser[];
}

/** An identity provider people of an organization may sign in with. */
export interface SignInProvider {
  id: string;
  name: string;
}

async function failure(res: Response): Promise<Error> {
  try {
    const body = (await res.json()) as { errors?: { message?: string }[] };
    const message = body.errors?.[0]?.message;
    if (message) return new Error(message);
  } catch {
    // Not JSON: fall through to the status line.
  }
  return new Error(`${res.status} ${res.statusText}`);
}

export async function fetchAuthConfig(): Promise<AuthConfig> {
  const res = await fetch('/auth/config', { credentials: 'same-origin' });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as AuthConfig;
}

/** The enabled identity providers of the organization `org` (its slug); none for an unknown one. */
export async function fetchProviders(org: string): Promise<SignInProvider[]> {
  const res = await fetch(`/auth/providers?${new URLSearchParams({ org })}`, { credentials: 'same-origin' });
  if (!res.ok) throw await failure(res);
  const body = (await res.json()) as { providers?: SignInProvider[] };
  return body.providers ?? [];
}

/**
 * Where the browser goes to sign in at `provider`: the server sends it on to the provider, and
 * the provider back to the server, which starts the session and sends it to `returnTo`. A
 * plain navigation, not a fetch: the provider's pages are the provider's to show.
 */
export function signInStartUrl(provider: string, returnTo: string): string {
  return `/auth/oidc/start?${new URLSearchParams({ provider, returnTo })}`;
}

export async function devLogin(email: string): Promise<void> {
  const res = await fetch('/auth/dev-login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  if (!res.ok) throw await failure(res);
}

/**
 * Ends the session. For a session begun at a provider that supports it, answers where to end
 * the provider's session too (only an http(s) URL is taken; anything else is ignored).
 */
export async function logout(): Promise<{ endSessionUrl: string | null }> {
  // JSON only, like every state change: a cross-site form cannot sign anyone out.
  const res = await fetch('/auth/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (!res.ok) throw await failure(res);
  const body = (await res.json().catch(() => ({}))) as { endSessionUrl?: unknown };
  return { endSessionUrl: httpUrl(body.endSessionUrl) };
}

function httpUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
