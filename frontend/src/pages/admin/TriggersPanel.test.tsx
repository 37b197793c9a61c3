// Tests of the inbound triggers panel: triggers listed with their full URL; fixed arguments
// that are not a JSON object are refused beside their field before anything is sent; creating
// one shows its secret once, with the URL and how to sign, gone after "I have stored it"; a
// VALIDATION error is shown beside the field it names; rotating says the old secret stops at
// once and takes a second click, as deleting does.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { Provider, type Operation } from 'urql';
import { describe, expect, it } from 'vitest';
import type { Trigger } from '../../api/types';
import { mockServer } from '../../test/mockClient';
import { TriggersPanel, type TriggersOrg } from './TriggersPanel';

const SECRET = 'whsec_dHJpZ2dlci1zZWNyZXQtc2hvd24tb25jZS0xMjM0NTY=';

const release: Trigger = {
  id: 'trg_1',
  name: 'ci-release',
  path: '/hooks/trg_1',
  projectSlug: 'web',
  template: 'release',
  args: { service: 'web' },
  serviceAccount: 'ci-bot',
  enabled: true,
  secretFingerprint: 'hmac:0123456789abcdef',
  createdAt: '2025-03-01T10:00:00Z',
};

const TEMPLATES = [
  { name: 'release', description: 'Deploy to staging, then to production', params: { type: 'object', required: ['service'] } },
  { name: 'restart', description: 'Restart a service', params: { type: 'object' } },
];

const ORG: TriggersOrg = {
  slug: 'demo',
  projects: { nodes: [{ slug: 'web', name: 'Web' }, { slug: 'payments', name: 'Payments' }] },
  serviceAccounts: { nodes: [{ name: 'ci-bot' }, { name: 'pager' }] },
};

const name = (op: Operation) => getOperationAST(op.query)?.name?.value ?? '';
const triggerOf = (t: Trigger) => ({ __typename: 'Trigger', ...t });

function renderPanel(mutate: (op: Operation) => ExecutionResult = () => ({ data: {} }), org: TriggersOrg = ORG) {
  const mock = mockServer((op) => {
    if (name(op) === 'AdminTriggers') return { data: { org: { __typename: 'Org', id: 'org_1', triggers: [triggerOf(release)] } } };
    if (name(op) === 'ProjectTemplates') {
      return {
        data: {
          project: {
            __typename: 'Project',
            id: 'prj_1',
            effectivePolicy: { __typename: 'EffectivePolicy', version: 'org@1', templates: TEMPLATES.map((t) => ({ __typename: 'TemplateInfo', ...t })) },
          },
        },
      };
    }
    return mutate(op);
  });
  const view = render(
    <Provider value={mock.client}>
      <TriggersPanel org={org} />
    </Provider>,
  );
  const mutations = () => mock.operations.filter((op) => op.kind === 'mutation');
  return { ...view, mutations };
}

const fillForm = () => {
  fireEvent.change(screen.getByLabelText('Trigger name'), { target: { value: 'deploy-bot' } });
  fireEvent.change(screen.getByLabelText('Plan template'), { target: { value: 'release' } });
  fireEvent.change(screen.getByLabelText('Proposes as'), { target: { value: 'pager' } });
};

