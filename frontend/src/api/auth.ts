// Browser sign-in endpoints (outside GraphQL): what the server offers, an organization's
// identity providers and where to start signing in at one, the development sign-in by e-mail
// (demo mode), signing in with a password (and a second factor), invitation and reset links
// (what one offers, and answering it), one's own account (changing the password, turning
// two-step sign-in on and off), and sign-out. The session is an HttpOnly cookie.
// Every state change is JSON from this origin, as the server requires.

export interface DemoUser {
  email: string;
  role: string;
  about: string;
}

export interface AuthConfig {
  devLogin: boolean;
  demo: boolean;
  demoUsers: DemoUser[];
  /** Local accounts: signing in with an e-mail address and password. */
  passwordLogin?: boolean;
}

/** An identity provider people of an organization may sign in with. */
export interface SignInProvider {
  id: string;
  name: string;
}

/** What the sign-in page offers for an organization. */
export interface OrgSignIn {
  providers: SignInProvider[];
  /** Whether its people may sign in with a password (local accounts); off, only at a provider. */
  passwords: boolean;
}

/**
 * A refusal of an auth endpoint: the server's message, its `extensions.code` (`UNAUTHENTICATED`,
 * `ACCOUNT_LOCKED`, `SECOND_FACTOR_REQUIRED`, `VALIDATION`, …) and, for a VALIDATION error, the
 * input field it is about.
 */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

async function failure(res: Response): Promise<AuthError> {
  try {
    const body = (await res.json()) as { errors?: { message?: string; extensions?: { code?: unknown; field?: unknown } }[] };
    const first = body.errors?.[0];
    if (first?.message) {
      const ext = first.extensions ?? {};
      return new AuthError(
        first.message,
        typeof ext.code === 'string' ? ext.code : 'ERROR',
        res.status,
        typeof ext.field === 'string' ? ext.field : undefined,
      );
    }
  } catch {
    // Not JSON: fall through to the status line.
  }
  return new AuthError(`${res.status} ${res.statusText}`, 'ERROR', res.status);
}

/** A JSON POST to an auth endpoint of this server; its refusal thrown as an AuthError. */
async function post(path: string, body: unknown): Promise<Response> {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  return res;
}

export async function fetchAuthConfig(): Promise<AuthConfig> {
  const res = await fetch('/auth/config', { credentials: 'same-origin' });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as AuthConfig;
}

/**
 * The enabled identity providers of the organization `org` (its slug; none for an unknown one),
 * and whether it takes passwords (taken as yes when the server does not say).
 */
export async function fetchProviders(org: string): Promise<OrgSignIn> {
  const res = await fetch(`/auth/providers?${new URLSearchParams({ org })}`, { credentials: 'same-origin' });
  if (!res.ok) throw await failure(res);
  const body = (await res.json()) as { providers?: SignInProvider[]; passwords?: unknown };
  return { providers: body.providers ?? [], passwords: body.passwords !== false };
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
  await post('/auth/dev-login', { email });
}

/**
 * Signs in with an e-mail address and password, and `code` (from an authenticator app, or a
 * recovery code) for an account with a second factor: the session cookie comes with the answer.
 * Refused (an AuthError) with UNAUTHENTICATED (wrong address or password: the server does not
 * say which), SECOND_FACTOR_REQUIRED (the password is right: send it again with a code),
 * SECOND_FACTOR_WRONG (counts towards the lockout), ACCOUNT_LOCKED (its message says until
 * when) or RATE_LIMITED.
 */
export async function passwordLogin(email: string, password: string, code?: string): Promise<void> {
  await post('/auth/password', code === undefined ? { email, password } : { email, password, code });
}

/** What an invitation or reset link offers, before the person answers it. */
export interface InvitationInfo {
  email: string;
  /** The organization's name (not its short name). */
  organization: string;
  purpose: 'join' | 'reset';
  /**
   * Whether answering it sets a password. When not, the person has an account already: they
   * sign in as themselves first, then accept.
   */
  setsPassword: boolean;
}

/** The link's offer; NOT_FOUND (an AuthError) once it was used, withdrawn or has expired. */
export async function fetchInvitation(token: string): Promise<InvitationInfo> {
  const res = await fetch(`/auth/invitation?${new URLSearchParams({ token })}`, { credentials: 'same-origin' });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as InvitationInfo;
}

/**
 * Answers a link. With a password it is set and a session begins (`signedIn`); without one
 * (signed in as the person it names, on a join link) the role is added to the session there is.
 */
export async function acceptInvitation(token: string, answer: { password?: string; displayName?: string } = {}): Promise<{ signedIn: boolean }> {
  const res = await post('/auth/invitation', { token, ...answer });
  const body = (await res.json().catch(() => ({}))) as { expiresAt?: unknown };
  return { signedIn: typeof body.expiresAt === 'string' };
}

/** Changes the signed-in person's password. VALIDATION names `current` or `password` (the new one). */
export async function changePassword(current: string, next: string): Promise<void> {
  await post('/auth/password/change', { current, new: next });
}

/** The signed-in person's sign-in methods. */
export interface Account {
  /** People who sign in at an identity provider have none. */
  hasPassword: boolean;
  /** Two-step sign-in: a code from an authenticator app after the password. */
  secondFactor: boolean;
  recoveryCodesLeft: number;
}

export async function fetchAccount(): Promise<Account> {
  const res = await fetch('/auth/account', { credentials: 'same-origin' });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as Account;
}

/** A new authenticator secret, answered once: its text and its `otpauth://` URI (for a QR code). */
export interface TotpSetup {
  secret: string;
  uri: string;
}

/**
 * The first step of turning two-step sign-in on; nothing changes until `enableTotp`. VALIDATION
 * names `password` (not theirs) or `secondFactor` (already on).
 */
export async function setupTotp(password: string): Promise<TotpSetup> {
  const res = await post('/auth/totp/setup', { password });
  return (await res.json()) as TotpSetup;
}

/**
 * Turns two-step sign-in on with a code the app shows for the new secret (VALIDATION names
 * `code` when it is wrong). Answers the recovery codes, once.
 */
export async function enableTotp(code: string): Promise<string[]> {
  const res = await post('/auth/totp/enable', { code });
  const body = (await res.json()) as { recoveryCodes?: string[] };
  return body.recoveryCodes ?? [];
}

/** Turns two-step sign-in off; `code` is from the app or a recovery code. */
export async function disableTotp(password: string, code: string): Promise<void> {
  await post('/auth/totp/disable', { password, code });
}

/**
 * An auth endpoint's refusal split for a form, like `splitProblem` for GraphQL: a VALIDATION
 * error about one of `fields` goes beside it, anything else is said for the whole form.
 */
export function splitAuthError<F extends string>(err: unknown, fields: readonly F[]): { byField: Partial<Record<F, string>>; general: string | null } {
  const field = err instanceof AuthError && err.code === 'VALIDATION' ? fields.find((f) => f === err.field) : undefined;
  if (field) return { byField: { [field]: (err as AuthError).message } as Partial<Record<F, string>>, general: null };
  return { byField: {}, general: err instanceof Error ? err.message : String(err) };
}

/**
 * Ends the session. For a session begun at a provider that supports it, answers where to end
 * the provider's session too (only an http(s) URL is taken; anything else is ignored).
 */
export async function logout(): Promise<{ endSessionUrl: string | null }> {
  // JSON only, like every state change: a cross-site form cannot sign anyone out.
  const res = await post('/auth/logout', {});
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
