// Tests of placing policy diagnostics on lines.

import { describe, expect, it } from 'vitest';
import type { PolicyDiagnostic, Severity } from '../api/types';
import { byLine, countBySeverity, lineOffset, worstSeverity } from './diagnostics';

const d = (file: string, line: number, severity: Severity, code = 'PV001'): PolicyDiagnostic => ({
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
    const list = [d('a.yaml', 3, 'WARNING'), d('a.yaml', 3, 'ERROR'), d('b.yaml', 3, 'ERROR'), d('a.yaml', 9, 'INFO')];
    const map = byLine(list, 'a.yaml');
    expect([...map.keys()].sort()).toEqual([3, 9]);
    expect(map.get(3)!.map((x) => x.severity)).toEqual(['ERROR', 'WARNING']);
    expect(worstSeverity(map.get(3)!)).toBe('ERROR');
    expect(worstSeverity(map.get(9)!)).toBe('INFO');
  });

  it('counts by severity', () => {
    expect(countBySeverity([d('a', 1, 'ERROR'), d('a', 2, 'WARNING'), d('a', 2, 'WARNING'), d('a', 5, 'INFO')])).toEqual({
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
