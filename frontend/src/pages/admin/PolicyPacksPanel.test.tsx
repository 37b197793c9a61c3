// Tests of the policy packs panel: each pack with the organization's subscription; a
// follower's next version with when it takes effect, its notes and the rules it changes, and
// its impact on a project asked for on demand; subscribing, pinning and unsubscribing send the
// organization, the pack and the version; without `policy.write` nothing can be changed.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Provider, type Operation } from 'urql';
import { describe, expect, it } from 'vitest';
import { mockClient } from '../../test/mockClient';
import { PolicyPacksPanel } from './PolicyPacksPanel';

const pending = {
  __typename: 'PolicyPackVersion',
  id: 'ppv_2',
  version: 2,
  effectiveAt: '2026-12-05T09:00:00Z',
  notes: 'staging too',
  changes: [{ __typename: 'PolicyChange', kind: 'changed', policy: 'guarded-keys', rule: 'guarded', actions: ['state.set'] }],
};

const packs = [
  {
    __typename: 'PolicyPack',
    id: 'ppk_1',
    name: 'baseline',
    title: 'Baseline',
    description: 'What every organization keeps',
    publisher: 'INSTANCE',
    latestVersion: 2,
    subscription: { __typename: 'PolicyPackSubscription', followsLatest: true, pinnedVersion: null, versionInForce: 1, pending },
  },
  {
    __typename: 'PolicyPack',
    id: 'ppk_2',
    name: 'holding/house-rules',
    title: 'House rules',
    description: '',
    publisher: 'holding',
    latestVersion: 3,
    subscription: null,
  },
];

function answer(op: Operation) {
  const name = op.query.definitions.map((d) => ('name' in d && d.name ? d.name.value : '')).join('');
  if (name === 'PolicyPacks') return { org: { __typename: 'Org', id: 'org_1', policyPacks: packs } };
  if (name === 'PolicyPackImpact') {
    return {
      org: {
        __typename: 'Org',
        id: 'org_1',
        policyPack: {
          __typename: 'PolicyPack',
          id: 'ppk_1',
          version: {
            __typename: 'PolicyPackVersion',
            id: 'ppv_2',
            impact: { __typename: 'PolicyImpact', decisionsChecked: 40, newlyDenied: 3, newlyAllowed: 0, newlyNeedingApproval: 1, unchanged: 36 },
          },
        },
      },
    };
  }
  if (name === 'SubscribePolicyPack') {
    const v = op.variables as { input: { version: number | null } };
    return {
      subscribePolicyPack: {
        __typename: 'PolicyPackSubscription',
        followsLatest: v.input.version === null,
        pinnedVersion: v.input.version,
        versionInForce: v.input.version ?? 3,
      },
    };
  }
  return { unsubscribePolicyPack: true };
}

const org = (policyWrite: boolean) => ({
  slug: 'acme',
  policyWrite,
  projects: { nodes: [{ id: 'prj_1', slug: 'web', name: 'Web', description: '' }] },
});

function renderPanel(policyWrite = true) {
  const mock = mockClient(answer);
  render(
    <Provider value={mock.client}>
      <PolicyPacksPanel org={org(policyWrite)} />
    </Provider>,
  );
  const mutations = () => mock.operations.filter((op) => op.kind === 'mutation');
  return { mutations };
}

describe('PolicyPacksPanel', () => {
  it('shows the version a follower has in force and the next one before it takes effect', async () => {
    renderPanel();
    const baseline = await screen.findByTestId('pack-baseline');
    expect(baseline.textContent).toContain('Following the latest version; version 1 in force.');
    expect(baseline.textContent).toContain('the instance’s administrators');
    const next = within(baseline).getByTestId('pending-baseline');
    expect(next.textContent).toContain('Version 2 takes effect here at');
    expect(next.textContent).toContain('Notes: staging too');
    expect(next.textContent).toContain('rule guarded of guarded-keys (state.set)');
    fireEvent.click(within(next).getByRole('button', { name: 'Show impact' }));
    const impact = await screen.findByTestId('impact-baseline');
    expect(impact.textContent).toBe(
      'Of the last 40 recorded decisions in web: 3 would be denied, 1 would need approval, 0 would be allowed, 36 unchanged.',
    );
    const other = screen.getByTestId('pack-holding/house-rules');
    expect(other.textContent).toContain('not subscribed');
    expect(within(other).queryByTestId('pending-holding/house-rules')).toBeNull();
  });

  it('subscribes following the latest, pins a version and unsubscribes', async () => {
    const { mutations } = renderPanel();
    const other = await screen.findByTestId('pack-holding/house-rules');
    fireEvent.click(within(other).getByRole('button', { name: 'Subscribe, following the latest version' }));
    await screen.findByText('holding/house-rules: following the latest version, version 3 in force');
    expect(mutations()[0]!.variables).toEqual({ input: { org: 'acme', pack: 'ppk_2', version: null } });

    const baseline = screen.getByTestId('pack-baseline');
    fireEvent.change(within(baseline).getByLabelText('Version to pin baseline to'), { target: { value: '1' } });
    fireEvent.click(within(baseline).getByRole('button', { name: 'Pin' }));
    await screen.findByText('baseline: pinned to version 1');
    expect(mutations()[1]!.variables).toEqual({ input: { org: 'acme', pack: 'ppk_1', version: 1 } });

    fireEvent.click(within(baseline).getByRole('button', { name: 'Unsubscribe from baseline' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Unsubscribe' }));
    await screen.findByText('baseline: unsubscribed');
    await waitFor(() => expect(mutations()[2]!.variables).toEqual({ org: 'acme', pack: 'ppk_1' }));
  });

  it('offers no change without policy.write', async () => {
    renderPanel(false);
    const baseline = await screen.findByTestId('pack-baseline');
    expect(within(baseline).queryByRole('button', { name: 'Pin' })).toBeNull();
    expect(within(baseline).queryByRole('button', { name: /Unsubscribe/ })).toBeNull();
    // The impact of what is coming can still be looked at.
    expect(within(baseline).getByRole('button', { name: 'Show impact' })).toBeTruthy();
  });
});
