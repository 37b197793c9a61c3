// Org administration: projects, groups and their members, role bindings, invitations and
// members' passwords, service accounts, API keys, secrets, webhook endpoints, inbound triggers
// and identity providers, the policy packs offered to the organization; for instance administrators, the instance's scheduled jobs. Forms
// show only where the viewer holds the right; lists show what they may read. Invitations need
// `role.bind` (reset links and unlocking `identity.manage`); secrets, webhooks, triggers and
// identity providers are shown only to those who may manage them (`secret.manage`,
// `webhook.manage`, `trigger.manage`, `identity.manage`).

import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { useParams } from 'react-router';
import { ADMIN, ADMIN_ACCESS, ADMIN_GROUPS } from '../../api/documents';
import type { AdminAccessQuery, AdminQuery } from '../../api/generated/graphql';
import type { Group } from '../../api/types';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import { useSession } from '../../session';
import { ApiKeysPanel } from './ApiKeysPanel';
import { GrantsPanel } from './GrantsPanel';
import { GroupsPanel } from './GroupsPanel';
import { IdentityProvidersPanel } from './IdentityProvidersPanel';
import { InvitationsPanel } from './InvitationsPanel';
import { PolicyPacksPanel } from './PolicyPacksPanel';
import { ProjectsPanel } from './ProjectsPanel';
import { RolesPanel } from './RolesPanel';
import { ScheduledJobsPanel } from './ScheduledJobsPanel';
import { SecretsPanel } from './SecretsPanel';
import { ServiceAccountsPanel } from './ServiceAccountsPanel';
import { TriggersPanel } from './TriggersPanel';
import { WebhooksPanel } from './WebhooksPanel';

/** The organization as the three admin queries tell it. */
type Org = AdminQuery['org'] & Omit<AdminAccessQuery['org'], 'id'> & { groups: { nodes: Group[] } };

type Lists = 'projects' | 'groups' | 'serviceAccounts' | 'apiKeys' | 'roleBindings';

export type AdminData = Org & {
  /** Lists the viewer may not read (the server leaves them out). */
  hidden: Set<string>;
};

type Raw = Omit<Org, Lists> & Partial<Pick<Org, Lists>>;

/** Fills lists the viewer may not read with empty ones, remembering which were left out. */
export function normalize(raw: Raw): AdminData {
  const hidden = new Set<string>();
  const list = <T,>(key: string, v: { nodes: T[] } | null | undefined): { nodes: T[] } => {
    if (!v) hidden.add(key);
    return v ?? { nodes: [] };
  };
  return {
    ...raw,
    projects: list('projects', raw.projects),
    groups: list('groups', raw.groups),
    serviceAccounts: list('serviceAccounts', raw.serviceAccounts),
    apiKeys: list('apiKeys', raw.apiKeys),
    roleBindings: list('roleBindings', raw.roleBindings),
    hidden,
  };
}

/** Names for ids seen in bindings and keys: groups, service accounts, known users. */
export function nameIndex(d: AdminData, viewer: { id: string; name: string }): Map<string, string> {
  const m = new Map<string, string>([[viewer.id, viewer.name]]);
  for (const g of d.groups.nodes) {
    m.set(g.id, g.name);
    for (const u of g.members) m.set(u.id, u.email);
  }
  for (const s of d.serviceAccounts.nodes) m.set(s.id, s.name);
  return m;
}

