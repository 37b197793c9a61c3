// Tests of the webhooks panel: endpoints listed with what they receive and how they fare;
// creating one shows its signing secret once, and after "I have stored it" the secret is
// nowhere in the page; a VALIDATION error on the URL (a private address) is shown beside the
// URL field; the delivery log opens to each delivery's attempts and payload, and redelivers;
// "Send test" opens the log with the new delivery; deleting names the URL and takes a second
// click.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { Provider, type Operation } from 'urql';
import { describe, expect, it } from 'vitest';
import type { WebhookDelivery, WebhookEndpoint } from '../../api/types';
import { mockServer } from '../../test/mockClient';
import { WebhooksPanel } from './WebhooksPanel';

const SECRET = 'whsec_c2VjcmV0LW9ubHktc2hvd24tb25jZS0xMjM0NTY3OA==';

const orgWide: WebhookEndpoint = {
  id: 'whe_1',
  url: 'https://hooks.example.com/praetor',
  description: 'on-call pager',
  events: ['plan.failed', 'plan.proposed'],
  projectSlug: null,
  enabled: true,
  disabledReason: null,
  failingSince: null,
  secretFingerprint: 'hmac:0123456789abcdef',
  previousSecretSignsUntil: null,
  createdAt: '2025-03-01T10:00:00Z',
};
const paused: WebhookEndpoint = {
  ...orgWide,
  id: 'whe_2',
  url: 'https://93.184.216.34/hook',
  description: '',
  events: ['killswitch.engaged'],
  projectSlug: 'payments',
  enabled: false,
  disabledReason: 'the endpoint answered 410 Gone',
  secretFingerprint: 'hmac:fedcba9876543210',
};

const delivered: WebhookDelivery = {
  id: 'msg_2aaaaaaaaaaaaaaaaaaaaaaaaa',
  eventType: 'plan.failed',
  status: 'DELIVERED',
  attemptCount: 2,
  nextAttemptAt: null,
  createdAt: '2025-03-02T10:00:00Z',
  finishedAt: '2025-03-02T10:00:06Z',
  payload: '{"type":"plan.failed","timestamp":"2025-03-02T10:00:00Z","data":{"plan":"pln_9"}}',
  attempts: [
    { attemptedAt: '2025-03-02T10:00:00Z', statusCode: null, latencyMs: 15000, response: 'timed out after 15000 ms', succeeded: false },
    { attemptedAt: '2025-03-02T10:00:06Z', statusCode: 204, latencyMs: 83, response: '', succeeded: true },
  ],
};
const testDelivery: WebhookDelivery = {
  ...delivered,
  id: 'msg_3bbbbbbbbbbbbbbbbbbbbbbbbb',
  eventType: 'webhook.test',
  status: 'PENDING',
  attemptCount: 0,
  nextAttemptAt: '2025-03-02T10:05:00Z',
  finishedAt: null,
  payload: '{"type":"webhook.test"}',
  attempts: [],
};

const KINDS = [
  { name: 'plan.proposed', description: 'a plan was proposed and passed its checks' },
  { name: 'plan.failed', description: 'a plan failed' },
  { name: 'killswitch.engaged', description: 'a kill switch was engaged' },
];

const name = (op: Operation) => getOperationAST(op.query)?.name?.value ?? '';
const endpointOf = (e: WebhookEndpoint) => ({ __typename: 'WebhookEndpoint', ...e });
const deliveryOf = (d: WebhookDelivery) => ({
  __typename: 'WebhookDelivery',
  ...d,
  attempts: d.attempts.map((a) => ({ __typename: 'WebhookAttempt', ...a })),
});

