// A project's scheduled plans: each one a plan template proposed on a cron schedule, in a time
// zone, as a service account, through the same checks as any proposal. Lists them with their
// next slots and what the last slot came to (needs `plan.read`); those with `schedule.manage`
// pause, resume and delete them, and schedule new ones. The list is read again after audit
// entries of schedules and plans (a slot that fired writes them) and every few seconds, for
// those without the audit stream.

import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { PROJECT_SCHEDULES } from '../../api/documents';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import { formatTime } from '../../lib/format';
import { SCHEDULE_EVENTS } from '../../lib/refresh';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import { CreateScheduleForm } from './CreateScheduleForm';
import { ScheduleItem } from './ScheduleItem';

/** Slots come and go even when nothing in the org is audited: look again this often. */
const REFRESH_MS = 15_000;

export function SchedulesPage() {
  const { org = '', project = '' } = useParams();
  const [done, setDone] = useState<string | null>(null);
  const { data, error, fetching, reload } = useLiveQuery(PROJECT_SCHEDULES, { org, project }, REFRESH_MS, SCHEDULE_EVENTS);
  useEffect(() => setDone(null), [project]);
  const finished = (message: string) => {
    setDone(message);
    reload();
  };

  const schedules = data?.project.schedules ?? [];
  const canManage = data?.org.canManage ?? false;
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Schedules</h1>
          <p className="muted">
            Plans proposed on a schedule in project <strong>{data?.project.name ?? project}</strong>: each slot proposes the template as its
            service account, and policy, budgets, limits and approvals apply as to any proposal. Times are shown in your time zone.
          </p>
        </div>
      </div>
      {!data && (error ? <ProblemNote error={error} /> : fetching ? <Loading what="schedules" /> : null)}
      {data && (
        <section className="card" aria-labelledby="schedules-title">
          <h2 id="schedules-title" className="card-title">
            Scheduled plans
          </h2>
          {done && (
            <p className="notice tone-ok" role="status" data-testid="schedule-done">
              {done}
            </p>
          )}
          {schedules.length === 0 ? (
            <p className="muted">No schedules in this project yet.</p>
          ) : (
            <ul className="plain endpoints">
              {schedules.map((s) => (
                <li key={s.id}>
                  <ScheduleItem org={org} schedule={s} canManage={canManage} onDone={finished} />
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {canManage && (
        <CreateScheduleForm
          key={project}
          org={org}
          project={project}
          onCreated={(s) => {
            const first = s.nextRunAt ? `its first slot is ${formatTime(s.nextRunAt)}` : 'its cron names no slot to come';
            finished(`Created the schedule ${s.name}; ${first}.`);
          }}
        />
      )}
    </div>
  );
}
