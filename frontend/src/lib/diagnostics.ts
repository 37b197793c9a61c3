// Policy diagnostics in an editor: which lines of which file carry findings, the worst
// severity per line, and where a line starts so the caret can jump to it.

import type { PolicyDiagnostic, Severity } from '../api/types';

const RANK: Record<Severity, number> = { ERROR: 3, WARNING: 2, INFO: 1 };

export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** Diagnostics of one file, by line (1-based), worst first within a line. */
export function byLine(diagnostics: PolicyDiagnostic[], file: string): Map<number, PolicyDiagnostic[]> {
  const map = new Map<number, PolicyDiagnostic[]>();
  for (const d of diagnostics) {
    if (d.file !== file && d.file !== '') continue;
    const line = Math.max(1, d.line);
    const list = map.get(line) ?? [];
    list.push(d);
    map.set(line, list);
  }
  for (const list of map.values()) list.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  return map;
}

export function worstSeverity(list: PolicyDiagnostic[]): Severity {
  return list.reduce<Severity>((worst, d) => (severityRank(d.severity) > severityRank(worst) ? d.severity : worst), 'INFO');
}

/** The character offset where 1-based `line` begins in `text` (the end, past the last line). */
export function lineOffset(text: string, line: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  return offset;
}

export function countBySeverity(diagnostics: PolicyDiagnostic[]): { errors: number; warnings: number; infos: number } {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const d of diagnostics) {
    if (d.severity === 'ERROR') errors++;
    else if (d.severity === 'WARNING') warnings++;
    else infos++;
  }
  return { errors, warnings, infos };
}
