// The org's audit log, newest first: verification status of the hash chain, a kind filter
// (server side) and a text filter (subject, actor, kind), live entries streamed in at the top.

import { useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { AUDIT_CHAIN, AUDIT_LOG } from '../api/documents';
import type { AuditLogQuery } from '../api/generated/graphql';
import type { AuditChainStatus, AuditEvent } from '../api/types';
import { Badge } from '../components/Badge';
import { JsonBlock } from '../components/JsonView';
import { Loading, ProblemNote } from '../components/ProblemNote';
import { actorChain, formatTime, shortHash } from '../lib/format';
import { useWorkspace } from '../session';

export function AuditPage() {
  const { org = '' } = useParams();
  const { recentEvents, org: orgInfo } = useWorkspace();
  const [search, setSearch] = useSearchParams();
  const kind = search.get('kind') ?? '';
  const text = search.get('q') ?? '';
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const [kindDraft, setKindDraft] = useState(kind);
  const [{ data, error, fetching }] = useQuery({
    query: AUDIT_LOG,
    variables: { org, kind: kind || null, after: null },
    requestPolicy: 'cache-and-network',
  });
  const [chain, verify] = useQuery({
    query: AUDIT_CHAIN,
    variables: { org },
    requestPolicy: 'network-only',
  });
  useEffect(() => setPages([null]), [kind, org]);

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    setSearch(next, { replace: true });
  };

  const first = data?.org.auditLog;
  // Entries streamed after the newest one loaded go on top, newest first (if of the kind asked).
  const newestLoaded = first ? (first.nodes[0]?.seq ?? 0) : Number.POSITIVE_INFINITY;
  const fresh = recentEvents
    .filter((e) => e.seq > newestLoaded && (!kind || e.kind.startsWith(kind)))
    .slice()
    .reverse();
  const projectOf = useMemo(() => new Map(orgInfo.projects.nodes.map((p) => [p.id, p.slug])), [orgInfo]);
  const matches = (e: AuditEvent) => {
    if (!text) return true;
    const hay = `${e.kind} ${e.subject} ${actorChain(e.actor)} ${e.requestId}`.toLowerCase();
    return hay.includes(text.toLowerCase());
  };

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Audit log</h1>
          <p className="muted">Every change in {orgInfo.name}, in one SHA-256 hash chain.</p>
        </div>
        {chain.data && (
          <ChainStatus chain={chain.data.org.auditChain} onVerify={() => verify({ requestPolicy: 'network-only' })} busy={chain.fetching} />
        )}
      </div>
      <form
        className="filters card"
        onSubmit={(e) => {
          e.preventDefault();
          setParam('kind', kindDraft.trim());
        }}
      >
        <div className="field">
          <label htmlFor="audit-kind">Kind starts with</label>
          <input id="audit-kind" value={kindDraft} placeholder="plan., role., policy." onChange={(e) => setKindDraft(e.target.value)} />
        </div>
        <button type="submit" className="btn">
          Filter
        </button>
        <div className="field">
          <label htmlFor="audit-text">Find in loaded entries</label>
          <input id="audit-text" type="search" value={text} placeholder="plan id, user, kind" onChange={(e) => setParam('q', e.target.value)} />
        </div>
      </form>
      <ProblemNote error={error ?? chain.error} />
      {!data && fetching && <Loading what="the audit log" />}
      {data && (
        <div className="card table-scroll">
          <table className="data audit-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Subject</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {fresh.filter(matches).map((e) => (
                <AuditRow key={e.id} event={e} org={org} projectOf={projectOf} fresh />
              ))}
              {pages.map((after) =>
                after === null ? (
                  first?.nodes.filter(matches).map((e) => <AuditRow key={e.id} event={e} org={org} projectOf={projectOf} />)
                ) : (
                  <OlderPage key={after} org={org} kind={kind} after={after} filter={matches} projectOf={projectOf} />
                ),
              )}
            </tbody>
          </table>
          <MoreButton org={org} kind={kind} pages={pages} firstPage={first} onMore={(cursor) => setPages((p) => [...p, cursor])} />
        </div>
      )}
    </div>
  );
}

function ChainStatus({ chain, onVerify, busy }: { chain: AuditChainStatus; onVerify: () => void; busy: boolean }) {
  return (
    <div className={`chain-status notice tone-${chain.ok ? 'ok' : 'bad'}`} data-testid="chain-status" role="status">
      {chain.ok ? (
        <span>
          <strong>Chain verified</strong>: {chain.entries} entries, head #{chain.headSeq}
        </span>
      ) : (
        <span>
          <strong>Chain broken</strong> at #{chain.firstBrokenSeq}: {chain.reason}
        </span>
      )}
      <button type="button" className="btn btn-ghost" onClick={onVerify} disabled={busy}>
        Verify again
      </button>
    </div>
  );
}

function subjectLink(e: AuditEvent, org: string, projectOf: Map<string, string>): string | null {
  if (e.subject.startsWith('pln_')) return `/orgs/${org}/plans/${e.subject}`;
  const slug = projectOf.get(e.subject);
  return slug ? `/orgs/${org}/projects/${slug}/plans` : null;
}

function AuditRow({ event: e, org, projectOf, fresh = false }: { event: AuditEvent; org: string; projectOf: Map<string, string>; fresh?: boolean }) {
  const link = subjectLink(e, org, projectOf);
  return (
    <tr className={fresh ? 'row-fresh' : undefined} data-subject={e.subject} data-kind={e.kind}>
      <td>
        {e.seq}
        {fresh && (
          <>
            {' '}
            <Badge tone="info">new</Badge>
          </>
        )}
      </td>
      <td>
        <time dateTime={e.occurredAt}>{formatTime(e.occurredAt)}</time>
      </td>
      <td>{actorChain(e.actor)}</td>
      <td>
        <code>{e.kind}</code>
      </td>
      <td>{link ? <Link to={link}>{e.subject}</Link> : <code>{e.subject}</code>}</td>
      <td>
        <JsonBlock value={e.payload} summary={`hash ${shortHash(e.hash, 10)}`} />
      </td>
    </tr>
  );
}

function OlderPage(props: { org: string; kind: string; after: string; filter: (e: AuditEvent) => boolean; projectOf: Map<string, string> }) {
  const [{ data }] = useQuery({
    query: AUDIT_LOG,
    variables: { org: props.org, kind: props.kind || null, after: props.after },
  });
  return <>{data?.org.auditLog.nodes.filter(props.filter).map((e) => <AuditRow key={e.id} event={e} org={props.org} projectOf={props.projectOf} />)}</>;
}

function MoreButton(props: {
  org: string;
  kind: string;
  pages: (string | null)[];
  firstPage: AuditLogQuery['org']['auditLog'] | undefined;
  onMore: (cursor: string) => void;
}) {
  const lastAfter = props.pages[props.pages.length - 1] ?? null;
  const [{ data }] = useQuery({
    query: AUDIT_LOG,
    variables: { org: props.org, kind: props.kind || null, after: lastAfter },
    pause: lastAfter === null,
  });
  const info = lastAfter === null ? props.firstPage?.pageInfo : data?.org.auditLog.pageInfo;
  if (!info?.hasNextPage || !info.endCursor) return null;
  const cursor = info.endCursor;
  return (
    <button type="button" className="btn" onClick={() => props.onMore(cursor)}>
      Older entries
    </button>
  );
}
