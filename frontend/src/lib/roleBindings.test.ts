// Tests of the role-binding helpers: a removed binding is bound again with the same role,
// subject and scope (a user by e-mail, a group or service account by id, a project by slug);
// one whose project or user the viewer cannot name gives no input; the words say where.

import { describe, expect, it } from 'vitest';
import { rebindInput, removedWords, restoredWords, type RemovedBinding } from './roleBindings';

const user: RemovedBinding = {
  id: 'rb_1',
  role: 'viewer',
  subjectKind: 'user',
  subjectId: 'usr_1',
  subject: 'bob@demo.test',
  scope: 'PROJECT',
  project: { slug: 'web' },
};

describe('rebindInput', () => {
  it('binds a user again by e-mail in the same project', () => {
    expect(rebindInput('demo', user)).toEqual({ org: 'demo', role: 'viewer', subject: { userEmail: 'bob@demo.test' }, project: 'web' });
  });

  it('binds a group or a service account again by id, org-wide without a project', () => {
    const org = { ...user, scope: 'ORG' as const, project: null };
    expect(rebindInput('demo', { ...org, role: 'operator', subjectKind: 'group', subjectId: 'grp_7', subject: 'sre' })).toEqual({
      org: 'demo',
      role: 'operator',
      subject: { groupId: 'grp_7' },
      project: null,
    });
    expect(rebindInput('demo', { ...org, subjectKind: 'service_account', subjectId: 'sa_3', subject: 'ci' })).toEqual({
      org: 'demo',
      role: 'viewer',
      subject: { serviceAccountId: 'sa_3' },
      project: null,
    });
  });

  it('gives nothing when the project or the user cannot be named', () => {
    expect(rebindInput('demo', { ...user, project: null })).toBeNull();
    expect(rebindInput('demo', { ...user, subject: '(removed)' })).toBeNull();
    expect(rebindInput('demo', { ...user, subjectKind: 'robot' })).toBeNull();
  });
});

describe('words', () => {
  it('say the role, the subject and where', () => {
    expect(removedWords(user, 'bob@demo.test')).toBe('Removed viewer from bob@demo.test in the project web.');
    expect(restoredWords({ ...user, scope: 'ORG', project: null }, 'sre')).toBe('Restored viewer to sre in the whole organization.');
  });
});
