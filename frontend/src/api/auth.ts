// Browser sign-in endpoints (outside GraphQL): what the server offers, the development
// sign-in by e-mail (demo mode), and sign-out. The session is an HttpOnly cookie.

export interface DemoUser {
  email: string;
  role: string;
  about: string;
}

export interface AuthConfig {
  devLogin: boolean;
  demo: boolean;
  demoUsers: DemoUser[];
  /** Present once the server offers OIDC sign-in. */
  oidc?: { url: string; label?: string } | null;
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

export async function devLogin(email: string): Promise<void> {
  const res = await fetch('/auth/dev-login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  if (!res.ok) throw await failure(res);
}

export async function logout(): Promise<void> {
  // JSON only, like every state change: a cross-site form cannot sign anyone out.
  const res = await fetch('/auth/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (!res.ok) throw await failure(res);
}
