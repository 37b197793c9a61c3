// Policy packs the organization may use (`policy.read`): the instance's and its parent's, each
// with the organization's subscription. A follower sees the next version before it takes
// effect: when, the publisher's notes, the rules it changes, and on demand how one project's
// recorded decisions would be decided under it. With `policy.write`: subscribe following the
// latest version, pin one, or unsubscribe.

import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { POLICY_PACK_IMPACT, POLICY_PACKS, SUBSCRIBE_POLICY_PACK, UNSUBSCRIBE_POLICY_PACK } from '../../api/documents';
import type { PolicyPacksQuery } from '../../api/generated/graphql';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { useOrgQuery } from '../../hooks/useOrgQuery';
import { formatTime } from '../../lib/format';
import type { AdminData } from './AdminPage';

type Pack = NonNullable<PolicyPacksQuery['org']>['policyPacks'][number];
type Pending = NonNullable<NonNullable<Pack['subscription']>['pending']>;

export function PolicyPacksPanel({ org }: { org: Pick<AdminData, 'slug' | 'policyWrite' | 'projects'> }) {
  const { data, error, reload } = useOrgQuery(POLICY_PACKS, org.slug);
  const [, subscribe] = useMutation(SUBSCRIBE_POLICY_PACK);
  const [, unsubscribe] = useMutation(UNSUBSCRIBE_POLICY_PACK);
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  const packs = data?.org.policyPacks ?? [];

  const choose = async (pack: Pack, version: number | null) => {
    setDone(null);
    const res = await action.run(() => subscribe({ input: { org: org.slug, pack: pack.id, version } }));
    if (res) {
      const s = res.subscribePolicyPack;
      setDone(
        s.followsLatest
          ? `${pack.name}: following the latest version, version ${s.versionInForce} in force`
          : `${pack.name}: pinned to version ${s.versionInForce}`,
      );
      reload();
    }
  };
  const leave = async (pack: Pack) => {
    setDone(null);
    if (await action.run(() => unsubscribe({ org: org.slug, pack: pack.id }))) {
      setDone(`${pack.name}: unsubscribed`);
      reload();
    }
  };

  return (
    <section className="card" id="policy-packs" aria-labelledby="policy-packs-title">
      <h2 id="policy-packs-title" className="card-title">
        Policy packs
      </h2>
      <p className="muted small">
        Rules published for many organizations. A pack you subscribe to applies above your own policy, which can only
        tighten it. A new version reaches followers when it takes effect; until then you see what it would change.
      </p>
      <ProblemNote error={error} />
      <ProblemNote problem={action.problem} />
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      {data && packs.length === 0 && <p className="muted">No policy packs are offered to this organization.</p>}
      {packs.map((p) => (
        <PackCard
          key={p.id}
          org={org}
          pack={p}
          busy={action.busy}
          onChoose={(v) => void choose(p, v)}
          onLeave={() => void leave(p)}
        />
      ))}
    </section>
  );
}

