// The plan composer's draft: steps (an action and its typed parameters) or a runbook template
// with arguments, turned into the StepInput list `simulatePlan` / `proposePlan` take.

import type { StepInput } from '../api/generated/graphql';
import type { ActionInfo, Json, TemplateInfo } from '../api/types';
import type { ParamsState } from '../components/ParamsForm';
import { fieldsOf, initialValues, parseParamsJson, toParams, type Field } from './schemaForm';

export interface DraftStep {
  key: number;
  action: string;
  params: ParamsState;
}

export interface Built {
  /** Null while something typed is invalid. */
  params: Record<string, Json> | null;
  fieldErrors: Record<string, string>;
  jsonError: string | null;
}

export function freshParams(fields: Field[]): ParamsState {
  const values = initialValues(fields);
  const { params } = toParams(fields, values);
  return { mode: fields.length === 0 ? 'json' : 'fields', values, json: JSON.stringify(params, null, 2) };
}

/** The parameters a step's inputs describe, in whichever mode it is edited. */
export function buildParams(fields: Field[], state: ParamsState): Built {
  if (state.mode === 'json' || fields.length === 0) {
    const parsed = parseParamsJson(state.json);
    if ('error' in parsed) return { params: null, fieldErrors: {}, jsonError: parsed.error };
    return { params: parsed.params, fieldErrors: {}, jsonError: null };
  }
  const { params, errors } = toParams(fields, state.values);
  return { params: Object.keys(errors).length > 0 ? null : params, fieldErrors: errors, jsonError: null };
}

/** Switches between fields and JSON, carrying over what was typed where it can. */
export function toggleMode(fields: Field[], state: ParamsState): ParamsState {
  if (state.mode === 'fields') {
    const { params } = toParams(fields, state.values);
    return { ...state, mode: 'json', json: JSON.stringify(params, null, 2) };
  }
  const parsed = parseParamsJson(state.json);
  if ('error' in parsed) return state;
  const values = { ...state.values };
  for (const f of fields) {
    const v = parsed.params[f.name];
    values[f.name] = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  }
  return { ...state, mode: 'fields', values };
}

export function actionFields(actions: ActionInfo[], name: string): Field[] {
  return fieldsOf(actions.find((a) => a.name === name)?.params);
}

export function templateFields(templates: TemplateInfo[], name: string): Field[] {
  return fieldsOf(templates.find((t) => t.name === name)?.params);
}

/** All steps as inputs, or null when any step is incomplete. */
export function buildSteps(actions: ActionInfo[], drafts: DraftStep[]): StepInput[] | null {
  const out: StepInput[] = [];
  for (const d of drafts) {
    if (!d.action) return null;
    const built = buildParams(actionFields(actions, d.action), d.params);
    if (!built.params) return null;
    out.push({ action: d.action, params: built.params });
  }
  return out.length > 0 ? out : null;
}

export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return `web-${c.randomUUID()}`;
  return `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
