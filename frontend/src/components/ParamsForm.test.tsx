// Tests of the generated parameter form and its JSON mode.

import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { buildParams, freshParams, toggleMode } from '../lib/composer';
import { fieldsOf } from '../lib/schemaForm';
import { ParamsForm, type ParamsState } from './ParamsForm';

const schema = {
  type: 'object',
  required: ['service'],
  properties: {
    service: { type: 'string', enum: ['web', 'api'] },
    replicas: { type: 'integer', minimum: 1, maximum: 50, description: 'How many' },
  },
};

function Harness({ onState }: { onState: (s: ParamsState) => void }) {
  const fields = fieldsOf(schema);
  const [state, setState] = useState(() => freshParams(fields));
  const built = buildParams(fields, state);
  onState(state);
  return (
    <ParamsForm
      fields={fields}
      state={state}
      errors={built.fieldErrors}
      jsonError={built.jsonError}
      onChange={setState}
      onToggleMode={() => setState(toggleMode(fields, state))}
    />
  );
}

describe('ParamsForm', () => {
  it('generates labelled inputs and shows field errors next to them', () => {
    let last: ParamsState | null = null;
    render(<Harness onState={(s) => (last = s)} />);
    const replicas = screen.getByLabelText('replicas') as HTMLInputElement;
    expect(replicas.type).toBe('number');
    expect(screen.getByText('How many')).toBeTruthy();
    fireEvent.change(replicas, { target: { value: '99' } });
    expect(screen.getByText('At most 50')).toBeTruthy();
    expect(replicas.getAttribute('aria-invalid')).toBe('true');
    expect(last!.values.replicas).toBe('99');
  });

  it('switches to JSON and back keeping the values', () => {
    render(<Harness onState={() => undefined} />);
    fireEvent.change(screen.getByLabelText(/service/), { target: { value: 'api' } });
    fireEvent.click(screen.getByRole('button', { name: 'Edit as JSON' }));
    const json = screen.getByLabelText('Parameters (JSON object)') as HTMLTextAreaElement;
    expect(JSON.parse(json.value)).toEqual({ service: 'api' });
    fireEvent.change(json, { target: { value: '{"service":"web","replicas":3}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Edit as fields' }));
    expect((screen.getByLabelText('replicas') as HTMLInputElement).value).toBe('3');
  });
});
