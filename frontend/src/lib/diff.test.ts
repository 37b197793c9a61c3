// Tests of the unified diff parser.

import { describe, expect, it } from 'vitest';
import { diffStats, parseUnifiedDiff } from './diff';

const DIFF = `--- org@1
+++ org@2
@@ -3,3 +3,4 @@
 rules:
-  - name: old
+  - name: new
+    effect: deny
 limits: []
`;

describe('parseUnifiedDiff', () => {
  it('numbers old and new lines from the hunk header', () => {
    const lines = parseUnifiedDiff(DIFF);
    expect(lines.map((l) => [l.kind, l.oldLine, l.newLine, l.text])).toEqual([
      ['meta', null, null, '--- org@1'],
      ['meta', null, null, '+++ org@2'],
      ['hunk', null, null, '@@ -3,3 +3,4 @@'],
      ['ctx', 3, 3, 'rules:'],
      ['del', 4, null, '  - name: old'],
      ['add', null, 4, '  - name: new'],
      ['add', null, 5, '    effect: deny'],
      ['ctx', 5, 6, 'limits: []'],
    ]);
    expect(diffStats(lines)).toEqual({ added: 2, removed: 1 });
  });

  it('gives nothing for an empty diff', () => {
    expect(parseUnifiedDiff('')).toEqual([]);
  });
});
