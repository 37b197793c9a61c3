// Tests of the unified diff parser and of the per-file numbering of a version's rendered sources.

import { describe, expect, it } from 'vitest';
import { diffStats, parseUnifiedDiff, renderedLines } from './diff';

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

describe('renderedLines', () => {
  it('numbers each file’s lines from 1, as the server renders a version for its diff', () => {
    const sources = [
      { name: 'org.yaml', text: 'a\nb\n' },
      { name: 'actions.yaml', text: 'c' },
      { name: 'last.yaml', text: 'd\n' },
    ];
    // The rendering: "# --- org.yaml\na\nb\n" + "\n" + "# --- actions.yaml\nc" + "\n" + "# --- last.yaml\nd\n".
    const rendered = sources.map((s) => `# --- ${s.name}\n${s.text}`).join('\n');
    const lines = renderedLines(sources);
    expect(lines).toHaveLength(rendered.split('\n').length - 1);
    expect(lines.map((l) => [l.file, l.line, l.header])).toEqual([
      ['org.yaml', null, true],
      ['org.yaml', 1, false],
      ['org.yaml', 2, false],
      ['org.yaml', null, false],
      ['actions.yaml', null, true],
      ['actions.yaml', 1, false],
      ['last.yaml', null, true],
      ['last.yaml', 1, false],
    ]);
  });

  it('gives nothing for no sources', () => {
    expect(renderedLines([])).toEqual([]);
  });
});
