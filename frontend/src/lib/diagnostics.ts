// Policy diagnostics in an editor: which lines of which file carry findings, the worst
// severity per line, and where a line starts so the caret can jump to it.

import type { PolicyDiagnostic } from '../api/types';

const RANK: Record<string, number> = { error: 3, warning: 2, info: 1 };

export function severityRank(severity: string): number {
  return RANK[severity] ?? 0;
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

export function worstSeverity(list: PolicyDiagnostic[]): string {
  return list.reduce((worst, d) => (severityRank(d.severity) > severityRank(worst) ? d.severity : worst), 'info');
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
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else infos++;
  }
  return { errors, warnings, infos };
}
