// App-wide context: the GraphQL client of the current session, the signed-in viewer, and the
// org workspace (selected org and project, the viewer's rights there, and an activity counter
// bumped by every audit event so screens can refresh when something changes).

import { createContext, useContext } from 'react';
import type { Api } from './api/client';
import type { OrgRightsQuery } from './api/generated/graphql';
import type { AuditEvent, OrgSummary, Viewer } from './api/types';

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}

export interface SessionValue {
  viewer: Viewer;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionContext');
  return s;
}

/** The session, or null on a page that is shown signed out too (an invitation link's). */
export function useOptionalSession(): SessionValue | null {
  return useContext(SessionContext);
}

/** What the viewer may do in the org (and its selected project): the ORG_RIGHTS query. */
export type Rights = Omit<OrgRightsQuery['org'], 'id'>;

export const NO_RIGHTS: Rights = {
  auditRead: false,
  policyRead: false,
  policyWrite: false,
  propose: false,
  approve: false,
  chatRead: false,
  chatWrite: false,
  projectCreate: false,
  groupManage: false,
  roleBind: false,
};

export interface Workspace {
  org: OrgSummary;
  /** The project in the URL, or the last one used in this org. */
  project: string | null;
  rights: Rights;
  /** Increases with every audit entry streamed for the org. */
  activity: number;
  /** The latest streamed audit entries (up to 200), oldest first. */
  recentEvents: AuditEvent[];
  approvalsWaiting: number;
  /** The inbox count and the rights have been read once (where to land can be decided). */
  settled: boolean;
}

export const WorkspaceContext = createContext<Workspace | null>(null);

export function useWorkspace(): Workspace {
  const w = useContext(WorkspaceContext);
  if (!w) throw new Error('useWorkspace outside WorkspaceContext');
  return w;
}
