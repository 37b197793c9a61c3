// Tests of the policy schema reader over the real policies/schema/document.schema.json: keys by
// path and kind, values of enums and tags, descriptions, and the fields that name actions and
// groups (each of which must exist in the schema, so a renamed field fails here).

import { describe, expect, it } from 'vitest';
import { describeAt, keysAt, NAME_FIELDS, nameSourceAt, nodesAt, valuesAt } from './policySchema';
import { ITEM } from './yamlContext';

const names = (keys: { name: string }[]) => keys.map((k) => k.name);

describe('policy schema', () => {
  it('lists a document’s top-level keys, required first', () => {
    expect(names(keysAt([], 'Policy'))).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(keysAt([], 'Policy').find((k) => k.name === 'apiVersion')).toEqual({
      name: 'apiVersion',
      description: 'Always `praetor.dev/v1`.',
      type: 'string',
      required: true,
    });
  });

  it('chooses the spec by the document’s kind', () => {
    expect(names(keysAt(['spec'], 'Policy'))).toContain('rules');
    expect(names(keysAt(['spec'], 'Policy'))).not.toContain('handler');
    expect(names(keysAt(['spec'], 'Action'))).toEqual(['handler', 'aliases', 'compensation', 'cost', 'description', 'params', 'retry', 'risk', 'timeoutSeconds', 'title']);
    // No kind yet: every kind's keys are offered.
    expect(names(keysAt(['spec'], null))).toEqual(expect.arrayContaining(['rules', 'handler', 'steps']));
  });

  it('goes through sequences, references and nullable alternatives', () => {
    expect(names(keysAt(['spec', 'rules', ITEM], 'Policy'))).toEqual(['actions', 'effect', 'name', 'approvals', 'description', 'reason', 'when']);
    expect(names(keysAt(['spec', 'budget'], 'Policy'))).toEqual(['daily', 'alertAt', 'timezone', 'unit']);
    expect(keysAt(['spec', 'nope'], 'Policy')).toEqual([]);
  });

  it('offers enum values, tagged constants with their descriptions, and booleans', () => {
    expect(valuesAt(['spec', 'rules', ITEM, 'effect'], 'Policy').map((v) => v.value)).toEqual(['allow', 'require_approval', 'deny']);
    expect(valuesAt(['spec', 'limits', ITEM, 'scope'], 'Policy')).toContainEqual({ value: 'principal', description: 'Each principal separately.' });
    expect(valuesAt(['spec', 'rules', ITEM, 'approvals', ITEM, 'allowEarlierApprovers'], 'Policy').map((v) => v.value)).toEqual(['true', 'false']);
    expect(valuesAt(['kind'], 'Policy').map((v) => v.value)).toEqual(['Policy', 'Action', 'PlanTemplate']);
  });

  it('knows which values name actions and groups', () => {
    expect(nameSourceAt(['spec', 'rules', ITEM, 'actions', ITEM], 'Policy')).toBe('action');
    expect(nameSourceAt(['spec', 'windows', ITEM, 'actions', ITEM], 'Policy')).toBe('action');
    expect(nameSourceAt(['spec', 'steps', ITEM, 'action'], 'PlanTemplate')).toBe('action');
    expect(nameSourceAt(['spec', 'rules', ITEM, 'approvals', ITEM, 'group'], 'Policy')).toBe('group');
    expect(nameSourceAt(['spec', 'rules', ITEM, 'approvals', ITEM, 'anyOf', ITEM], 'Policy')).toBe('group');
    // The list itself, and other strings, name nothing.
    expect(nameSourceAt(['spec', 'rules', ITEM, 'actions'], 'Policy')).toBeNull();
    expect(nameSourceAt(['spec', 'rules', ITEM, 'name'], 'Policy')).toBeNull();
  });

  it('has every field the name table lists', () => {
    for (const field of Object.keys(NAME_FIELDS)) {
      const [def, prop] = field.split('.') as [string, string];
      const found = ['Policy', 'Action', 'PlanTemplate'].some((kind) => findField(kind, def, prop));
      expect(found, field).toBe(true);
    }
  });

  it('describes a key for the hover', () => {
    expect(describeAt(['spec', 'rules', ITEM, 'when'], 'Policy')).toEqual({
      type: 'string',
      description: 'A CEL condition over `params`, `state`, `principal`, `plan`, `now` and `usage`.',
    });
    expect(describeAt(['spec', 'rules'], 'Policy')).toEqual({ type: 'list of Rule', description: null });
    expect(describeAt(['spec', 'adaptiveBudget', 'apply'], 'Policy')?.description).toMatch(/^`manual` \(the default\)/);
    expect(describeAt(['spec', 'nope'], 'Policy')).toBeNull();
  });
});

/** Whether some path of a document of `kind` reaches `def.prop` (searched breadth-first, shallow). */
function findField(kind: string, def: string, prop: string): boolean {
  let frontier: string[][] = [[]];
  for (let depth = 0; depth < 8; depth++) {
    const next: string[][] = [];
    for (const path of frontier) {
      for (const n of nodesAt(path, kind)) {
        if (n.def === def && n.schema.properties?.[prop]) return true;
        for (const key of Object.keys(n.schema.properties ?? {})) next.push([...path, key]);
        if (n.schema.items) next.push([...path, ITEM]);
      }
    }
    frontier = next;
  }
  return false;
}
