// Pure helpers of signing in at an organization's identity provider and of the admin panel
// that configures providers: lists typed as text (scopes, e-mail domains), a provider's
// settings form and the mutation inputs made from it, the redirect URI to register, the
// sign-in error the server hands back in the URL, and the organization remembered for the
// sign-in page.

import type { CreateIdentityProviderInput, UpdateIdentityProviderInput } from '../api/generated/graphql';
import type { IdentityProvider } from '../api/types';

/**
 * Scopes or e-mail domains as typed: separated by spaces and/or commas, blanks dropped, each
 * kept once in the order first given.
 */
export function parseList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** A provider's settings as its form holds them (lists as text). The client secret is apart. */
export interface ProviderSettings {
  name: string;
  issuer: string;
  clientId: string;
  scopes: string;
  groupsClaim: string;
  allowedDomains: string;
  createUsers: boolean;
  apiAudience: string;
  deviceClientId: string;
}

/** The add form's starting values: the server's own defaults, shown so they can be changed. */
export const NEW_PROVIDER: ProviderSettings = {
  name: '',
  issuer: '',
  clientId: '',
  scopes: 'email profile',
  groupsClaim: 'groups',
  allowedDomains: '',
  createUsers: false,
  apiAudience: '',
  deviceClientId: '',
};

/** A provider's current settings, for the edit form. */
export function settingsOf(p: IdentityProvider): ProviderSettings {
  return {
    name: p.name,
    issuer: p.issuer,
    clientId: p.clientId,
    scopes: p.scopes.join(' '),
    groupsClaim: p.groupsClaim,
    allowedDomains: p.allowedDomains.join(' '),
    createUsers: p.createUsers,
    apiAudience: p.apiAudience ?? '',
    deviceClientId: p.deviceClientId ?? '',
  };
}

/** The input that adds a provider to organization `org`. An empty API audience accepts no tokens. */
export function createInput(org: string, s: ProviderSettings, clientSecret: string): CreateIdentityProviderInput {
  return {
    org,
    name: s.name.trim(),
    issuer: s.issuer.trim(),
    clientId: s.clientId.trim(),
    clientSecret,
    scopes: parseList(s.scopes),
    groupsClaim: s.groupsClaim.trim(),
    allowedDomains: parseList(s.allowedDomains),
    createUsers: s.createUsers,
    apiAudience: s.apiAudience.trim() || null,
    deviceClientId: s.deviceClientId.trim() || null,
  };
}

/** Lists compared as the server keeps them: each entry once, in any order. */
function sameList(a: string[], b: string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The settings of `p` that the form changes, and only those: a field left out stays as it is
 * on the server, and an unchanged issuer is not fetched again. Domains compare without case
 * (the server keeps them in lowercase); an API audience emptied stops accepting tokens, a
 * device client emptied stops offering the provider to `praetor login`.
 */
export function changedSettings(p: IdentityProvider, s: ProviderSettings): UpdateIdentityProviderInput {
  const input: UpdateIdentityProviderInput = {};
  const text = (field: 'name' | 'issuer' | 'clientId' | 'groupsClaim') => {
    const v = s[field].trim();
    if (v !== p[field]) input[field] = v;
  };
  text('name');
  text('issuer');
  text('clientId');
  text('groupsClaim');
  const scopes = parseList(s.scopes);
  if (!sameList(scopes, p.scopes)) input.scopes = scopes;
  const domains = parseList(s.allowedDomains.toLowerCase());
  if (!sameList(domains, p.allowedDomains)) input.allowedDomains = domains;
  if (s.createUsers !== p.createUsers) input.createUsers = s.createUsers;
  const audience = s.apiAudience.trim();
  if (audience !== (p.apiAudience ?? '')) input.apiAudience = audience;
  const device = s.deviceClientId.trim();
  if (device !== (p.deviceClientId ?? '')) input.deviceClientId = device;
  return input;
}

/**
 * An address to register at the provider: this server's address and one of its paths (the
 * callback path for the redirect URI, the sign-out return path for the post-logout one).
 */
export function redirectUri(origin: string, callbackPath: string): string {
  return `${origin.replace(/\/$/, '')}${callbackPath.startsWith('/') ? '' : '/'}${callbackPath}`;
}

/** Why signing in at a provider failed, as the server's callback tells the web app. */
export interface SignInError {
  message: string;
  code: string;
}

/**
 * The sign-in error in a URL's query (`signInError`, and `code` beside it), and the query
 * without them. `code` alone is not taken: without `signInError` it is some other link's.
 */
export function takeSignInError(search: string): { error: SignInError | null; search: string } {
  const params = new URLSearchParams(search);
  const message = params.get('signInError');
  if (message === null) return { error: null, search };
  const code = params.get('code') ?? '';
  params.delete('signInError');
  params.delete('code');
  const rest = params.toString();
  return { error: { message: message || 'Signing in failed.', code }, search: rest ? `?${rest}` : '' };
}

/** Where to come back to after signing in: the address asked for, minus any sign-in error. */
export function returnPath(location: { pathname: string; search: string; hash: string }): string {
  const path = `${location.pathname}${takeSignInError(location.search).search}${location.hash}`;
  // The server takes only a path of its own (and falls back to `/` for anything else).
  return path.startsWith('/') && !path.startsWith('//') ? path : '/';
}

const ORG_KEY = 'praetor.signInOrg';

/** The organization last signed in to at a provider, for the sign-in page to start with. */
export function rememberedOrg(): string {
  try {
    return window.localStorage.getItem(ORG_KEY) ?? '';
  } catch {
    return '';
  }
}

export function rememberOrg(slug: string): void {
  try {
    window.localStorage.setItem(ORG_KEY, slug);
  } catch {
    // Storage may be unavailable (private mode); remembering is a convenience only.
  }
}
