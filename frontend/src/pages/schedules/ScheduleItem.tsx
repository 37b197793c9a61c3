// One schedule: its cron and time zone, template and arguments, overlap and catch-up rules, the
// service account it proposes as, whether it is paused, its next slots, and what its last slot
// came to with a link to the plan that slot proposed. Those who may manage it pause or resume
// it, and delete it after a confirmation.

import { Link } from 'react-router';
import { useMutation } from 'urql';
import { DELETE_SCHEDULE, PAUSE_SCHEDULE, RESUME_SCHEDULE } from '../../api/documents';
import type { Schedule } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { JsonInline } from '../../components/JsonView';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { relativeTime } from '../../lib/format';
import { outcomeTone, overlapLabel } from '../../lib/schedules';
import { Time } from '../../components/Time';

interface Props {
  org: string;
  schedule: Schedule;
  canManage: boolean;
  onDone: (message: string) => void;
}


export function ScheduleItem({ org, schedule: s, canManage, onDone }: Props) {
  const [, pause] = useMutation(PAUSE_SCHEDULE);
  const [, resume] = useMutation(RESUME_SCHEDULE);
  const [, remove] = useMutation(DELETE_SCHEDULE);
  const action = useAction();
  const nameId = `schedule-${s.id}-name`;
  // A schedule that never came to a slot has an empty outcome.
  const outcome = s.lastOutcome || null;

  const toggle = async () => {
    const done = s.paused ? await action.run(() => resume({ id: s.id })) : await action.run(() => pause({ id: s.id }));
    if (done) onDone(`${s.paused ? 'Resumed' : 'Paused'} the schedule ${s.name}.`);
  };
  const destroy = async () => {
    const gone = await action.run(() => remove({ id: s.id }));
    if (gone) onDone(`Deleted the schedule ${s.name}.`);
  };

  return (
    <article className="endpoint" aria-labelledby={nameId} data-testid={`schedule-${s.name}`}>
      <div className="row">
        <strong id={nameId}>{s.name}</strong>
        {s.paused ? (
          <Badge tone="warn" title="No slot runs until it is resumed">
            paused
          </Badge>
        ) : (
          <Badge tone="ok">active</Badge>
        )}
      </div>
      <dl className="facts">
        <div>
          <dt>Cron</dt>
          <dd>
            <code>{s.cron}</code> in {s.timezone}
          </dd>
        </div>
        <div>
          <dt>Template</dt>
          <dd>
            <code>{s.template}</code>
          </dd>
        </div>
        <div>
          <dt>Arguments</dt>
          <dd>
            <JsonInline value={s.args} />
          </dd>
        </div>
        <div>
          <dt>While unfinished</dt>
          <dd>{overlapLabel(s.overlap)}</dd>
        </div>
        <div>
          <dt>Catch-up</dt>
          <dd>{s.catchUp ? 'runs missed slots' : 'skips missed slots'}</dd>
        </div>
        <div>
          <dt>Proposes as</dt>
          <dd>{s.serviceAccount}</dd>
        </div>
      </dl>
      <dl className="facts">
        <div>
          <dt>Next run</dt>
          <dd>
            {s.nextRunAt ? (
              <>
                <Time iso={s.nextRunAt} /> <span className="muted">({relativeTime(s.nextRunAt)})</span>
              </>
            ) : (
              <span className="muted">{s.paused ? 'none while paused' : 'none'}</span>
            )}
          </dd>
        </div>
        <div>
          <dt>{s.paused ? 'Slots after now' : 'Upcoming'}</dt>
          <dd>
            {s.upcoming.length > 0 ? (
              <ol className="slot-list" aria-label={`Upcoming slots of ${s.name}`}>
                {s.upcoming.map((iso) => (
                  <li key={iso}>
                    <Time iso={iso} />
                  </li>
                ))}
              </ol>
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div>
          <dt>Last slot</dt>
          <dd>{s.lastSlot ? <Time iso={s.lastSlot} /> : <span className="muted">not yet</span>}</dd>
        </div>
        {outcome && (
          <div>
            <dt>Last outcome</dt>
            <dd className={`tone-text-${outcomeTone(outcome)}`} data-testid="schedule-outcome">
              {outcome}
            </dd>
          </div>
        )}
        {s.lastPlanId && (
          <div>
            <dt>Last plan</dt>
            <dd>
              <Link to={`/orgs/${org}/projects/${s.projectSlug}/plans/${s.lastPlanId}`}>
                <code>{s.lastPlanId}</code>
              </Link>
            </dd>
          </div>
        )}
      </dl>
      {canManage && (
        <div className="row">
          <button type="button" className="btn" disabled={action.busy} onClick={() => void toggle()}>
            {s.paused ? 'Resume' : 'Pause'}
          </button>
          <ConfirmButton
            disabled={action.busy}
            title={`Delete the schedule ${s.name}?`}
            consequence={
              <p>
                No slot of it (<code>{s.cron}</code> in {s.timezone}) runs from now on; plans it already proposed stay as they are.
              </p>
            }
            confirmLabel="Delete schedule"
            onConfirm={() => void destroy()}
          >
            Delete…
          </ConfirmButton>
        </div>
      )}
      <ProblemNote problem={action.problem} />
    </article>
  );
}
