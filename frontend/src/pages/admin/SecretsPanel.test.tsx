// Tests of the secrets panel: the list shows names and fingerprints, setting a secret sends the
// typed value once and empties the field (the value is nowhere in the page afterwards), a
// VALIDATION error is shown beside the field it names, and deleting takes a second click.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { Provider, type Operation } from 'urql';
import { describe, expect, it } from 'vitest';
import type { Secret } from '../../api/types';
import { mockServer } from '../../test/mockClient';
import { SecretsPanel } from './SecretsPanel';

const alice = { __typename: 'Actor', kind: 'USER', id: 'usr_1', name: 'alice@demo.test' } as const;
const stored: Secret[] = [
  { name: 'llm.api_key', fingerprint: 'hmac:0123456789abcdef', setAt: '2025-03-01T10:00:00Z', setBy: [alice] },
  { name: 'webhook.token', fingerprint: 'hmac:fedcba9876543210', setAt: '2025-03-02T10:00:00Z', setBy: [alice] },
];

function renderPanel(mutate: (op: Operation) => ExecutionResult = () => ({ data: {} })) {
  const mock = mockServer((op) =>
    op.kind === 'query'
      ? { data: { org: { __typename: 'Org', id: 'org_1', secrets: stored.map((s) => ({ __typename: 'Secret', ...s })) } } }
      : mutate(op),
  );
  const view = render(
    <Provider value={mock.client}>
      <SecretsPanel org={{ slug: 'demo' }} />
    </Provider>,
  );
  const mutations = () => mock.operations.filter((op) => op.kind === 'mutation');
  return { ...view, mutations };
}

describe('SecretsPanel', () => {
  it('lists each secret by name and fingerprint, never a value', async () => {
    renderPanel();
    const row = (await screen.findByText('llm.api_key', { selector: 'td code' })).closest('tr')!;
    const cells = within(row).getAllByRole('cell').map((c) => c.textContent);
    expect(cells.slice(0, 2)).toEqual(['llm.api_key', 'hmac:0123456789abcdef']);
    expect(within(row).getByText('hmac:0123456789abcdef').tagName).toBe('CODE');
    expect(cells[3]).toBe('alice@demo.test');
    expect(screen.getAllByRole('row')).toHaveLength(3);
    // The name field suggests the names Praetor reads, then the organization's others.
    expect([...document.querySelectorAll('#secret-names option')].map((o) => o.getAttribute('value'))).toEqual([
      'llm.api_key',
      'actions.signing_secret',
      'webhook.token',
    ]);
  });

  it('sends the typed value, then empties the field and shows only the fingerprint', async () => {
    const { container, mutations } = renderPanel(() => ({
      data: { setSecret: { __typename: 'Secret', ...stored[0]!, fingerprint: 'hmac:aaaabbbbccccdddd' } },
    }));
    await screen.findByText('hmac:0123456789abcdef');
    const value = screen.getByLabelText<HTMLInputElement>('Secret value');
    expect(value.type).toBe('password');
    expect(value.getAttribute('autocomplete')).toBe('off');
    fireEvent.change(screen.getByLabelText('Secret name'), { target: { value: 'llm.api_key' } });
    // Naming an existing secret says that setting it replaces it.
    expect(screen.getByTestId('secret-replace-help').textContent).toContain('llm.api_key is set (fingerprint hmac:0123456789abcdef): setting it replaces');
    fireEvent.change(value, { target: { value: 'sk-live-5ecret' } });
    fireEvent.click(screen.getByRole('button', { name: 'Set secret' }));

    expect((await screen.findByRole('status')).textContent).toBe('Set llm.api_key (fingerprint hmac:aaaabbbbccccdddd)');
    expect(mutations()).toHaveLength(1);
    expect(mutations()[0]!.variables).toEqual({ input: { org: 'demo', name: 'llm.api_key', value: 'sk-live-5ecret' } });
    expect(value.value).toBe('');
    expect(screen.getByLabelText<HTMLInputElement>('Secret name').value).toBe('');
    expect(container.innerHTML).not.toContain('sk-live-5ecret');
  });

  it('shows a VALIDATION error on the name beside the name field, and keeps the value to retry', async () => {
    renderPanel(() => ({
      errors: [new GraphQLError('invalid name: 1 to 64 of a-z, 0-9', { extensions: { code: 'VALIDATION', field: 'name' } })],
    }));
    await screen.findByText('hmac:0123456789abcdef');
    const name = screen.getByLabelText<HTMLInputElement>('Secret name');
    fireEvent.change(name, { target: { value: 'LLM Key' } });
    fireEvent.change(screen.getByLabelText('Secret value'), { target: { value: 'sk-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Set secret' }));

    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    const error = document.getElementById('secret-name-error')!;
    expect(error.textContent).toBe('invalid name: 1 to 64 of a-z, 0-9');
    expect(error.closest('.field')).toBe(name.closest('.field'));
    expect(name.getAttribute('aria-describedby')!.split(' ')).toContain('secret-name-error');
    // Shown once, beside the field: not also as a general alert, and not on the value field.
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByLabelText('Secret value').getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByLabelText<HTMLInputElement>('Secret value').value).toBe('sk-1');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('deletes only after a confirmation that says the value goes', async () => {
    const { mutations } = renderPanel(() => ({ data: { deleteSecret: true } }));
    fireEvent.click(await screen.findByRole('button', { name: 'Delete secret webhook.token' }));
    expect(mutations()).toHaveLength(0);
    const confirm = screen.getByRole('dialog', { name: 'Delete the secret webhook.token?' });
    expect(confirm.textContent).toContain('Its value is deleted for good');
    expect(document.activeElement).toBe(within(confirm).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Delete secret webhook.token' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete secret' }));
    expect((await screen.findByRole('status')).textContent).toBe('Deleted webhook.token');
    expect(mutations().map((op) => op.variables)).toEqual([{ org: 'demo', name: 'webhook.token' }]);
  });
});
