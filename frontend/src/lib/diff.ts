// Parses a unified diff (as stored with each policy version) into lines with their kind and
// old/new line numbers, for side-by-side colouring; and which file and line of a version's sources
// each line of its rendering is, so a diff can be numbered per file.

export type DiffLineKind = 'meta' | 'hunk' | 'add' | 'del' | 'ctx';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  oldLine: number | null;
  newLine: number | null;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parseUnifiedDiff(diff: string): DiffLine[] {
  const out: DiffLine[] = [];
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  const lines = diff.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const text of lines) {
    const hunk = HUNK.exec(text);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      inHunk = true;
      out.push({ kind: 'hunk', text, oldLine: null, newLine: null });
    } else if (!inHunk || text.startsWith('--- ') || text.startsWith('+++ ') || text.startsWith('\\')) {
      out.push({ kind: 'meta', text, oldLine: null, newLine: null });
    } else if (text.startsWith('+')) {
      out.push({ kind: 'add', text: text.slice(1), oldLine: null, newLine: newLine++ });
    } else if (text.startsWith('-')) {
      out.push({ kind: 'del', text: text.slice(1), oldLine: oldLine++, newLine: null });
    } else {
      out.push({ kind: 'ctx', text: text.startsWith(' ') ? text.slice(1) : text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return out;
}

export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.kind === 'add') added++;
    else if (l.kind === 'del') removed++;
  }
  return { added, removed };
}

/** A line of a version's rendered sources: which file, and which line of it (null: none of its own). */
export interface FileLine {
  file: string;
  line: number | null;
  /** The `# --- name` line that starts the file in the rendering. */
  header: boolean;
}

/**
 * The file and line of each line (index 0 is line 1) of sources rendered as the server renders
 * a version for its diff: each file as `# --- name`, a newline and its text, files joined by a
 * newline. A file whose text ends in a newline is followed by a blank line of no file's own.
 */
export function renderedLines(sources: { name: string; text: string }[]): FileLine[] {
  const out: FileLine[] = [];
  sources.forEach((s, i) => {
    out.push({ file: s.name, line: null, header: true });
    const parts = s.text.split('\n');
    const endsInNewline = parts[parts.length - 1] === '';
    if (endsInNewline) parts.pop();
    parts.forEach((_, j) => out.push({ file: s.name, line: j + 1, header: false }));
    if (endsInNewline && i < sources.length - 1) out.push({ file: s.name, line: null, header: false });
  });
  return out;
}
