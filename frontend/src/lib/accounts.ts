// Pure helpers of local accounts: the rules a new password must meet (the server's, checked
// before sending so a typo in the repeat is caught without a round trip), the sign-in page's
// return address (a path of this app only), the full address of an invitation link, and the
// organization an accepted link leads to.

/** A new password's length, in characters (Unicode code points, as the server counts them). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

export interface NewPasswordErrors {
  password?: string;
  repeat?: string;
}

/**
 * What is wrong with a new password and its repetition, field by field (nothing: none). The
 * server checks the same; this only spares a round trip and says it beside the right field.
 */
export function checkNewPassword(password: string, repeat: string, email: string | null): NewPasswordErrors {
  const errors: NewPasswordErrors = {};
  const length = [...password].length;
  if (length < PASSWORD_MIN) errors.password = `Use at least ${PASSWORD_MIN} characters (this one has ${length}).`;
  else if (length > PASSWORD_MAX) errors.password = `Use at most ${PASSWORD_MAX} characters.`;
  else if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) errors.password = 'Do not use your e-mail address as the password.';
  if (repeat !== password) errors.repeat = 'The two passwords differ.';
  return errors;
}

/**
 * `value` if it is a path of this app (`/…`, not `//host…` nor `/\host…`, which browsers take
 * for another site), otherwise null: a return address in a link may have been made by anyone.
 */
export function localPath(value: string | null | undefined): string | null {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  return value;
}

/**
 * The sign-in page that comes back to `returnTo` once signed in, with the password form's
 * e-mail address filled in when given (a link names the person it is for).
 */
export function signInLink(returnTo: string, email?: string): string {
  const params = new URLSearchParams({ returnTo });
  if (email) params.set('email', email);
  return `/sign-in?${params}`;
}

/**
 * What `/sign-in?returnTo=…&email=…` asks for: where to go once signed in (when it is a path
 * of this app) and the address to fill in. Anywhere else, nothing: the page asked for is itself
 * where to come back to.
 */
export function signInRequest(location: { pathname: string; search: string }): { returnTo: string | null; email: string } {
  if (location.pathname !== '/sign-in') return { returnTo: null, email: '' };
  const params = new URLSearchParams(location.search);
  return { returnTo: localPath(params.get('returnTo')), email: params.get('email') ?? '' };
}

/** The address to hand to the invited person: `link` is a path under this server. */
export function invitationUrl(origin: string, link: string): string {
  return `${origin.replace(/\/$/, '')}${link.startsWith('/') ? '' : '/'}${link}`;
}

/**
 * The short name of the organization a link named (the link tells its name only): the one of
 * the person's organizations with that name, when exactly one has it.
 */
export function orgSlugNamed(orgs: readonly { slug: string; name: string }[], name: string): string | null {
  const found = orgs.filter((o) => o.name === name);
  return found.length === 1 ? found[0]!.slug : null;
}