function renderPanel(mutate: (op: Operation) => ExecutionResult = () => ({ data: {} }), log: () => WebhookDelivery[] = () => [delivered]) {
  const mock = mockServer((op) => {
    if (name(op) === 'AdminWebhooks') {
      return {
        data: {
          org: {
            __typename: 'Org',
            id: 'org_1',
            webhookEndpoints: [orgWide, paused].map(endpointOf),
            webhookEventKinds: KINDS.map((k) => ({ __typename: 'WebhookEventKind', ...k })),
          },
        },
      };
    }
    if (name(op) === 'WebhookDeliveries') {
      const nodes = log().map(deliveryOf);
      return {
        data: {
          node: {
            __typename: 'WebhookEndpoint',
            id: (op.variables as { id: string }).id,
            deliveries: { __typename: 'WebhookDeliveryConnection', nodes, pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null } },
          },
        },
      };
    }
    return mutate(op);
  });
  const view = render(
    <Provider value={mock.client}>
      <WebhooksPanel org={{ slug: 'demo', projects: { nodes: [{ slug: 'web', name: 'Web' }, { slug: 'payments', name: 'Payments' }] } }} />
    </Provider>,
  );
  const mutations = () => mock.operations.filter((op) => op.kind === 'mutation');
  const queries = (op: string) => mock.operations.filter((o) => o.kind === 'query' && name(o) === op);
  return { ...view, mutations, queries };
}

const endpoint = (url: string) => screen.getByRole('article', { name: url });

