// Tests of the policy page's history and draft panels. History: a version that is not in force
// offers a rollback, which asks first and says what will happen, sends the version's scope and
// number with the comment, then reloads the versions; a version with the documents in force
// offers none; the server's refusal is shown; diffs are numbered within each file. Draft: every
// diagnostic of a validation is listed and marked in the editor, not just the first, and the
// editor is given the project's action names and the organization's group names. Where policy
// changes need a second person's approval, an apply that answers a pending proposal and a
// rollback refused with APPROVAL_REQUIRED say that it waits, as a notice, not as a failure.

import { currentCompletions, startCompletion } from '@codemirror/autocomplete';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { Provider, type Operation } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import type { PolicyVersion } from '../../api/types';
import { editorRoot, viewOf } from '../../test/codemirror';
import { mockServer } from '../../test/mockClient';
import { DraftPanel } from './DraftPanel';
import { HistoryPanel } from './HistoryPanel';

const alice = { __typename: 'Actor', kind: 'USER', id: 'usr_1', name: 'alice@demo.test' } as const;

const V1_TEXT = 'kind: Policy\nspec:\n  rules: []\n';
const V2_TEXT = 'kind: Policy\nspec:\n  rules:\n    - name: a\n';

function version(n: number, text: string, hash: string, diff = ''): PolicyVersion {
  return {
    id: `pv_${n}`,
    scope: 'ORG',
    project: null,
    version: n,
    hash,
    comment: `change ${n}`,
    diff,
    createdAt: `2026-12-0${n}T10:00:00Z`,
    author: [alice],
    sources: [
      { name: 'org.yaml', text },
      { name: 'actions.yaml', text: 'kind: Action\n' },
    ],
  };
}

// The diff of version 2 as the server renders it: each file as `# --- name` and its text.
const DIFF_2 = `--- previous
+++ applied
@@ -1,6 +1,7 @@
 # --- org.yaml
 kind: Policy
 spec:
-  rules: []
+  rules:
+    - name: a
 
 # --- actions.yaml
`;

const VERSIONS = [version(3, V2_TEXT, 'h2'), version(2, V2_TEXT, 'h2', DIFF_2), version(1, V1_TEXT, 'h1')];

const name = (op: Operation) => getOperationAST(op.query)?.name?.value;

function renderHistory(versions: PolicyVersion[], mutate: (op: Operation) => ExecutionResult = () => ({ data: {} }), canWrite = true, onProposed?: () => void) {
  const mock = mockServer((op) =>
    op.kind === 'query'
      ? {
          data: {
            org: { __typename: 'Org', id: 'org_1', policyVersions: { __typename: 'PolicyVersionConnection', nodes: versions.map((v) => ({ __typename: 'PolicyVersion', ...v })) } },
            project: { __typename: 'Project', id: 'prj_1', policyVersions: { __typename: 'PolicyVersionConnection', nodes: [] } },
          },
        }
      : mutate(op),
  );
  const view = render(
    <Provider value={mock.client}>
      <HistoryPanel org="demo" project="web" canWrite={canWrite} onProposed={onProposed} />
    </Provider>,
  );
  return { ...mock, unmount: view.unmount };
}

