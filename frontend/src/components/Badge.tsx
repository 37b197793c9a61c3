// Status, verdict and risk badges. The word is always shown: colour only reinforces it.

import type { ReactNode } from 'react';
import type { PlanStatus, Risk, Verdict } from '../api/types';
import { humanize } from '../lib/format';
import { statusTone, verdictLabel, verdictTone, type Tone } from '../lib/plans';

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge tone-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function VerdictBadge({ verdict, prefix }: { verdict: Verdict; prefix?: string }) {
  return (
    <Badge tone={verdictTone(verdict)} title="Policy verdict">
      {prefix ? `${prefix}: ${verdictLabel(verdict).toLowerCase()}` : verdictLabel(verdict)}
    </Badge>
  );
}

export function StatusBadge({ status }: { status: PlanStatus }) {
  return (
    <Badge tone={statusTone(status)} title="Status">
      {humanize(status)}
    </Badge>
  );
}

export function RiskBadge({ risk }: { risk: Risk }) {
  const tone: Tone = risk === 'HIGH' || risk === 'CRITICAL' ? 'bad' : risk === 'MEDIUM' ? 'warn' : 'neutral';
  return (
    <Badge tone={tone} title="Risk">
      {humanize(risk)} risk
    </Badge>
  );
}
