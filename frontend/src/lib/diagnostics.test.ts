// Tests of placing policy diagnostics on lines.

import { describe, expect, it } from 'vitest';
import type { PolicyDiagnostic } from '../api/types';
import { byLine, countBySeverity, lineOffset, worstSeverity } from './diagnostics';

const d = (file: string, line: number, severity: string, code = 'PV001'): PolicyDiagnostic => ({
  code,
  severity,
  message: `${severity} at ${line}`,
  file,
  line,
  column: 1,
  path: '',
});

describe('byLine', () => {
  it('groups one file by line with the worst first', () => {
    const list = [d('a.yaml', 3, 'warning'), d('a.yaml', 3, 'error'), d('b.yaml', 3, 'error'), d('a.yaml', 9, 'info')];
    const map = byLine(list, 'a.yaml');
    expect([...map.keys()].sort()).toEqual([3, 9]);
    expect(map.get(3)!.map((x) => x.severity)).toEqual(['error', 'warning']);
    expect(worstSeverity(map.get(3)!)).toBe('error');
    expect(worstSeverity(map.get(9)!)).toBe('info');
  });

  it('counts by severity', () => {
    expect(countBySeverity([d('a', 1, 'error'), d('a', 2, 'warning'), d('a', 2, 'warning'), d('a', 5, 'info')])).toEqual({
      errors: 1,
      warnings: 2,
      infos: 1,
    });
  });
});

describe('lineOffset', () => {
  it('finds where a line starts', () => {
    const text = 'one\ntwo\nthree';
    expect(lineOffset(text, 1)).toBe(0);
    expect(lineOffset(text, 2)).toBe(4);
    expect(lineOffset(text, 3)).toBe(8);
    expect(lineOffset(text, 10)).toBe(text.length);
  });
});