describe('HistoryPanel', () => {
  it('rolls back to an earlier version after a confirmation that says what happens', async () => {
    const mock = renderHistory([version(2, V2_TEXT, 'h2'), version(1, V1_TEXT, 'h1')], () => ({
      data: { rollbackPolicy: { __typename: 'PolicyVersion', id: 'pv_3', scope: 'ORG', project: null, version: 3 } },
    }));
    const v1 = await screen.findByTestId('policy-version-org-1');
    const v2 = screen.getByTestId('policy-version-org-2');
    expect(within(v2).getByText('in force')).toBeTruthy();
    expect(within(v2).queryByRole('button', { name: /Roll back/ })).toBeNull();
    const queries = () => mock.operations.filter((op) => name(op) === 'PolicyVersions').length;
    const before = queries();

    fireEvent.click(within(v1).getByRole('button', { name: 'Roll back to org@1…' }));
    const confirm = within(v1).getByRole('dialog', { name: 'Roll back to org@1?' });
    expect(confirm.textContent).toContain('The documents of org@1 become the policy in force again, instead of org@2.');
    expect(confirm.textContent).toContain('stored as a new version, org@3; every version stays in the history');
    // Nothing is sent before the confirmation.
    expect(mock.operations.filter((op) => op.kind === 'mutation')).toHaveLength(0);
    fireEvent.change(within(confirm).getByLabelText('Why (optional)'), { target: { value: 'bad rule' } });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Roll back' }));

    expect((await screen.findByRole('status')).textContent).toBe('Rolled back: org@3 has the documents of org@1.');
    const sent = mock.operations.filter((op) => op.kind === 'mutation');
    expect(sent.map((op) => [name(op), op.variables])).toEqual([['RollbackPolicy', { input: { org: 'demo', project: null, version: 1, comment: 'bad rule' } }]]);
    await waitFor(() => expect(queries()).toBeGreaterThan(before));
    expect(within(v1).queryByRole('dialog')).toBeNull();
  });

  it('keeps the versions on Keep, and shows the server’s refusal', async () => {
    renderHistory([version(2, V2_TEXT, 'h2'), version(1, V1_TEXT, 'h1')], () => ({
      errors: [new GraphQLError('version 1 no longer verifies', { extensions: { code: 'VALIDATION' } })],
    }));
    const v1 = await screen.findByTestId('policy-version-org-1');
    fireEvent.click(within(v1).getByRole('button', { name: 'Roll back to org@1…' }));
    fireEvent.click(within(v1).getByRole('button', { name: 'Cancel' }));
    expect(within(v1).queryByRole('dialog')).toBeNull();
    fireEvent.click(within(v1).getByRole('button', { name: 'Roll back to org@1…' }));
    fireEvent.click(within(v1).getByRole('button', { name: 'Roll back' }));
    expect((await within(v1).findByRole('alert')).textContent).toBe('Not rolled back: version 1 no longer verifies VALIDATION');
  });

  it('says a rollback waits for a second person’s approval, as a notice', async () => {
    const onProposed = vi.fn();
    renderHistory(
      [version(2, V2_TEXT, 'h2'), version(1, V1_TEXT, 'h1')],
      () => ({
        errors: [new GraphQLError('This change waits for a second person’s approval (proposal ppr_7).', { extensions: { code: 'APPROVAL_REQUIRED' } })],
      }),
      true,
      onProposed,
    );
    const v1 = await screen.findByTestId('policy-version-org-1');
    fireEvent.click(within(v1).getByRole('button', { name: 'Roll back to org@1…' }));
    fireEvent.click(within(v1).getByRole('button', { name: 'Roll back' }));
    expect((await within(v1).findByRole('status')).textContent).toBe(
      'Waiting for a second person’s approval: This change waits for a second person’s approval (proposal ppr_7).',
    );
    expect(within(v1).queryByRole('alert')).toBeNull();
    expect(onProposed).toHaveBeenCalledTimes(1);
  });

  it('reads the versions again when told (someone approved a proposal elsewhere)', async () => {
    const mock = mockServer(() => ({
      data: {
        org: { __typename: 'Org', id: 'org_1', policyVersions: { __typename: 'PolicyVersionConnection', nodes: [{ __typename: 'PolicyVersion', ...version(1, V1_TEXT, 'h1') }] } },
        project: { __typename: 'Project', id: 'prj_1', policyVersions: { __typename: 'PolicyVersionConnection', nodes: [] } },
      },
    }));
    const queries = () => mock.operations.filter((op) => name(op) === 'PolicyVersions').length;
    const view = render(
      <Provider value={mock.client}>
        <HistoryPanel org="demo" project="web" refreshKey={0} />
      </Provider>,
    );
    await screen.findByTestId('policy-version-org-1');
    const before = queries();
    view.rerender(
      <Provider value={mock.client}>
        <HistoryPanel org="demo" project="web" refreshKey={1} />
      </Provider>,
    );
    await waitFor(() => expect(queries()).toBe(before + 1));
  });

  it('offers no rollback to a version with the documents in force, nor without policy.write', async () => {
    const first = renderHistory(VERSIONS);
    const v2 = await screen.findByTestId('policy-version-org-2');
    expect(within(v2).queryByRole('button', { name: /Roll back/ })).toBeNull();
    expect(v2.textContent).toContain('Same documents as org@3, in force.');
    expect(within(screen.getByTestId('policy-version-org-1')).getByRole('button', { name: 'Roll back to org@1…' })).toBeTruthy();
    first.unmount();
    renderHistory(VERSIONS, undefined, false);
    await screen.findByTestId('policy-version-org-1');
    expect(screen.queryAllByRole('button', { name: /Roll back/ })).toEqual([]);
  });

  it('numbers a diff’s lines within each file and names the file', async () => {
    renderHistory(VERSIONS);
    const v2 = await screen.findByTestId('policy-version-org-2');
    const rows = [...v2.querySelectorAll('tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
    expect(rows).toEqual([
      ['⋯ unchanged lines skipped'],
      ['File org.yaml'],
      ['1', '1', '', 'kind: Policy'],
      ['2', '2', '', 'spec:'],
      ['3', '', '−', 'removed:   rules: []'],
      ['', '3', '+', 'added:   rules:'],
      ['', '4', '+', 'added:     - name: a'],
      ['', '', '', ''],
      ['File actions.yaml'],
    ]);
  });
});

describe('DraftPanel', () => {
  it('lists and marks every diagnostic, and gives the editor action and group names', async () => {
    const diagnostics = [
      { code: 'PV001', severity: 'ERROR', message: 'unknown variant `maybe`', file: 'org.yaml', line: 4, column: 5, path: 'spec.rules[0].effect' },
      { code: 'PV101', severity: 'WARNING', message: 'matches no action', file: 'org.yaml', line: 2, column: 1, path: '' },
      { code: 'PV104', severity: 'WARNING', message: 'unknown group', file: 'actions.yaml', line: 1, column: 1, path: '' },
    ].map((d) => ({ __typename: 'PolicyDiagnostic', ...d }));
    const mock = mockServer((op) => {
      switch (name(op)) {
        case 'PolicyVersions':
          return {
            data: {
              org: { __typename: 'Org', id: 'org_1', policyVersions: { __typename: 'PolicyVersionConnection', nodes: [{ __typename: 'PolicyVersion', ...version(2, V2_TEXT, 'h2') }] } },
              project: { __typename: 'Project', id: 'prj_1', policyVersions: { __typename: 'PolicyVersionConnection', nodes: [] } },
            },
          };
        case 'ProjectActions':
          return {
            data: {
              project: {
                __typename: 'Project',
                id: 'prj_1',
                effectivePolicy: {
                  __typename: 'EffectivePolicy',
                  version: 'org@2',
                  templates: [],
                  actions: [{ __typename: 'ActionInfo', name: 'deploy.service', description: 'Deploys a service', risk: 'HIGH', cost: '1', aliases: [], params: {}, builtin: false }],
                },
              },
            },
          };
        case 'PolicyGroupNames':
          return { data: { org: { __typename: 'Org', id: 'org_1', groups: { __typename: 'GroupConnection', nodes: [{ __typename: 'Group', id: 'grp_1', name: 'sre-leads', description: '' }] } } } };
        case 'ValidatePolicy':
          return { data: { validatePolicy: { __typename: 'PolicyValidation', ok: false, diagnostics } } };
        default:
          return { data: {} };
      }
    });
    const { container } = render(
      <Provider value={mock.client}>
        <DraftPanel org="demo" project="web" canWrite />
      </Provider>,
    );
    const list = await screen.findByTestId('diagnostics');
    await waitFor(() => expect(list.querySelectorAll('li')).toHaveLength(3), { timeout: 3000 });
    expect([...list.querySelectorAll('li')].map((li) => li.querySelector('button')!.textContent)).toEqual(['org.yaml:4:5', 'org.yaml:2:1', 'actions.yaml:1:1']);
    expect(list.textContent).toContain('Invalid: 1 error(s), 2 warning(s), 0 note(s)');
    // The editor shows org.yaml: both of its diagnostics are marked, the other file's not.
    await waitFor(() => expect([...editorRoot(container).querySelectorAll('.cm-diag-line')].map((el) => el.getAttribute('data-diag-line'))).toEqual(['2', '4']));
    // Choosing a diagnostic puts the caret at it.
    fireEvent.click(screen.getByRole('button', { name: 'org.yaml:4:5' }));
    const cm = viewOf(container);
    expect(cm.state.selection.main.head).toBe(V2_TEXT.indexOf('- name'));

    // The names the editor completes came from the server.
    const end = cm.state.doc.length;
    const typed = '      actions: [dep';
    cm.dispatch({ changes: { from: end, insert: typed }, selection: { anchor: end + typed.length }, userEvent: 'input.type' });
    startCompletion(cm);
    await waitFor(() => expect(currentCompletions(cm.state).map((c) => [c.label, c.detail])).toEqual([['deploy.service', 'high risk']]));
  });
});

describe('DraftPanel where changes need a second person', () => {
  it('says an applied draft waits for approval instead of calling it applied', async () => {
    const onProposed = vi.fn();
    const pending = {
      __typename: 'PolicyProposal',
      id: 'ppr_1',
      status: 'PENDING',
      scope: 'ORG',
      project: null,
      comment: 'more rules',
      diff: '',
      createdAt: '2026-12-04T10:00:00Z',
      viewerCanApprove: false,
      viewerCannotApproveReason: 'You cannot approve your own policy change.',
      proposedBy: [alice],
    };
    const mock = mockServer((op) => {
      switch (name(op)) {
        case 'PolicyVersions':
          return {
            data: {
              org: { __typename: 'Org', id: 'org_1', policyVersions: { __typename: 'PolicyVersionConnection', nodes: [{ __typename: 'PolicyVersion', ...version(1, V1_TEXT, 'h1') }] } },
              project: { __typename: 'Project', id: 'prj_1', policyVersions: { __typename: 'PolicyVersionConnection', nodes: [] } },
            },
          };
        case 'ValidatePolicy':
          return { data: { validatePolicy: { __typename: 'PolicyValidation', ok: true, diagnostics: [] } } };
        case 'ApplyPolicy':
          return { data: { applyPolicy: { __typename: 'AppliedPolicy', versions: [], warnings: [], pendingProposal: pending } } };
        default:
          return { data: {} };
      }
    });
    const { container } = render(
      <Provider value={mock.client}>
        <DraftPanel org="demo" project="web" canWrite onProposed={onProposed} />
      </Provider>,
    );
    await waitFor(() => expect(editorRoot(container).querySelector('.cm-content')).toBeTruthy());
    const cm = viewOf(container);
    cm.dispatch({ changes: { from: cm.state.doc.length, insert: '# more\n' } });
    const apply = screen.getByRole('button', { name: 'Apply as new version' }) as HTMLButtonElement;
    await waitFor(() => expect(apply.disabled).toBe(false));
    fireEvent.click(apply);
    const notice = await screen.findByRole('status');
    expect(notice.textContent).toContain('Waiting for a second person’s approval — nothing is in force until someone else with policy.write approves it.');
    expect(notice.className).toContain('tone-warn');
    expect(screen.queryByText(/Applied:|Nothing changed/)).toBeNull();
    expect(onProposed).toHaveBeenCalledTimes(1);
    // The same draft is not proposed twice.
    expect(apply.disabled).toBe(true);
    const applies = mock.operations.filter((op) => name(op) === 'ApplyPolicy');
    expect(applies).toHaveLength(1);
    expect(applies[0]!.variables).toMatchObject({ input: { org: 'demo', project: null, sources: [{ name: 'org.yaml', text: `${V1_TEXT}# more\n` }, { name: 'actions.yaml', text: 'kind: Action\n' }] } });
  });
});