function PackCard({
  org,
  pack,
  busy,
  onChoose,
  onLeave,
}: {
  org: Pick<AdminData, 'slug' | 'policyWrite' | 'projects'>;
  pack: Pack;
  busy: boolean;
  onChoose: (version: number | null) => void;
  onLeave: () => void;
}) {
  const sub = pack.subscription;
  const latest = pack.latestVersion ?? 0;
  const [pin, setPin] = useState(String(sub?.versionInForce ?? latest));
  const versions = Array.from({ length: latest }, (_, i) => latest - i);
  return (
    <article className="pack" data-testid={`pack-${pack.name}`} aria-labelledby={`pack-${pack.id}-title`}>
      <h3 id={`pack-${pack.id}-title`} className="section-title">
        {pack.title} <code>{pack.name}</code>
      </h3>
      <p className="muted small">
        Published by {pack.publisher === 'INSTANCE' ? 'the instance’s administrators' : <code>{pack.publisher}</code>}
        {' · '}latest version {latest}
        {pack.description && <> · {pack.description}</>}
      </p>
      <p>
        {sub ? (
          <>
            <Badge tone="ok">subscribed</Badge>{' '}
            {sub.followsLatest
              ? `Following the latest version; version ${sub.versionInForce} in force.`
              : `Pinned to version ${sub.pinnedVersion}.`}
          </>
        ) : (
          <Badge tone="neutral">not subscribed</Badge>
        )}
      </p>
      {sub?.pending && <PendingVersion org={org} pack={pack} pending={sub.pending} />}
      {org.policyWrite && (
        <div className="inline-form">
          {!sub?.followsLatest && (
            <button type="button" className="btn" disabled={busy || latest === 0} onClick={() => onChoose(null)}>
              {sub ? 'Follow the latest version' : 'Subscribe, following the latest version'}
            </button>
          )}
          <label htmlFor={`pin-${pack.id}`} className="visually-hidden">
            Version to pin {pack.name} to
          </label>
          <select id={`pin-${pack.id}`} value={pin} onChange={(e) => setPin(e.target.value)} disabled={latest === 0}>
            {versions.map((v) => (
              <option key={v} value={v}>
                version {v}
              </option>
            ))}
          </select>
          <button type="button" className="btn btn-ghost" disabled={busy || latest === 0} onClick={() => onChoose(Number(pin))}>
            Pin
          </button>
          {sub && (
            <ConfirmButton
              aria-label={`Unsubscribe from ${pack.name}`}
              title={`Unsubscribe from ${pack.name}?`}
              consequence={<p>Its rules stop applying to this organization at once.</p>}
              confirmLabel="Unsubscribe"
              disabled={busy}
              onConfirm={onLeave}
            >
              Unsubscribe…
            </ConfirmButton>
          )}
        </div>
      )}
    </article>
  );
}

/** The next version of a followed pack: when it takes effect, what it changes, its impact. */
function PendingVersion({
  org,
  pack,
  pending,
}: {
  org: Pick<AdminData, 'slug' | 'projects'>;
  pack: Pack;
  pending: Pending;
}) {
  const projects = org.projects.nodes;
  const [project, setProject] = useState(projects[0]?.slug ?? '');
  const [asked, setAsked] = useState<string | null>(null);
  const [{ data, error, fetching }] = useQuery({
    query: POLICY_PACK_IMPACT,
    variables: { org: org.slug, id: pack.id, version: pending.version, project: asked ?? '' },
    pause: asked === null,
  });
  const impact = data?.org.policyPack.version?.impact;
  return (
    <div className="notice tone-info" data-testid={`pending-${pack.name}`}>
      <p>
        <strong>Version {pending.version}</strong> takes effect here at {formatTime(pending.effectiveAt)}.
        {pending.notes && <> Notes: {pending.notes}</>}
      </p>
      {pending.changes.length > 0 ? (
        <ul className="plain small">
          {pending.changes.map((c) => (
            <li key={`${c.kind}-${c.policy}-${c.rule}`}>
              <Badge tone={c.kind === 'removed' ? 'warn' : 'info'}>{c.kind}</Badge> rule <code>{c.rule}</code> of{' '}
              <code>{c.policy}</code> ({c.actions.join(', ')})
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">It changes no rule.</p>
      )}
      {projects.length > 0 && (
        <div className="inline-form">
          <label htmlFor={`impact-${pack.id}`}>Impact on project</label>
          <select id={`impact-${pack.id}`} value={project} onChange={(e) => setProject(e.target.value)}>
            {projects.map((p) => (
              <option key={p.slug} value={p.slug}>
                {p.name}
              </option>
            ))}
          </select>
          <button type="button" className="btn btn-ghost" disabled={fetching} onClick={() => setAsked(project)}>
            Show impact
          </button>
        </div>
      )}
      <ProblemNote error={error} />
      {impact && asked && (
        <p role="status" data-testid={`impact-${pack.name}`}>
          Of the last {impact.decisionsChecked} recorded decisions in {asked}: {impact.newlyDenied} would be denied,{' '}
          {impact.newlyNeedingApproval} would need approval, {impact.newlyAllowed} would be allowed, {impact.unchanged}{' '}
          unchanged.
        </p>
      )}
    </div>
  );
}
