// Tests of the identity-provider helpers: scopes and domains typed as text become lists; the
// add form's input carries the lists and leaves an empty API audience out; an edit sends only
// what changed (lists compared as the server keeps them, domains without case, an emptied
// audience as ""); the redirect URI joins origin and path; a sign-in error is taken out of the
// query (and `code` only beside it); the path to come back to drops it too.

import { describe, expect, it } from 'vitest';
import type { IdentityProvider } from '../api/types';
import { changedSettings, createInput, NEW_PROVIDER, parseList, redirectUri, returnPath, settingsOf, takeSignInError } from './identity';

const okta: IdentityProvider = {
  id: 'idp_1',
  name: 'Okta',
  issuer: 'https://example.okta.com',
  clientId: 'praetor',
  scopes: ['email', 'groups', 'profile'],
  groupsClaim: 'groups',
  allowedDomains: ['example.com'],
  createUsers: false,
  apiAudience: 'praetor-api',
  deviceClientId: null,
  enabled: true,
  callbackPath: '/auth/oidc/callback',
  signOutReturnPath: '/',
  secretFingerprint: 'hmac:0123456789abcdef',
  createdAt: '2025-03-01T10:00:00Z',
  updatedAt: '2025-03-01T10:00:00Z',
  groupMappings: [],
  clientBindings: [],
};

describe('parseList', () => {
  it('splits on spaces and commas, drops blanks and repeats', () => {
    expect(parseList(' email profile,groups ,, email\n offline_access ')).toEqual(['email', 'profile', 'groups', 'offline_access']);
    expect(parseList('example.com,example.org')).toEqual(['example.com', 'example.org']);
    expect(parseList('  , ')).toEqual([]);
  });
});

describe('createInput', () => {
  it('trims the fields, parses the lists, and sends no empty API audience', () => {
    const input = createInput(
      'demo',
      { ...NEW_PROVIDER, name: ' Okta ', issuer: ' https://example.okta.com ', clientId: 'praetor ', allowedDomains: 'Example.com, example.org' },
      's3cret',
    );
    expect(input).toEqual({
      org: 'demo',
      name: 'Okta',
      issuer: 'https://example.okta.com',
      clientId: 'praetor',
      clientSecret: 's3cret',
      scopes: ['email', 'profile'],
      groupsClaim: 'groups',
      allowedDomains: ['Example.com', 'example.org'],
      createUsers: false,
      apiAudience: null,
      deviceClientId: null,
    });
  });
});

describe('changedSettings', () => {
  it('is empty when nothing changed, whatever the order, spacing or case of the lists', () => {
    const same = { ...settingsOf(okta), scopes: 'profile, groups email', allowedDomains: 'EXAMPLE.com', name: ' Okta ' };
    expect(changedSettings(okta, same)).toEqual({});
  });

  it('sends only what changed: the issuer only when it did, lists whole, an emptied audience as ""', () => {
    const changed = { ...settingsOf(okta), clientId: 'praetor-2', scopes: 'email profile', createUsers: true, apiAudience: ' ' };
    expect(changedSettings(okta, changed)).toEqual({ clientId: 'praetor-2', scopes: ['email', 'profile'], createUsers: true, apiAudience: '' });
    expect(changedSettings({ ...okta, apiAudience: null }, { ...settingsOf(okta), apiAudience: 'api://praetor' })).toEqual({
      apiAudience: 'api://praetor',
    });
    // The command line's client, set and then emptied.
    expect(changedSettings(okta, { ...settingsOf(okta), deviceClientId: ' praetor-cli ' })).toEqual({ deviceClientId: 'praetor-cli' });
    expect(changedSettings({ ...okta, deviceClientId: 'praetor-cli' }, { ...settingsOf(okta), deviceClientId: '' })).toEqual({ deviceClientId: '' });
    expect(changedSettings(okta, { ...settingsOf(okta), issuer: 'https://login.example.com/', allowedDomains: '' })).toEqual({
      issuer: 'https://login.example.com/',
      allowedDomains: [],
    });
  });
});

describe('redirectUri', () => {
  it('joins the origin and the callback path with one slash', () => {
    expect(redirectUri('https://praetor.example', '/auth/oidc/callback')).toBe('https://praetor.example/auth/oidc/callback');
    expect(redirectUri('http://127.0.0.1:8080/', 'auth/oidc/callback')).toBe('http://127.0.0.1:8080/auth/oidc/callback');
  });

  it('keeps the one slash of the sign-out return path', () => {
    expect(redirectUri('https://praetor.example/', '/')).toBe('https://praetor.example/');
  });
});

describe('takeSignInError', () => {
  it('takes the message and its code out of the query, keeping the rest', () => {
    const taken = takeSignInError('?tab=1&signInError=sign-in+refused%3A+it+took+too+long&code=UNAUTHENTICATED');
    expect(taken).toEqual({ error: { message: 'sign-in refused: it took too long', code: 'UNAUTHENTICATED' }, search: '?tab=1' });
    expect(takeSignInError('?signInError=x').search).toBe('');
  });

  it('leaves a query without an error alone, even one with a `code`', () => {
    expect(takeSignInError('?code=abc&x=1')).toEqual({ error: null, search: '?code=abc&x=1' });
    expect(takeSignInError('')).toEqual({ error: null, search: '' });
  });
});

describe('returnPath', () => {
  it('is the address asked for, without a sign-in error', () => {
    expect(returnPath({ pathname: '/orgs/demo/plans', search: '?status=running', hash: '#top' })).toBe('/orgs/demo/plans?status=running#top');
    expect(returnPath({ pathname: '/', search: '?signInError=no&code=UNAUTHENTICATED', hash: '' })).toBe('/');
  });

  it('falls back to / for anything that is not a path of this server', () => {
    expect(returnPath({ pathname: '//evil.example/x', search: '', hash: '' })).toBe('/');
  });
});
