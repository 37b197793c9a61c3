// Pure helpers of the members-and-roles panel: a removed role binding in words, and the
// `bindRole` input that makes exactly that binding again (Undo, for a minute after removing it).

import type { BindRoleInput, UnbindRoleMutation } from '../api/generated/graphql';

/** A binding as `unbindRole` hands it back. */
export type RemovedBinding = UnbindRoleMutation['unbindRole'];

/** How long after removing a binding the Undo stays offered. */
export const UNDO_WINDOW_MS = 60_000;

/** Where a binding holds: "in the whole organization", "in the project web". */
export function bindingScopeWords(b: Pick<RemovedBinding, 'scope' | 'project'>): string {
  return b.scope === 'ORG' ? 'in the whole organization' : `in the project ${b.project?.slug ?? '(not visible to you)'}`;
}

/** "Removed viewer from bob@example.com in the project web." */
export function removedWords(b: RemovedBinding, subject: string): string {
  return `Removed ${b.role} from ${subject} ${bindingScopeWords(b)}.`;
}

/** "Restored viewer to bob@example.com in the project web." */
export function restoredWords(b: RemovedBinding, subject: string): string {
  return `Restored ${b.role} to ${subject} ${bindingScopeWords(b)}.`;
}

/**
 * The `bindRole` input that binds the same role to the same subject in the same scope, or null
 * when the removed binding does not say enough to bind it again: a project the viewer may not
 * read comes back without its slug, and a user whose account is gone is labelled "(removed)"
 * rather than by an e-mail. A user is bound by e-mail because that is the only way `bindRole`
 * names a user; the address is the account's own, so it finds the same user.
 */
export function rebindInput(org: string, b: RemovedBinding): BindRoleInput | null {
  let project: string | null = null;
  if (b.scope === 'PROJECT') {
    if (!b.project) return null;
    project = b.project.slug;
  }
  let subject: BindRoleInput['subject'];
  if (b.subjectKind === 'user') {
    if (!b.subject.includes('@')) return null;
    subject = { userEmail: b.subject };
  } else if (b.subjectKind === 'group') {
    subject = { groupId: b.subjectId };
  } else if (b.subjectKind === 'service_account') {
    subject = { serviceAccountId: b.subjectId };
  } else {
    return null;
  }
  return { org, role: b.role, subject, project };
}
