// Policy of a project: what is in force (rules with their origin, actions, runbooks,
// governance limits), a draft editor that validates as you type and applies new versions,
// and the version history with diffs, rollback and the impact of a change. Above them, changes
// that wait for a second person's approval, on every tab.

import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useRefreshOnActivity } from '../../hooks/useActivityRefresh';
import { kindIn } from '../../lib/refresh';
import { useSession, useWorkspace } from '../../session';
import { DraftPanel } from './DraftPanel';
import { EffectivePanel } from './EffectivePanel';
import { HistoryPanel } from './HistoryPanel';
import { ProposalsPanel } from './ProposalsPanel';

// Proposals are made, approved, rejected and withdrawn as policy entries in the audit stream.
const POLICY_EVENTS = kindIn('policy.');

const TABS = [
  { id: 'current', label: 'In force' },
  { id: 'draft', label: 'Draft editor' },
  { id: 'history', label: 'History' },
] as const;

export function PolicyPage() {
  const { org = '', project = '' } = useParams();
  const { rights } = useWorkspace();
  const { viewer } = useSession();
  const [search] = useSearchParams();
  // Bumped when the proposals may have changed (here, or by someone else), and with them the
  // versions (an approval stores them). The draft is not read again: that would drop its edits.
  const [proposals, setProposals] = useState(0);
  const proposalsChanged = () => setProposals((n) => n + 1);
  useRefreshOnActivity(POLICY_EVENTS, proposalsChanged);
  const tab = TABS.find((t) => t.id === search.get('tab'))?.id ?? 'current';
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Policy</h1>
          <p className="muted">
            Rules, limits and approvals that decide every plan in <strong>{project}</strong>. Lower levels may only tighten higher ones.
          </p>
        </div>
      </div>
      {rights.policyRead && <ProposalsPanel org={org} project={project} viewerId={viewer.id} refreshKey={proposals} />}
      <nav className="tabs" aria-label="Policy views">
        {TABS.map((t) => (
          <Link key={t.id} to={`?tab=${t.id}`} aria-current={tab === t.id ? 'page' : undefined} className={tab === t.id ? 'tab active' : 'tab'}>
            {t.label}
          </Link>
        ))}
      </nav>
      {tab === 'current' && <EffectivePanel org={org} project={project} />}
      {tab === 'draft' && <DraftPanel org={org} project={project} canWrite={rights.policyWrite} onProposed={proposalsChanged} />}
      {tab === 'history' && <HistoryPanel org={org} project={project} canWrite={rights.policyWrite} onProposed={proposalsChanged} refreshKey={proposals} />}
    </div>
  );
}
