// Tests of the YAML caret context: the path, key or value, prefix and sibling keys at a caret
// (marked `|` in the texts below) in half-typed block YAML.

import { describe, expect, it } from 'vitest';
import { ITEM, yamlContext } from './yamlContext';

function at(marked: string) {
  const pos = marked.indexOf('|');
  return yamlContext(marked.slice(0, pos) + marked.slice(pos + 1), pos);
}

describe('yamlContext', () => {
  it('reads a half-typed top-level key, with the keys the document already has', () => {
    expect(at('apiVersion: praetor.dev/v1\nkind: Policy\nme|\nspec: {}\n')).toEqual({
      at: 'key',
      path: [],
      prefix: 'me',
      space: false,
      siblings: ['kind', 'apiVersion', 'spec'],
      kind: 'Policy',
    });
  });

  it('follows indentation to the mapping a key belongs to', () => {
    const c = at('kind: Policy\nspec:\n  rules: []\n  bud|\n');
    expect(c).toMatchObject({ at: 'key', path: ['spec'], prefix: 'bud', siblings: ['rules'] });
  });

  it('puts a later key of a sequence item in that item, beside its first key', () => {
    const text = 'spec:\n  rules:\n    - name: a\n      eff|\n    - name: b\n      effect: deny\n';
    expect(at(text)).toMatchObject({ at: 'key', path: ['spec', 'rules', ITEM], prefix: 'eff', siblings: ['name'] });
  });

  it('finds the sequence of an item whose dash sits at its key’s column', () => {
    expect(at('spec:\n  rules:\n  - name: a\n  - na|\n')).toMatchObject({ at: 'item', path: ['spec', 'rules', ITEM], prefix: 'na' });
  });

  it('reads the value of a key, nested in items and mappings', () => {
    const text = 'spec:\n  rules:\n    - name: a\n      approvals:\n        - group: sre|\n';
    expect(at(text)).toMatchObject({ at: 'value', path: ['spec', 'rules', ITEM, 'approvals', ITEM, 'group'], prefix: 'sre', space: false });
    expect(at('spec:\n  rules:\n    - effect:|\n')).toMatchObject({ at: 'value', path: ['spec', 'rules', ITEM, 'effect'], prefix: '', space: true });
  });

  it('reads scalar items of a block sequence and of a flow sequence on the line', () => {
    const block = 'spec:\n  rules:\n    - name: a\n      actions:\n        - deploy.prod\n        - dep|\n';
    expect(at(block)).toMatchObject({ at: 'item', path: ['spec', 'rules', ITEM, 'actions', ITEM], prefix: 'dep' });
    const flow = 'spec:\n  rules:\n    - name: a\n      actions: [deploy.prod, sta|\n';
    expect(at(flow)).toMatchObject({ at: 'value', path: ['spec', 'rules', ITEM, 'actions', ITEM], prefix: 'sta' });
  });

  it('keeps to the caret’s document in a multi-document file', () => {
    const text = 'kind: Action\nmetadata:\n  name: a\n---\nkind: PlanTemplate\nsp|\n';
    expect(at(text)).toMatchObject({ at: 'key', path: [], kind: 'PlanTemplate', siblings: ['kind'] });
  });

  it('leaves comments and document markers alone', () => {
    expect(at('spec:\n  # rul|\n')).toBeNull();
    expect(at('kind: Policy # a no|\n')).toBeNull();
    expect(at('--|-\n')).toBeNull();
  });
});
