// The workspace of page tests: organization `demo` with one project, `web`, chosen, and no
// rights beyond reading.

import { NO_RIGHTS, type Workspace } from '../session';

export const WORKSPACE: Workspace = {
  org: { id: 'org_1', slug: 'demo', name: 'Demo', projects: { nodes: [{ id: 'prj_1', slug: 'web', name: 'Web', description: '' }] } },
  project: 'web',
  rights: NO_RIGHTS,
  activity: 0,
  recentEvents: [],
  approvalsWaiting: 0,
  settled: true,
};
