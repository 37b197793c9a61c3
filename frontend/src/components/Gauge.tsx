// A horizontal usage gauge (budget, rate limit): used and held shares of a limit, alert marks,
// and the numbers in words. Exposed to assistive technology as a meter.

import type { ReactNode } from 'react';
import { gaugeParts, percent } from '../lib/gauge';

interface Props {
  label: string;
  used: number;
  held?: number;
  limit: number;
  unit?: string;
  alertAt?: number[];
  children?: ReactNode;
}

export function Gauge({ label, used, held = 0, limit, unit = '', alertAt = [], children }: Props) {
  const g = gaugeParts(used, held, limit, alertAt);
  const fmt = (n: number) => `${Math.round(n * 100) / 100}${unit ? ` ${unit}` : ''}`;
  const text = `${fmt(used)} of ${fmt(limit)}${held > 0 ? ` (+${fmt(held)} held)` : ''}`;
  return (
    <div className="gauge">
      <div className="gauge-head">
        <span className="gauge-label">{label}</span>
        <span className={`gauge-value tone-text-${g.tone}`}>
          {text} · {percent(g.fraction)}
        </span>
      </div>
      <div
        className="gauge-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(used + held, limit)}
        aria-valuetext={text}
      >
        <span className={`gauge-used fill-${g.tone}`} style={{ width: `${g.usedPct}%` }} />
        {g.heldPct > 0 && <span className="gauge-held" style={{ left: `${g.usedPct}%`, width: `${g.heldPct}%` }} />}
        {alertAt.map((a) => (
          <span key={a} className="gauge-mark" style={{ left: `${Math.min(100, a * 100)}%` }} title={`alert at ${percent(a)}`} />
        ))}
      </div>
      {children && <div className="gauge-caption">{children}</div>}
    </div>
  );
}
