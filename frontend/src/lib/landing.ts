// Where a person lands in an organization (after signing in, or opening the org's address):
// where their work is. The Approvals inbox when plans wait for them, otherwise the project's
// Chat, or its plans for someone who may not read chat.

export interface LandingInput {
  org: string;
  /** The project to open: the one used last, or the first. */
  project: string | null;
  approvalsWaiting: number;
  chatRead: boolean;
}

export function landingPath({ org, project, approvalsWaiting, chatRead }: LandingInput): string {
  if (approvalsWaiting > 0) return `/orgs/${org}/approvals`;
  if (!project) return `/orgs/${org}/audit`;
  return `/orgs/${org}/projects/${project}/${chatRead ? 'chat' : 'plans'}`;
}
