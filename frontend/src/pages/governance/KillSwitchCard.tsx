// Kill switches: whether one stops work in this project now (its own, the org's or the
// instance's), and engage / release for the project and the org where the viewer may.
// Engaging takes two steps: work stops at once for everyone.

import { useId, useState } from 'react';
import { useMutation } from 'urql';
import { SET_KILL_SWITCH } from '../../api/documents';
import type { GovernanceQuery, SetKillSwitchInput } from '../../api/generated/graphql';
import type { KillSwitchInForce, ReleaseMode } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ProblemNote } from '../../components/ProblemNote';
import { formatTime, humanize } from '../../lib/format';
import { useAction } from '../../hooks/useAction';

interface CardProps {
  org: string;
  project: string;
  data: GovernanceQuery;
  /** Instance administrators also hold the switch of the whole instance. */
  instanceAdmin: boolean;
  onChanged: () => void;
}

export function KillSwitchCard({ org, project, data, instanceAdmin, onChanged }: CardProps) {
  const inForce = data.project.killSwitch;
  return (
    <section className={`card kill ${inForce ? 'kill-engaged' : ''}`} aria-labelledby="kill-title" data-testid="kill-switch">
      <div className="card-header">
        <h2 id="kill-title" className="card-title">
          Kill switch
        </h2>
        {inForce ? <Badge tone="bad">engaged ({humanize(inForce.scope)})</Badge> : <Badge tone="ok">not engaged</Badge>}
      </div>
      {inForce ? <InForce k={inForce} /> : <p className="muted">Work runs normally. Engaging a switch stops new steps at once, kills running plans and holds queued ones.</p>}
      <div className="kill-controls">
        {data.org.canKillProject && (
          <SwitchControl
            label={`project ${project}`}
            engaged={inForce?.scope === 'PROJECT'}
            input={{ scope: 'PROJECT', org, project }}
            onChanged={onChanged}
          />
        )}
        {data.org.canKillOrg && (
          <SwitchControl label={`organization ${org}`} engaged={data.org.killSwitch?.scope === 'ORG'} input={{ scope: 'ORG', org }} onChanged={onChanged} />
        )}
        {instanceAdmin && (
          <SwitchControl label="whole instance" engaged={data.org.killSwitch?.scope === 'GLOBAL'} input={{ scope: 'GLOBAL' }} onChanged={onChanged} />
        )}
      </div>
    </section>
  );
}

function InForce({ k }: { k: KillSwitchInForce }) {
  return (
    <p className="notice tone-bad" role="status">
      <strong>No new step starts</strong> — switch of the {humanize(k.scope)} engaged by {k.engagedBy}
      {k.engagedAt && <> on {formatTime(k.engagedAt)}</>}: {k.reason}
    </p>
  );
}

interface ControlProps {
  label: string;
  engaged: boolean;
  input: Pick<SetKillSwitchInput, 'scope' | 'org' | 'project'>;
  onChanged: () => void;
}

function SwitchControl({ label, engaged, input, onChanged }: ControlProps) {
  const id = useId();
  const [reason, setReason] = useState('');
  const [onRelease, setOnRelease] = useState<ReleaseMode>('RESUME');
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [, setSwitch] = useMutation(SET_KILL_SWITCH);
  const action = useAction();
  const submit = async (engage: boolean) => {
    const res = await action.run(() => setSwitch({ input: { ...input, engaged: engage, reason, onRelease } }));
    setConfirming(false);
    if (res) {
      const n = res.setKillSwitch.plansAffected;
      setDone(`${engage ? 'Engaged' : 'Released'} for the ${label}${n !== null ? `; ${n} plan(s) affected` : ''}.`);
      setReason('');
      onChanged();
    }
  };
  return (
    <div className="kill-control">
      <h3 className="section-title">Switch of the {label}</h3>
      {engaged ? (
        <div className="inline-form">
          <div className="field">
            <label htmlFor={`${id}-mode`}>Held plans on release</label>
            <select id={`${id}-mode`} value={onRelease} onChange={(e) => setOnRelease(e.target.value as ReleaseMode)}>
              <option value="RESUME">resume them</option>
              <option value="CANCEL">cancel them</option>
            </select>
          </div>
          <button type="button" className="btn" disabled={action.busy} onClick={() => void submit(false)}>
            Release
          </button>
        </div>
      ) : (
        <div className="inline-form">
          <div className="field">
            <label htmlFor={`${id}-reason`}>Reason</label>
            <input id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="incident INC-123" />
          </div>
          {confirming ? (
            <>
              <button type="button" className="btn btn-danger" disabled={action.busy || !reason.trim()} onClick={() => void submit(true)}>
                Stop all work in the {label}
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setConfirming(false)}>
                Keep running
              </button>
            </>
          ) : (
            <button type="button" className="btn btn-danger" disabled={!reason.trim()} onClick={() => setConfirming(true)}>
              Engage…
            </button>
          )}
        </div>
      )}
      <ProblemNote problem={action.problem} />
      {done && (
        <p className="muted small" role="status">
          {done}
        </p>
      )}
    </div>
  );
}
