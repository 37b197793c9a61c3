// Status, verdict and risk badges. The word is always shown: colour only reinforces it.

import type { ReactNode } from 'react';
import { statusLabel, statusTone, verdictLabel, verdictTone, type Tone } from '../lib/plans';

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge tone-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function VerdictBadge({ verdict, prefix }: { verdict: string; prefix?: string }) {
  return (
    <Badge tone={verdictTone(verdict)} title="Policy verdict">
      {prefix ? `${prefix}: ${verdictLabel(verdict).toLowerCase()}` : verdictLabel(verdict)}
    </Badge>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge tone={statusTone(status)} title="Status">
      {statusLabel(status)}
    </Badge>
  );
}

export function RiskBadge({ risk }: { risk: string }) {
  const tone: Tone = risk === 'high' || risk === 'critical' ? 'bad' : risk === 'medium' ? 'warn' : 'neutral';
  return (
    <Badge tone={tone} title="Risk">
      {risk} risk
    </Badge>
  );
}
