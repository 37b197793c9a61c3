// The instance's timed jobs (instance administrators only): each job's schedule, the slot it
// ran last with how it went, and when it is due next. Each slot runs on one node of the
// cluster; "missed" counts slots nobody ran (every node was down) that the run covers.

import { useQuery } from 'urql';
import { SCHEDULED_JOBS } from '../../api/documents';
import type { ScheduledRunStatus } from '../../api/generated/graphql';
import { Badge } from '../../components/Badge';
import type { Tone } from '../../lib/plans';
import { ProblemNote } from '../../components/ProblemNote';
import { formatTime } from '../../lib/format';

const TONE: Record<ScheduledRunStatus, Tone> = { RUNNING: 'info', SUCCEEDED: 'ok', FAILED: 'bad', SKIPPED: 'warn' };

export function ScheduledJobsPanel() {
  const [{ data, error }, refetch] = useQuery({ query: SCHEDULED_JOBS, requestPolicy: 'cache-and-network' });
  const jobs = data?.scheduledJobs ?? [];
  return (
    <section className="card" id="scheduled-jobs" aria-labelledby="scheduled-jobs-title">
      <div className="card-header">
        <h2 id="scheduled-jobs-title" className="card-title">
          Scheduled jobs
        </h2>
        <button type="button" className="btn btn-ghost" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
      </div>
      <p className="muted small">The instance’s housekeeping. Each slot runs on one node; times are in your time zone, schedules in UTC.</p>
      <ProblemNote error={error} />
      {jobs.length > 0 && (
        <div className="table-scroll">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Schedule</th>
                <th scope="col">Last run</th>
                <th scope="col">Next</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => {
                const last = j.lastRun;
                return (
                  <tr key={j.key} data-testid={`job-${j.name}`}>
                    <td>
                      <code>{j.name}</code>
                      <div className="muted small">{j.description}</div>
                    </td>
                    <td>
                      <code>{j.schedule}</code>
                    </td>
                    <td>
                      {last ? (
                        <>
                          <Badge tone={TONE[last.status]}>{last.status.toLowerCase()}</Badge> {formatTime(last.slot)}
                          {last.durationMs != null && <span className="muted small"> · {last.durationMs} ms</span>}
                          {last.attempts > 1 && <span className="muted small"> · taken over ({last.attempts} claims)</span>}
                          {last.missedSlots > 0 && <span className="muted small"> · covers {last.missedSlots} missed</span>}
                          {last.detail && <div className="muted small">{last.detail}</div>}
                        </>
                      ) : (
                        <span className="muted">not yet</span>
                      )}
                      {j.recentFailures > 0 && (
                        <div>
                          <Badge tone="bad">{`${j.recentFailures} recent failure${j.recentFailures === 1 ? '' : 's'}`}</Badge>
                        </div>
                      )}
                    </td>
                    <td>{formatTime(j.nextRunAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
