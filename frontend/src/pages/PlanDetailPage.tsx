// One plan: its one-line summary and frozen preview, approval stages, controls for the viewer,
// live step progress (a countdown while a delay waits) and event timeline (the planEvents subscription resumes after the last event seen; an
// unfinished plan is also read again every few seconds), and the replay result once it has
// finished.

import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery, useSubscription } from 'urql';
import { PLAN_DETAIL, PLAN_EVENTS, REPLAY_PLAN } from '../api/documents';
import type { PlanEvent, PlanStatus } from '../api/types';
import { ApprovalStages } from '../components/ApprovalStages';
import { Badge, StatusBadge } from '../components/Badge';
import { EventTimeline } from '../components/EventTimeline';
import { PlanControls } from '../components/PlanControls';
import { PlanPreviewCard } from '../components/PlanPreviewCard';
import { Loading, ProblemNote } from '../components/ProblemNote';
import { StepProgressList } from '../components/StepProgressList';
import { mergeEvents, waitingUntil } from '../lib/events';
import { Time } from '../components/Time';
import { actorChain, shortHash } from '../lib/format';
import { isTerminal } from '../lib/plans';

/** How often an unfinished plan is read again besides its event stream. */
export const STALE_AFTER_MS = 5000;

export function PlanDetailPage() {
  const { planId = '' } = useParams();
  // A fresh component per plan: the event list and the subscription cursor belong to one plan.
  return <PlanDetail key={planId} />;
}

function PlanDetail() {
  const { org = '', project = '', planId = '' } = useParams();
  const [{ data, error, fetching }, refetch] = useQuery({
    query: PLAN_DETAIL,
    variables: { id: planId, org },
    requestPolicy: 'cache-and-network',
  });
  const plan = data?.plan;
  const [events, setEvents] = useState<PlanEvent[]>([]);
  const [liveStatus, setLiveStatus] = useState<PlanStatus | null>(null);

  useEffect(() => {
    if (plan) setEvents((known) => mergeEvents(known, plan.events.nodes));
  }, [plan]);

  // Subscribe from the last event the first load saw; the server replays anything missed.
  const after = useRef<number | null>(null);
  if (plan && after.current === null) after.current = plan.events.nodes.at(-1)?.seq ?? 0;
  const finishedAtLoad = plan ? isTerminal(plan.status) : true;
  // Every message goes through the handler: when several arrive in one render (a step's events
  // come in a burst), reading only the latest result would drop the ones before it.
  const [stream] = useSubscription(
    {
      query: PLAN_EVENTS,
      variables: { planId, after: after.current ?? 0 },
      pause: !plan || finishedAtLoad,
    },
    (prev: { events: PlanEvent[]; status: PlanStatus | null } = { events: [], status: null }, data) => ({
      events: mergeEvents(prev.events, [data.planEvents.event]),
      status: data.planEvents.status,
    }),
  );
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    const streamed = stream.data;
    if (!streamed || streamed.events.length === 0) return;
    setEvents((known) => mergeEvents(known, streamed.events));
    setLiveStatus(streamed.status);
    // Progress and stages are folded by the server: fetch them again, at most every 150 ms.
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => refetch({ requestPolicy: 'network-only' }), 150);
  }, [stream.data, refetch]);
  useEffect(() => () => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
  }, []);
  // Until the plan is seen to finish, read it again now and then as well: a stream that stays
  // silent (a socket that never came up, a proxy that swallows it) never leaves the page stale.
  const settled = finishedAtLoad || (liveStatus !== null && isTerminal(liveStatus));
  useEffect(() => {
    if (settled) return;
    const poll = setInterval(() => refetch({ requestPolicy: 'network-only' }), STALE_AFTER_MS);
    return () => clearInterval(poll);
  }, [settled, refetch]);

  const eligible = useMemo(() => !!data?.approvalRequests.some((p) => p.id === planId), [data, planId]);

  if (error && !plan) return <ProblemNote error={error} title="Cannot load the plan" />;
  if (!plan) return <Loading what="the plan" />;

  // A finished status read from the server is final whatever the stream last said (a burst of
  // events may reach the screen as its last-but-one).
  const status = isTerminal(plan.status) ? plan.status : (liveStatus ?? plan.status);
  const finished = isTerminal(status);

  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={`/orgs/${org}/projects/${project}/plans`}>Plans</Link> <span aria-hidden="true">/</span> <span>{plan.title}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1>{plan.title}</h1>
          <p className="muted">
            <code>{plan.id}</code> · proposed by {actorChain(plan.proposer)} · <Time iso={plan.createdAt} />
            {plan.expiresAt && status === 'PENDING_APPROVAL' && (
              <>
                {' '}
                · approval expires <Time iso={plan.expiresAt} />
              </>
            )}
          </p>
        </div>
        {/* Where the plan is, and only what still applies: the preview's verdict is history once
            it has been proposed, and "runs when approved" only while it is not yet approved. */}
        <div className="row" data-testid="plan-status">
          <StatusBadge status={status} />
          {plan.runWhenApproved && (status === 'PENDING_APPROVAL' || status === 'PROPOSED') && <Badge tone="info">runs when approved</Badge>}
          {fetching && <span className="muted small">updating…</span>}
        </div>
      </div>

      <div className="columns">
        <div className="column">
          <PlanPreviewCard
            title="Preview"
            preview={plan.preview}
            steps={plan.steps}
            planHash={plan.planHash}
            status={status}
            stages={plan.approvalStages}
            actions={
              <PlanControls
                planId={plan.id}
                planHash={plan.planHash}
                status={status}
                eligibleToApprove={eligible}
                canReject={plan.canReject}
                canExecute={plan.canExecute}
                canCancel={plan.canCancel}
                onDone={() => refetch({ requestPolicy: 'network-only' })}
              />
            }
          />
          <section className="card" aria-labelledby="stages-title">
            <h2 id="stages-title" className="card-title">
              Approvals
            </h2>
            <ApprovalStages stages={plan.approvalStages} status={status} />
          </section>
        </div>
        <div className="column">
          <section className="card" aria-labelledby="progress-title">
            <div className="card-header">
              <h2 id="progress-title" className="card-title">
                Progress
              </h2>
              {!finished && !finishedAtLoad && (
                <span className={`live ${stream.error ? 'live-reconnecting' : 'live-connected'}`}>
                  <span className="live-dot" aria-hidden="true" /> {stream.error ? 'interrupted' : 'following live'}
                </span>
              )}
            </div>
            <StepProgressList steps={plan.steps} progress={plan.progress} finished={finished} waitingUntil={waitingUntil(events)} />
            {plan.stateHash && (
              <p className="muted small">
                Final state <code title={plan.stateHash}>{shortHash(plan.stateHash)}</code>
              </p>
            )}
          </section>
          {finished && <ReplayCard planId={plan.id} eventCount={events.length} />}
          <section className="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title" className="card-title">
              Event timeline
            </h2>
            <EventTimeline events={events} />
          </section>
        </div>
      </div>
    </div>
  );
}

