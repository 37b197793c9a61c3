// Generates form fields from an action's parameter JSON Schema and turns what was typed back
// into parameters. Only the flat object schemas actions use are turned into fields; anything
// richer (nested objects, arrays, unions) becomes a JSON field for that property.

import type { Json } from '../api/types';

export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'json';

export interface Field {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string;
  options: string[];
  defaultValue: Json | undefined;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  maxLength?: number;
}

type Schema = Record<string, unknown>;

function asObject(v: unknown): Schema | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Schema) : null;
}

function fieldOf(name: string, prop: Schema, required: boolean): Field {
  const base: Field = {
    name,
    kind: 'json',
    required,
    description: typeof prop.description === 'string' ? prop.description : '',
    options: [],
    defaultValue: prop.default as Json | undefined,
  };
  if (typeof prop.minimum === 'number') base.minimum = prop.minimum;
  if (typeof prop.maximum === 'number') base.maximum = prop.maximum;
  if (typeof prop.pattern === 'string') base.pattern = prop.pattern;
  if (typeof prop.maxLength === 'number') base.maxLength = prop.maxLength;
  if (Array.isArray(prop.enum) && prop.enum.every((e) => typeof e === 'string')) {
    return { ...base, kind: 'enum', options: prop.enum as string[] };
  }
  switch (prop.type) {
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return { ...base, kind: prop.type };
    default:
      return base;
  }
}

/** The fields of an object schema, required ones first, in declaration order otherwise. */
export function fieldsOf(schema: Json | undefined): Field[] {
  const s = asObject(schema);
  const props = asObject(s?.properties);
  if (!s || !props) return [];
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const fields = Object.entries(props).map(([name, p]) => fieldOf(name, asObject(p) ?? {}, required.has(name)));
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

/** What the inputs start with: defaults, as the text an input holds. */
export function initialValues(fields: Field[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const f of fields) {
    if (f.defaultValue === undefined) values[f.name] = f.kind === 'enum' && f.required ? (f.options[0] ?? '') : '';
    else values[f.name] = typeof f.defaultValue === 'string' ? f.defaultValue : JSON.stringify(f.defaultValue);
  }
  return values;
}

export interface Converted {
  params: Record<string, Json>;
  errors: Record<string, string>;
}

/** Parameters from what was typed; empty optional fields are left out (the server fills defaults). */
export function toParams(fields: Field[], values: Record<string, string>): Converted {
  const params: Record<string, Json> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = (values[f.name] ?? '').trim();
    if (raw === '') {
      if (f.required) errors[f.name] = 'Required';
      continue;
    }
    switch (f.kind) {
      case 'string':
        if (f.pattern && !new RegExp(f.pattern).test(raw)) errors[f.name] = `Must match ${f.pattern}`;
        else if (f.maxLength !== undefined && raw.length > f.maxLength) errors[f.name] = `At most ${f.maxLength} characters`;
        else params[f.name] = raw;
        break;
      case 'enum':
        if (!f.options.includes(raw)) errors[f.name] = `One of ${f.options.join(', ')}`;
        else params[f.name] = raw;
        break;
      case 'boolean':
        if (raw !== 'true' && raw !== 'false') errors[f.name] = 'true or false';
        else params[f.name] = raw === 'true';
        break;
      case 'integer':
      case 'number': {
        const n = Number(raw);
        if (!Number.isFinite(n) || (f.kind === 'integer' && !Number.isInteger(n))) {
          errors[f.name] = f.kind === 'integer' ? 'A whole number' : 'A number';
        } else if (f.minimum !== undefined && n < f.minimum) errors[f.name] = `At least ${f.minimum}`;
        else if (f.maximum !== undefined && n > f.maximum) errors[f.name] = `At most ${f.maximum}`;
        else params[f.name] = n;
        break;
      }
      case 'json':
        try {
          params[f.name] = JSON.parse(raw) as Json;
        } catch {
          // A bare word in a free-form field is most likely meant as a string.
          params[f.name] = raw;
        }
        break;
    }
  }
  return { params, errors };
}

/** Parses a JSON parameters object typed by hand. */
export function parseParamsJson(text: string): { params: Record<string, Json> } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { params: {} };
  try {
    const value = JSON.parse(trimmed) as Json;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'Parameters must be a JSON object' };
    return { params: value as Record<string, Json> };
  } catch (e) {
    return { error: `Not valid JSON: ${(e as Error).message}` };
  }
}
