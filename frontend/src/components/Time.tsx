// An instant on the page: worded in the viewer's zone ("today 14:05"), the full instant with its
// zone on hover, the machine-readable value in `dateTime`; and a live countdown to an instant.

import { useEffect, useState } from 'react';
import { formatCountdown, formatFull, formatRelative, formatWhen } from '../lib/time';

export function Time({ iso, relative = false }: { iso: string | null | undefined; relative?: boolean }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={formatFull(iso)}>
      {relative ? formatRelative(iso) : formatWhen(iso)}
    </time>
  );
}

/** The current time, read again every `everyMs` while mounted. */
export function useNow(everyMs = 1000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** "2:05 left (until today 14:05)", ticking each second. */
export function Countdown({ until }: { until: string }) {
  const now = useNow(1000);
  const left = formatCountdown(until, now);
  return (
    <span className="countdown" data-testid="countdown">
      {left === 'done' ? 'due now' : <>{left} left</>} <span className="muted">(until <Time iso={until} />)</span>
    </span>
  );
}