function ReplayCard({ planId, eventCount }: { planId: string; eventCount: number }) {
  const [{ data, error, fetching }, replay] = useQuery({
    query: REPLAY_PLAN,
    variables: { id: planId },
    requestPolicy: 'network-only',
  });
  // Replay again when more events arrive after the plan finished.
  const seen = useRef(eventCount);
  useEffect(() => {
    if (eventCount !== seen.current) {
      seen.current = eventCount;
      replay({ requestPolicy: 'network-only' });
    }
  }, [eventCount, replay]);
  const r = data?.replayPlan;
  return (
    <section className="card" aria-labelledby="replay-title" data-testid="replay">
      <div className="card-header">
        <h2 id="replay-title" className="card-title">
          Replay
        </h2>
        <button type="button" className="btn btn-ghost" disabled={fetching} onClick={() => replay({ requestPolicy: 'network-only' })}>
          Replay again
        </button>
      </div>
      <ProblemNote error={error} />
      {!r && fetching && <Loading what="the replay" />}
      {r && (
        <>
          <p>
            {r.identical ? <Badge tone="ok">identical</Badge> : <Badge tone="bad">diverged</Badge>}{' '}
            {r.identical
              ? `Folding the ${r.events} recorded events again reaches the same state; ${r.decisionsChecked} decision(s) re-checked.`
              : `Diverged at event ${r.divergedAt}: ${r.reason}`}
          </p>
          <dl className="facts">
            <div>
              <dt>State hash</dt>
              <dd>
                <code title={r.stateHash ?? ''}>{shortHash(r.stateHash)}</code>
              </dd>
            </div>
            {!r.identical && (
              <>
                <div>
                  <dt>Recorded</dt>
                  <dd>
                    <code>{r.recorded}</code>
                  </dd>
                </div>
                <div>
                  <dt>Recomputed</dt>
                  <dd>
                    <code>{r.recomputed}</code>
                  </dd>
                </div>
              </>
            )}
          </dl>
        </>
      )}
    </section>
  );
}