export function AdminPage() {
  const { org = '' } = useParams();
  const { viewer } = useSession();
  const [{ data, error, fetching }, refetch] = useQuery({
    query: ADMIN,
    variables: { org },
    requestPolicy: 'cache-and-network',
  });
  const [access, refetchAccess] = useQuery({
    query: ADMIN_ACCESS,
    variables: { org },
    requestPolicy: 'cache-and-network',
  });
  const groups = useGroupPages(org);
  const reload = () => {
    refetch({ requestPolicy: 'network-only' });
    refetchAccess({ requestPolicy: 'network-only' });
    groups.reload();
  };
  // Lists the viewer may not read come back as errors beside the rest: show what is readable.
  if (!data?.org || !access.data || !groups.loaded) {
    const failed = error ?? access.error;
    return failed ? <ProblemNote error={failed} /> : fetching || access.fetching ? <Loading what="administration" /> : <Loading what="groups" />;
  }
  const d = normalize({ ...data.org, ...(access.data.org ?? {}), groups: groups.visible ? { nodes: groups.nodes } : undefined });
  const names = nameIndex(d, viewer);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Administration</h1>
          <p className="muted">
            Organization <strong>{d.name}</strong> (<code>{d.slug}</code>)
          </p>
        </div>
      </div>
      <nav className="toc" aria-label="Sections">
        <a href="#projects">Projects</a> <a href="#groups">Groups</a> <a href="#roles">Members and roles</a>{' '}
        {(d.roleBind || d.identityManage) && (
          <>
            <a href="#invitations">Invitations</a>{' '}
          </>
        )}
        <a href="#grants">Temporary access</a>{' '}
        <a href="#service-accounts">Service accounts</a>{' '}
        <a href="#api-keys">API keys</a>
        {d.secretManage && (
          <>
            {' '}
            <a href="#secrets">Secrets</a>
          </>
        )}
        {d.webhookManage && (
          <>
            {' '}
            <a href="#webhooks">Webhooks</a>
          </>
        )}
        {d.triggerManage && (
          <>
            {' '}
            <a href="#triggers">Inbound triggers</a>
          </>
        )}
        {d.identityManage && (
          <>
            {' '}
            <a href="#identity-providers">Identity providers</a>
          </>
        )}
        {d.policyRead && (
          <>
            {' '}
            <a href="#policy-packs">Policy packs</a>
          </>
        )}
        {viewer.instanceAdmin && (
          <>
            {' '}
            <a href="#scheduled-jobs">Scheduled jobs</a>
          </>
        )}
      </nav>
      <div className="columns">
        <div className="column">
          <ProjectsPanel org={d} onChanged={reload} />
          <ServiceAccountsPanel org={d} onChanged={reload} />
        </div>
        <div className="column">
          <GroupsPanel org={d} onChanged={reload} onMore={groups.more ?? undefined} />
        </div>
      </div>
      <RolesPanel org={d} names={names} onChanged={reload} />
      {(d.roleBind || d.identityManage) && <InvitationsPanel org={d} />}
      <GrantsPanel org={d} viewerEmail={viewer.user?.email ?? null} />
      <ApiKeysPanel org={d} names={names} onChanged={reload} />
      {d.secretManage && <SecretsPanel org={d} />}
      {d.webhookManage && <WebhooksPanel org={d} />}
      {d.triggerManage && <TriggersPanel org={d} />}
      {d.identityManage && <IdentityProvidersPanel org={d} />}
      {d.policyRead && <PolicyPacksPanel org={d} />}
      {viewer.instanceAdmin && <ScheduledJobsPanel />}
    </div>
  );
}

/** Groups page by page (small pages: member lists are costly), accumulated. */
function useGroupPages(org: string) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [pages, setPages] = useState<Record<string, Group[]>>({});
  const after = cursors[cursors.length - 1] ?? null;
  const [{ data, error }, refetch] = useQuery({
    query: ADMIN_GROUPS,
    variables: { org, after },
    requestPolicy: 'cache-and-network',
  });
  useEffect(() => {
    const g = data?.org?.groups;
    if (g) setPages((p) => ({ ...p, [after ?? '']: g.nodes }));
  }, [data, after]);
  const info = data?.org?.groups?.pageInfo;
  const nodes = cursors.flatMap((c) => pages[c ?? ''] ?? []);
  return {
    loaded: !!data || !!error,
    // A viewer without `group.read` gets an error for the list and sees it as hidden.
    visible: !!data?.org?.groups || nodes.length > 0,
    nodes,
    more: info?.hasNextPage && info.endCursor ? () => setCursors((c) => [...c, info.endCursor]) : null,
    reload: () => {
      setCursors([null]);
      setPages({});
      refetch({ requestPolicy: 'network-only' });
    },
  };
}
