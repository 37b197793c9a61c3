// Tests of the local-account helpers: a new password's rules (length in code points, not the
// e-mail address, repeated the same), the sign-in page's return address (paths of this app
// only), an invitation's full address, and the organization found by the name a link gives.

import { describe, expect, it } from 'vitest';
import { checkNewPassword, invitationUrl, localPath, orgSlugNamed, signInLink, signInRequest } from './accounts';

describe('checkNewPassword', () => {
  it('accepts 12 characters repeated the same', () => {
    expect(checkNewPassword('correct horse', 'correct horse', 'dana@example.com')).toEqual({});
  });

  it('says how short a password is, and that the repetition differs', () => {
    expect(checkNewPassword('short', 'shirt', null)).toEqual({
      password: 'Use at least 12 characters (this one has 5).',
      repeat: 'The two passwords differ.',
    });
  });

  it('counts characters as the server does (code points), not UTF-16 units', () => {
    // Six emoji are twelve UTF-16 units but six characters.
    const six = '🔑'.repeat(6);
    expect(six.length).toBe(12);
    expect(checkNewPassword(six, six, null).password).toBe('Use at least 12 characters (this one has 6).');
    expect(checkNewPassword('🔑'.repeat(12), '🔑'.repeat(12), null)).toEqual({});
  });

  it('refuses more than 256 characters, and the e-mail address in any case', () => {
    const long = 'x'.repeat(257);
    expect(checkNewPassword(long, long, null).password).toBe('Use at most 256 characters.');
    expect(checkNewPassword('Dana.Scully@Example.com', 'Dana.Scully@Example.com', 'dana.scully@example.com').password).toBe(
      'Do not use your e-mail address as the password.',
    );
  });
});

describe('the sign-in page’s return address', () => {
  it('takes only paths of this app', () => {
    expect(localPath('/invite/abc')).toBe('/invite/abc');
    expect(localPath('//evil.test/x')).toBeNull();
    expect(localPath('/\\evil.test')).toBeNull();
    expect(localPath('https://evil.test/')).toBeNull();
    expect(localPath('')).toBeNull();
    expect(localPath(null)).toBeNull();
  });

  it('is read from /sign-in only, with the address to fill in', () => {
    const link = signInLink('/invite/tok_1', 'bob@demo.test');
    expect(link).toBe('/sign-in?returnTo=%2Finvite%2Ftok_1&email=bob%40demo.test');
    const [pathname, query] = link.split('?');
    expect(signInRequest({ pathname: pathname!, search: `?${query}` })).toEqual({ returnTo: '/invite/tok_1', email: 'bob@demo.test' });
    expect(signInRequest({ pathname: '/sign-in', search: '?returnTo=%2F%2Fevil.test' })).toEqual({ returnTo: null, email: '' });
    expect(signInRequest({ pathname: '/orgs/demo', search: '?returnTo=%2Finvite%2Fx' })).toEqual({ returnTo: null, email: '' });
  });
});

describe('invitation links', () => {
  it('are this server’s address and the path the server answered', () => {
    expect(invitationUrl('https://praetor.example.com/', '/invite/tok')).toBe('https://praetor.example.com/invite/tok');
    expect(invitationUrl('http://127.0.0.1:8080', 'invite/tok')).toBe('http://127.0.0.1:8080/invite/tok');
  });

  it('lead to the one organization with the name they give', () => {
    const orgs = [
      { slug: 'demo', name: 'Demo' },
      { slug: 'acme', name: 'Acme' },
      { slug: 'acme-eu', name: 'Acme' },
    ];
    expect(orgSlugNamed(orgs, 'Demo')).toBe('demo');
    expect(orgSlugNamed(orgs, 'Acme')).toBeNull();
    expect(orgSlugNamed(orgs, 'Other')).toBeNull();
  });
});