describe('TriggersPanel', () => {
  it('lists each trigger with its full URL, project, template and service account', async () => {
    renderPanel();
    const item = await screen.findByRole('article', { name: 'ci-release' });
    expect(item.textContent).toContain(`${window.location.origin}/hooks/trg_1`);
    const facts = [...item.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]);
    expect(facts).toEqual([
      ['Project', 'web'],
      ['Template', 'release'],
      ['Proposes as', 'ci-bot'],
      ['Secret', 'hmac:0123456789abcdef'],
      ['Created', expect.any(String)],
      ['Fixed arguments', '{"service":"web"}'],
    ]);
    expect(within(item).getByText('enabled').className).toContain('tone-ok');
  });

  it('checks the fixed arguments are a JSON object before sending anything', async () => {
    const { mutations } = renderPanel();
    await screen.findByRole('article', { name: 'ci-release' });
    await screen.findByRole('option', { name: 'release' });
    fillForm();
    const args = screen.getByLabelText<HTMLTextAreaElement>('Fixed arguments (JSON object)');
    const error = () => document.getElementById('trigger-args-error')?.textContent;

    fireEvent.change(args, { target: { value: '{"service": web}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create trigger' }));
    expect(error()).toMatch(/^not valid JSON: /);
    expect(args.getAttribute('aria-invalid')).toBe('true');
    expect(args.getAttribute('aria-describedby')!.split(' ')).toContain('trigger-args-error');
    expect(document.getElementById('trigger-args-error')!.closest('.field')).toBe(args.closest('.field'));

    fireEvent.change(args, { target: { value: '["web"]' } });
    expect(error()).toBe('must be a JSON object, like {"service": "web"}');
    fireEvent.click(screen.getByRole('button', { name: 'Create trigger' }));
    expect(mutations()).toHaveLength(0);

    fireEvent.change(args, { target: { value: '{"service": "web"}' } });
    expect(error()).toBeUndefined();
    expect(args.getAttribute('aria-invalid')).toBeNull();
  });

  it('shows the new trigger’s secret once, with its URL and how to sign; gone after “I have stored it”', async () => {
    const created: Trigger = { ...release, id: 'trg_9', name: 'deploy-bot', path: '/hooks/trg_9', serviceAccount: 'pager', args: { version: 3 } };
    const { container, mutations } = renderPanel(() => ({
      data: { createTrigger: { __typename: 'TriggerWithSecret', secret: SECRET, trigger: triggerOf(created) } },
    }));
    await screen.findByRole('option', { name: 'release' });
    fillForm();
    // The chosen template's description and parameters help write the arguments.
    expect(document.getElementById('trigger-template-hint')!.textContent).toBe('Deploy to staging, then to production');
    expect(screen.getByText('Parameters of release')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Fixed arguments (JSON object)'), { target: { value: '{"version": 3}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create trigger' }));

    const box = await screen.findByRole('dialog', { name: 'Secret of the new trigger deploy-bot' });
    expect(within(box).getByTestId('trigger-secret-secret').textContent).toBe(SECRET);
    expect(box.textContent).toContain('Store it now: it will not be shown again');
    const url = `${window.location.origin}/hooks/trg_9`;
    expect(within(box).getByTestId('trigger-url').textContent).toBe(url);
    const example = within(box).getByLabelText(/^Example: sign and send a request/).textContent!;
    expect(example).toContain(`curl -X POST '${url}'`);
    expect(example).toContain('-H "webhook-signature: v1,$sig"');
    // The example reads the secret from the environment: it is shown in the box only.
    expect(example).not.toContain(SECRET);
    expect(mutations().map((op) => op.variables)).toEqual([
      { input: { org: 'demo', project: 'web', name: 'deploy-bot', template: 'release', args: { version: 3 }, serviceAccount: 'pager' } },
    ]);

    fireEvent.click(within(box).getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(container.innerHTML).not.toContain(SECRET);
  });

  it('shows a VALIDATION error beside the field it names', async () => {
    renderPanel(() => ({
      errors: [new GraphQLError('project web has no plan template named `release`', { extensions: { code: 'VALIDATION', field: 'template' } })],
    }));
    await screen.findByRole('option', { name: 'release' });
    fillForm();
    fireEvent.click(screen.getByRole('button', { name: 'Create trigger' }));
    const template = screen.getByLabelText('Plan template');
    await waitFor(() => expect(template.getAttribute('aria-invalid')).toBe('true'));
    const error = document.getElementById('trigger-template-error')!;
    expect(error.textContent).toBe('project web has no plan template named `release`');
    expect(error.closest('.field')).toBe(template.closest('.field'));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('needs a service account to propose as', async () => {
    renderPanel(undefined, { ...ORG, serviceAccounts: { nodes: [] } });
    await screen.findByRole('article', { name: 'ci-release' });
    expect((screen.getByRole('button', { name: 'Create trigger' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('link', { name: 'create one' }).getAttribute('href')).toBe('#service-accounts');
  });

  it('rotates the secret after a confirmation that the old one stops at once, and shows the new one once', async () => {
    const { container, mutations } = renderPanel(() => ({
      data: { rotateTriggerSecret: { __typename: 'TriggerWithSecret', secret: SECRET, trigger: triggerOf(release) } },
    }));
    const item = await screen.findByRole('article', { name: 'ci-release' });
    fireEvent.click(within(item).getByRole('button', { name: 'Rotate secret…' }));
    const confirm = screen.getByRole('dialog', { name: 'Rotate the secret of trigger ci-release?' });
    expect(confirm.textContent).toContain('The current secret stops working at once');
    expect(document.activeElement).toBe(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(mutations()).toHaveLength(0);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Rotate secret' }));

    const box = await screen.findByRole('dialog', { name: 'New secret of the trigger ci-release' });
    expect(box.textContent).toContain('The previous secret stopped working now');
    expect(within(box).getByTestId('trigger-secret-secret').textContent).toBe(SECRET);
    expect(mutations().map((op) => [name(op), op.variables])).toEqual([['RotateTriggerSecret', { id: 'trg_1' }]]);
    fireEvent.click(within(box).getByRole('button', { name: 'I have stored it' }));
    expect(container.innerHTML).not.toContain(SECRET);
  });

  it('disables, and deletes only after a confirmation that names the trigger', async () => {
    const { mutations } = renderPanel((op) =>
      name(op) === 'SetTriggerEnabled' ? { data: { setTriggerEnabled: triggerOf({ ...release, enabled: false }) } } : { data: { deleteTrigger: true } },
    );
    const item = await screen.findByRole('article', { name: 'ci-release' });
    fireEvent.click(within(item).getByRole('button', { name: 'Disable' }));
    expect((await screen.findByTestId('trigger-done')).textContent).toBe('Disabled the trigger ci-release.');

    fireEvent.click(within(item).getByRole('button', { name: 'Delete…' }));
    const confirm = screen.getByRole('dialog', { name: 'Delete the trigger ci-release?' });
    expect(confirm.textContent).toContain(`Requests to ${window.location.origin}/hooks/trg_1 are refused from now on.`);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete trigger' }));
    await waitFor(() => expect(screen.getByTestId('trigger-done').textContent).toBe('Deleted the trigger ci-release.'));
    expect(mutations().map((op) => [name(op), op.variables])).toEqual([
      ['SetTriggerEnabled', { id: 'trg_1', enabled: false }],
      ['DeleteTrigger', { id: 'trg_1' }],
    ]);
  });
});
