// Parameter inputs generated from an action's JSON Schema, with a switch to edit the
// parameters as raw JSON instead. Controlled: the parent owns the typed values.

import { useId } from 'react';
import type { Field } from '../lib/schemaForm';

export interface ParamsState {
  mode: 'fields' | 'json';
  values: Record<string, string>;
  json: string;
}

interface Props {
  fields: Field[];
  state: ParamsState;
  errors: Record<string, string>;
  jsonError: string | null;
  onChange: (next: ParamsState) => void;
  onToggleMode: () => void;
}

export function ParamsForm({ fields, state, errors, jsonError, onChange, onToggleMode }: Props) {
  const id = useId();
  const set = (name: string, value: string) => onChange({ ...state, values: { ...state.values, [name]: value } });
  return (
    <fieldset className="params">
      <legend>Parameters</legend>
      <div className="params-mode">
        <button type="button" className="btn btn-link" onClick={onToggleMode} aria-pressed={state.mode === 'json'}>
          {state.mode === 'json' ? 'Edit as fields' : 'Edit as JSON'}
        </button>
      </div>
      {state.mode === 'json' || fields.length === 0 ? (
        <div className="field">
          <label htmlFor={`${id}-json`}>Parameters (JSON object)</label>
          <textarea
            id={`${id}-json`}
            className="mono"
            rows={5}
            spellCheck={false}
            value={state.json}
            aria-invalid={jsonError ? true : undefined}
            aria-describedby={jsonError ? `${id}-json-error` : undefined}
            onChange={(e) => onChange({ ...state, mode: 'json', json: e.target.value })}
          />
          {jsonError && (
            <span className="field-error" id={`${id}-json-error`}>
              {jsonError}
            </span>
          )}
        </div>
      ) : (
        <div className="field-grid">
          {fields.map((f) => {
            const inputId = `${id}-${f.name}`;
            const err = errors[f.name];
            const described = [f.description ? `${inputId}-hint` : '', err ? `${inputId}-error` : ''].filter(Boolean).join(' ') || undefined;
            const common = {
              id: inputId,
              name: f.name,
              'aria-invalid': err ? true : undefined,
              'aria-describedby': described,
              required: f.required,
            };
            return (
              <div className="field" key={f.name}>
                <label htmlFor={inputId}>
                  {f.name}
                  {f.required && <span aria-hidden="true"> *</span>}
                </label>
                {f.kind === 'enum' ? (
                  <select {...common} value={state.values[f.name] ?? ''} onChange={(e) => set(f.name, e.target.value)}>
                    {!f.required && <option value="">(default)</option>}
                    {f.options.map((o) => (
                      <option key={o} value={o}>
                        {o}
                      </option>
                    ))}
                  </select>
                ) : f.kind === 'boolean' ? (
                  <select {...common} value={state.values[f.name] ?? ''} onChange={(e) => set(f.name, e.target.value)}>
                    {!f.required && <option value="">(default)</option>}
                    {f.required && !state.values[f.name] && <option value="">choose…</option>}
                    <option value="true">true</option>
                    <option value="false">false</option>
                  </select>
                ) : (
                  <input
                    {...common}
                    type={f.kind === 'integer' || f.kind === 'number' ? 'number' : 'text'}
                    step={f.kind === 'integer' ? 1 : undefined}
                    min={f.minimum}
                    max={f.maximum}
                    className={f.kind === 'json' ? 'mono' : undefined}
                    placeholder={f.kind === 'json' ? 'JSON value' : f.defaultValue !== undefined ? String(f.defaultValue) : undefined}
                    value={state.values[f.name] ?? ''}
                    onChange={(e) => set(f.name, e.target.value)}
                  />
                )}
                {f.description && (
                  <span className="hint" id={`${inputId}-hint`}>
                    {f.description}
                  </span>
                )}
                {err && (
                  <span className="field-error" id={`${inputId}-error`}>
                    {err}
                  </span>
                )}
              </div>
            );
          })}
        </div>
      )}
    </fieldset>
  );
}
