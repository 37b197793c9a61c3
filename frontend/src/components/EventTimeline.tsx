// A plan's event log as a timeline, oldest first, each event in plain language with its
// sequence number, time and (for state changes) the resulting state hash.

import type { PlanEvent } from '../api/types';
import { describeEvent } from '../lib/events';
import { formatTime, shortHash } from '../lib/format';
import { JsonBlock } from './JsonView';

export function EventTimeline({ events }: { events: PlanEvent[] }) {
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <ol className="timeline" aria-label="Event timeline">
      {events.map((e) => {
        const d = describeEvent(e.kind, e.data);
        return (
          <li key={e.seq} className={`timeline-item tone-${d.tone}`} data-kind={e.kind}>
            <span className="timeline-dot" aria-hidden="true" />
            <div className="timeline-body">
              <div className="row">
                <span className="muted">#{e.seq}</span>
                <strong>{d.title}</strong>
                <time dateTime={e.occurredAt} className="muted">
                  {formatTime(e.occurredAt)}
                </time>
              </div>
              {d.detail && <div className="timeline-detail">{d.detail}</div>}
              {e.stateHash && <div className="muted">state {shortHash(e.stateHash)}</div>}
              <JsonBlock value={e.data} summary="Event data" />
            </div>
          </li>
        );
      })}
    </ol>
  );
}