describe('WebhooksPanel', () => {
  it('lists each endpoint with its scope, events, state and secret fingerprint', async () => {
    renderPanel();
    const first = await screen.findByRole('article', { name: orgWide.url });
    expect(first.textContent).toContain('whole organization');
    expect(within(first).getByRole('list', { name: 'Events' }).textContent).toBe('plan.failedplan.proposed');
    expect(first.textContent).toContain('hmac:0123456789abcdef');
    expect(within(first).getByText('enabled').className).toContain('tone-ok');
    expect(within(first).getByRole('button', { name: 'Disable' })).toBeTruthy();

    const second = endpoint(paused.url);
    expect(second.textContent).toContain('project payments');
    expect(within(second).getByText('disabled').className).toContain('tone-bad');
    expect(second.textContent).toContain('the endpoint answered 410 Gone');
    expect(within(second).getByRole('button', { name: 'Enable' })).toBeTruthy();
  });

  it('shows a new endpoint’s secret once: gone from the page after “I have stored it”', async () => {
    const created = { ...orgWide, id: 'whe_9', url: 'https://93.184.216.34/hook', events: ['plan.proposed'] };
    const { container, mutations } = renderPanel(() => ({
      data: { createWebhookEndpoint: { __typename: 'WebhookEndpointWithSecret', secret: SECRET, endpoint: endpointOf(created) } },
    }));
    await screen.findByRole('article', { name: orgWide.url });
    fireEvent.change(screen.getByLabelText('Endpoint URL'), { target: { value: ' https://93.184.216.34/hook ' } });
    fireEvent.change(screen.getByLabelText('Events of'), { target: { value: 'web' } });
    fireEvent.click(screen.getByLabelText('plan.proposed'));
    fireEvent.click(screen.getByRole('button', { name: 'Create endpoint' }));

    const box = await screen.findByRole('dialog', { name: 'Signing secret of the new endpoint https://93.184.216.34/hook' });
    expect(within(box).getByTestId('webhook-secret-secret').textContent).toBe(SECRET);
    expect(box.textContent).toContain('Store it now: it will not be shown again');
    // Focus comes to the copy button after the render that shows the box (an effect).
    await waitFor(() => expect(document.activeElement).toBe(within(box).getByRole('button', { name: 'Copy' })));
    expect(mutations().map((op) => op.variables)).toEqual([
      { input: { org: 'demo', project: 'web', url: 'https://93.184.216.34/hook', events: ['plan.proposed'], description: '' } },
    ]);
    // The form is ready for the next endpoint.
    expect(screen.getByLabelText<HTMLInputElement>('Endpoint URL').value).toBe('');

    fireEvent.click(within(box).getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(container.innerHTML).not.toContain(SECRET);
  });

  it('shows a refused URL beside the URL field, and nothing else', async () => {
    const { mutations } = renderPanel(() => ({
      errors: [
        new GraphQLError('127.0.0.1 is a private, loopback or link-local address', { extensions: { code: 'VALIDATION', field: 'url' } }),
      ],
    }));
    await screen.findByRole('article', { name: orgWide.url });
    const url = screen.getByLabelText<HTMLInputElement>('Endpoint URL');
    fireEvent.change(url, { target: { value: 'http://127.0.0.1:9/hook' } });
    fireEvent.click(screen.getByLabelText('plan.failed'));
    fireEvent.click(screen.getByRole('button', { name: 'Create endpoint' }));

    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    const error = document.getElementById('webhook-url-error')!;
    expect(error.textContent).toBe('127.0.0.1 is a private, loopback or link-local address');
    expect(error.closest('.field')).toBe(url.closest('.field'));
    expect(url.getAttribute('aria-describedby')!.split(' ')).toContain('webhook-url-error');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('dialog')).toBeNull();
    // What was typed stays, to be corrected.
    expect(url.value).toBe('http://127.0.0.1:9/hook');
    expect(mutations()).toHaveLength(1);
  });

  it('asks for at least one event kind before sending anything', async () => {
    const { mutations } = renderPanel();
    await screen.findByRole('article', { name: orgWide.url });
    fireEvent.change(screen.getByLabelText('Endpoint URL'), { target: { value: 'https://hooks.example.com/x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create endpoint' }));
    expect(document.getElementById('webhook-events-error')!.textContent).toBe('Choose at least one event kind.');
    expect(mutations()).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Choose all' }));
    expect(document.getElementById('webhook-events-error')).toBeNull();
    expect(screen.getAllByRole('checkbox').every((b) => (b as HTMLInputElement).checked)).toBe(true);
  });

  it('opens the delivery log, expands a delivery to its attempts and payload, and redelivers it', async () => {
    const { mutations, queries } = renderPanel(() => ({ data: { redeliverWebhook: deliveryOf({ ...delivered, status: 'PENDING', attemptCount: 0 }) } }));
    await screen.findByRole('article', { name: orgWide.url });
    expect(queries('WebhookDeliveries')).toHaveLength(0);
    const open = within(endpoint(orgWide.url)).getByRole('button', { name: 'Delivery log' });
    fireEvent.click(open);
    expect(open.getAttribute('aria-expanded')).toBe('true');
    const log = await screen.findByRole('region', { name: `Delivery log of ${orgWide.url}` });
    expect(queries('WebhookDeliveries')[0]!.variables).toEqual({ id: 'whe_1', first: 20, after: null, status: null });

    const item = await within(log).findByTestId(`delivery-${delivered.id}`);
    expect(within(item).getByTestId('delivery-id').textContent).toBe(delivered.id);
    expect(item.textContent).toContain('plan.failed');
    expect(within(item).getByText('delivered').className).toContain('tone-ok');
    expect(item.textContent).toContain('2 attempts');
    expect(within(item).queryByRole('table')).toBeNull();

    const expand = within(item).getByRole('button', { name: 'Attempts and payload' });
    fireEvent.click(expand);
    expect(expand.getAttribute('aria-expanded')).toBe('true');
    const rows = within(within(item).getByRole('table')).getAllByRole('row').slice(1);
    const cells = rows.map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));
    expect(cells[0]!.slice(1)).toEqual(['no answer failed', '15000 ms', 'timed out after 15000 ms']);
    expect(cells[1]!.slice(1)).toEqual(['204 succeeded', '83 ms', '—']);
    expect(item.querySelector('pre.json-block')!.textContent).toBe(JSON.stringify(JSON.parse(delivered.payload), null, 2));

    fireEvent.click(within(item).getByRole('button', { name: `Redeliver ${delivered.id}` }));
    await within(item).findByText('Sending again now, with the same webhook-id.');
    expect(mutations().map((op) => [name(op), op.variables])).toEqual([['RedeliverWebhook', { id: delivered.id }]]);
  });

  it('sends a test and opens the log with the new delivery', async () => {
    let log: WebhookDelivery[] = [delivered];
    const { mutations } = renderPanel(
      () => {
        log = [testDelivery, delivered];
        return { data: { sendTestWebhook: deliveryOf(testDelivery) } };
      },
      () => log,
    );
    await screen.findByRole('article', { name: orgWide.url });
    fireEvent.click(within(endpoint(orgWide.url)).getByRole('button', { name: 'Send test' }));
    expect((await screen.findByTestId('webhook-done')).textContent).toBe(`Test delivery ${testDelivery.id} queued for ${orgWide.url}.`);
    const log$ = await screen.findByRole('region', { name: `Delivery log of ${orgWide.url}` });
    const item = await within(log$).findByTestId(`delivery-${testDelivery.id}`);
    expect(within(item).getByText('pending').className).toContain('tone-warn');
    expect(item.textContent).toContain('0 attempts');
    expect(mutations().map((op) => [name(op), op.variables])).toEqual([['SendTestWebhook', { id: 'whe_1' }]]);
  });

  it('rotates the secret: the new one is shown once, the previous one signs for 24 h more', async () => {
    const until = '2025-03-03T10:00:00Z';
    const { container } = renderPanel(() => ({
      data: {
        rotateWebhookSecret: { __typename: 'WebhookEndpointWithSecret', secret: SECRET, endpoint: endpointOf({ ...orgWide, previousSecretSignsUntil: until }) },
      },
    }));
    await screen.findByRole('article', { name: orgWide.url });
    fireEvent.click(within(endpoint(orgWide.url)).getByRole('button', { name: 'Rotate secret' }));
    const box = await screen.findByRole('dialog', { name: `New signing secret of ${orgWide.url}` });
    expect(box.textContent).toContain('The previous secret keeps signing alongside this one for 24 h');
    expect(box.querySelector('time')!.getAttribute('datetime')).toBe(until);
    fireEvent.click(within(box).getByRole('button', { name: 'I have stored it' }));
    expect(container.innerHTML).not.toContain(SECRET);
  });

  it('disables and enables an endpoint', async () => {
    const { mutations } = renderPanel((op) => {
      const { enabled } = (op.variables as { input: { enabled: boolean } }).input;
      return { data: { updateWebhookEndpoint: endpointOf({ ...orgWide, enabled }) } };
    });
    await screen.findByRole('article', { name: orgWide.url });
    fireEvent.click(within(endpoint(orgWide.url)).getByRole('button', { name: 'Disable' }));
    fireEvent.click(within(endpoint(paused.url)).getByRole('button', { name: 'Enable' }));
    await waitFor(() => expect(mutations()).toHaveLength(2));
    expect(mutations().map((op) => op.variables)).toEqual([{ input: { id: 'whe_1', enabled: false } }, { input: { id: 'whe_2', enabled: true } }]);
  });

  it('shows a refused URL beside the field when editing, too', async () => {
    const { mutations } = renderPanel(() => ({
      errors: [new GraphQLError('`nope` is not a URL', { extensions: { code: 'VALIDATION', field: 'url' } })],
    }));
    await screen.findByRole('article', { name: orgWide.url });
    fireEvent.click(within(endpoint(orgWide.url)).getByRole('button', { name: 'Edit' }));
    const form = screen.getByRole('form', { name: `Edit endpoint ${orgWide.url}` });
    const url = within(form).getByLabelText<HTMLInputElement>('Endpoint URL');
    expect(url.value).toBe(orgWide.url);
    fireEvent.change(url, { target: { value: 'https://hooks.example.com/v2' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save endpoint' }));
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById('edit-whe_1-url-error')!.closest('.field')).toBe(url.closest('.field'));
    expect(mutations()[0]!.variables).toEqual({
      input: { id: 'whe_1', url: 'https://hooks.example.com/v2', description: 'on-call pager', events: ['plan.failed', 'plan.proposed'] },
    });
    // The create form's URL field is not the one marked.
    expect(screen.getByLabelText<HTMLInputElement>('Endpoint URL', { selector: '#webhook-url' }).getAttribute('aria-invalid')).toBeNull();
  });

  it('deletes only after a confirmation that names the URL', async () => {
    const { mutations } = renderPanel(() => ({ data: { deleteWebhookEndpoint: true } }));
    await screen.findByRole('article', { name: orgWide.url });
    fireEvent.click(within(endpoint(paused.url)).getByRole('button', { name: 'Delete…' }));
    const confirm = screen.getByRole('dialog', { name: `Delete the endpoint ${paused.url}?` });
    expect(confirm.textContent).toContain('its delivery log and signing secrets are deleted with it');
    expect(document.activeElement).toBe(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(mutations()).toHaveLength(0);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete endpoint' }));
    expect((await screen.findByTestId('webhook-done')).textContent).toBe(`Deleted the endpoint ${paused.url}.`);
    expect(mutations().map((op) => op.variables)).toEqual([{ id: 'whe_2' }]);
  });
});
