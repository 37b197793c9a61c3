// Execution windows drawn on a week: for each window, the hours it is open on each day.

import { DAYS, weekSegments } from '../lib/governance';
import { Badge } from './Badge';

export interface WeekWindow {
  name: string;
  actions: string[];
  days: string[];
  from: string;
  to: string;
  timezone: string;
  /** Whether the window is open now, when known. */
  open?: boolean;
  nextOpen?: string | null;
}

export function WeekChart({ windows, describeNext }: { windows: WeekWindow[]; describeNext?: (iso: string) => string }) {
  return (
    <div className="week">
      {windows.map((w, i) => {
        const segments = weekSegments(w);
        return (
          <div className="week-row" key={i} data-testid={`window-${w.name}`}>
            <div className="week-label">
              <strong>{w.name}</strong> <code className="small">{w.actions.join(', ')}</code>{' '}
              {w.open !== undefined && (w.open ? <Badge tone="ok">open now</Badge> : <Badge tone="warn">closed</Badge>)}
              <div className="muted small">
                {w.days.join(', ') || 'every day'} {w.from}–{w.to} {w.timezone}
                {w.open === false && w.nextOpen && describeNext && <> · opens {describeNext(w.nextOpen)}</>}
                {w.open === false && w.nextOpen === null && <> · never opens</>}
              </div>
            </div>
            <div className="week-days" role="img" aria-label={`${w.name}: open ${w.days.join(', ') || 'every day'} from ${w.from} to ${w.to} ${w.timezone}`}>
              {DAYS.map((d) => (
                <div className="week-day" key={d}>
                  <span className="week-day-name">{d}</span>
                  <div className="week-bar">
                    {segments
                      .filter((s) => s.day === d)
                      .map((s, j) => (
                        <span key={j} className="week-open" style={{ left: `${(s.start / 1440) * 100}%`, width: `${((s.end - s.start) / 1440) * 100}%` }} />
                      ))}
                  </div>
                </div>
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}
