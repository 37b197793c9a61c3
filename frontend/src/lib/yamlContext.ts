// Where the caret is in a YAML document, structurally: the path of keys (and `[]` for sequence
// items) that leads to it, whether a key or a value is being typed there, what has been typed
// of it, and which keys its mapping already has. Read from the indentation of the lines above,
// not from a parser, because the text being typed is usually not valid YAML yet (`    ru` under
// `spec:` is where one completes `rules`). Block style only: flow mappings (`{a: 1}`) and block
// scalars (`|`) are not followed; a flow sequence on the caret's own line (`actions: [a, b`) is.

/** A key of a mapping, or `[]` for an item of a sequence. */
export type PathSegment = string;
export const ITEM: PathSegment = '[]';

export interface YamlContext {
  /**
   * `key`: a key of the mapping at `path`; `value`: the value at `path` (of a key, or an item);
   * `item`: the start of a sequence item at `path` (the item's first key, or a scalar item).
   */
  at: 'key' | 'value' | 'item';
  path: PathSegment[];
  /** What has been typed of the key or value, up to the caret. */
  prefix: string;
  /** A value completed here needs a space before it (the caret is right after `key:`). */
  space: boolean;
  /** Keys the mapping at `path` has already (for `key` and `item`; the caret's own excluded). */
  siblings: string[];
  /** The `kind:` of the caret's document, when it has one. */
  kind: string | null;
}

interface Line {
  /** Column of the first character that is not a space or a sequence dash. */
  content: number;
  /** Columns of the sequence dashes before it (`- - a` has two). */
  dashes: number[];
  /** A key at `content`, when the line holds one. */
  key: string | null;
  /** The key's value on the same line, comment removed ('' when the value follows below). */
  value: string;
  /** Blank, a comment, or a document marker: no structure. */
  empty: boolean;
}

const KEY = /^([A-Za-z_$][\w.$-]*|"[^"]*"|'[^']*')\s*:(?:\s+|$)(.*)$/;

function unquote(key: string): string {
  return (key.startsWith('"') && key.endsWith('"')) || (key.startsWith("'") && key.endsWith("'")) ? key.slice(1, -1) : key;
}

function stripComment(value: string): string {
  // A `#` starts a comment at the value's start or after a space (not inside `a#b`).
  const m = /(^|\s)#/.exec(value);
  return (m ? value.slice(0, m.index) : value).trim();
}

function parseLine(text: string): Line {
  let col = 0;
  while (col < text.length && text[col] === ' ') col++;
  const dashes: number[] = [];
  while (text[col] === '-' && (col + 1 === text.length || text[col + 1] === ' ')) {
    dashes.push(col);
    col++;
    while (text[col] === ' ') col++;
  }
  const rest = text.slice(col);
  const empty = (rest === '' && dashes.length === 0) || rest.startsWith('#') || /^(---|\.\.\.)(\s|$)/.test(text);
  const m = KEY.exec(rest);
  return { content: col, dashes, key: m ? unquote(m[1]!) : null, value: m ? stripComment(m[2]!) : '', empty };
}

/** Whether a key line opens a block below it (its value is not on the line). */
function opensBlock(line: Line): boolean {
  return line.key !== null && (line.value === '' || line.value.startsWith('&'));
}

/** The lines of the document (between `---` markers) that holds line `index`. */
function documentBounds(lines: string[], index: number): [number, number] {
  const marker = (l: string) => /^(---|\.\.\.)(\s|$)/.test(l);
  let start = index;
  while (start > 0 && !marker(lines[start - 1]!)) start--;
  let end = index + 1;
  while (end < lines.length && !marker(lines[end]!)) end++;
  return [start, end];
}

/**
 * The path of the mapping or sequence that an entry at `column` on line `index` belongs to,
 * from the lines above it. `item` says the entry is a sequence item (a dash at `column`).
 */
function parentPath(lines: Line[], start: number, index: number, column: number, item: boolean): PathSegment[] {
  const path: PathSegment[] = [];
  let col = column;
  // An item's sequence may be owned by a key at the dash's own column (`rules:\n- name: a`).
  let wantOwner = item;
  for (let i = index - 1; i >= start && col > 0 - (wantOwner ? 1 : 0); i--) {
    const l = lines[i]!;
    if (l.empty) continue;
    if (wantOwner) {
      if (l.key !== null && l.content <= col && opensBlock(l)) {
        path.push(l.key);
        col = l.content;
        wantOwner = false;
        const dash = lastBelow(l.dashes, col + 1);
        if (dash !== null) {
          path.push(ITEM);
          col = dash;
          wantOwner = true;
        }
        continue;
      }
      if (l.content < col && l.dashes.every((d) => d >= col)) break; // a scalar or a flow value owns nothing below
      continue;
    }
    if (l.key !== null && l.content < col && opensBlock(l)) {
      path.push(l.key);
      col = l.content;
      const dash = lastBelow(l.dashes, col + 1);
      if (dash !== null) {
        path.push(ITEM);
        col = dash;
        wantOwner = true;
      }
      continue;
    }
    const dash = lastBelow(l.dashes, col);
    if (dash !== null && l.content >= col) {
      // The entry is a later key of the item this dash starts.
      path.push(ITEM);
      col = dash;
      wantOwner = true;
      continue;
    }
    if (l.content < col && dash === null) break; // less indented and opening nothing: malformed
  }
  return path.reverse();
}

/** The greatest of `cols` below `limit`, or null. */
function lastBelow(cols: number[], limit: number): number | null {
  let best: number | null = null;
  for (const c of cols) if (c < limit && (best === null || c > best)) best = c;
  return best;
}

/** Keys at `column` of the same mapping as line `index`, above and below it. */
function siblingKeys(lines: Line[], start: number, end: number, index: number, column: number): string[] {
  const keys: string[] = [];
  const walk = (from: number, step: 1 | -1, stopAt: number) => {
    for (let i = from; i !== stopAt; i += step) {
      const l = lines[i]!;
      if (l.empty) continue;
      if (l.content === column && l.key !== null) {
        keys.push(l.key);
        // Going up, the dash that starts this item ends the mapping; going down, the next dash does.
        if (step === -1 && l.dashes.length > 0 && l.dashes[l.dashes.length - 1]! < column) return;
        if (step === 1 && l.dashes.length > 0 && l.dashes[l.dashes.length - 1]! < column) {
          keys.pop();
          return;
        }
        continue;
      }
      if (l.content < column || l.dashes.some((d) => d < column)) return;
    }
  };
  const own = lines[index]!;
  if (!(own.dashes.length > 0 && own.dashes[own.dashes.length - 1]! < column)) walk(index - 1, -1, start - 1);
  walk(index + 1, 1, end);
  return keys;
}

function kindOf(lines: Line[], start: number, end: number): string | null {
  for (let i = start; i < end; i++) {
    const l = lines[i]!;
    if (l.key === 'kind' && l.content === 0 && l.dashes.length === 0 && l.value) return unquote(l.value);
  }
  return null;
}

/** The context at character offset `pos` of `text`, or null where nothing is completed (comments). */
export function yamlContext(text: string, pos: number): YamlContext | null {
  const head = text.slice(0, pos);
  const lineStart = head.lastIndexOf('\n') + 1;
  const before = head.slice(lineStart);
  const raw = text.split('\n');
  const index = head.split('\n').length - 1;
  if (/^(---|\.\.\.)(\s|$)/.test(raw[index]!)) return null;
  const [start, end] = documentBounds(raw, index);
  const lines = raw.map(parseLine);
  // The caret's own line counts only up to the caret, so a half-typed key reads as a key.
  const own = parseLine(before);
  lines[index] = own;
  const kind = kindOf(lines, start, end);
  const rest = before.slice(own.content);
  if (stripComment(rest) !== rest.trim()) return null;

  const keyMatch = KEY.exec(rest);
  if (keyMatch) {
    // After `key:`: the value of that key, or an item of a flow sequence (`[a, b`).
    const key = unquote(keyMatch[1]!);
    const value = keyMatch[2]!;
    const owner = parentOfEntry(lines, start, index, own);
    const space = before.endsWith(':');
    const flow = /^\[([^\]]*)$/.exec(value);
    if (flow) {
      const prefix = /[^,\s]*$/.exec(flow[1]!)![0];
      return { at: 'value', path: [...owner, key, ITEM], prefix: unquotePrefix(prefix), space: false, siblings: [], kind };
    }
    return { at: 'value', path: [...owner, key], prefix: unquotePrefix(value.trimStart()), space, siblings: [], kind };
  }
  if (!/^[\w.$-]*$/.test(rest)) return null;
  const siblings = siblingKeys(lines, start, end, index, own.content);
  if (own.dashes.length > 0) {
    // `- na`: the first key of an item, or a scalar item; the item's other keys sit below it.
    const dash = own.dashes[own.dashes.length - 1]!;
    return { at: 'item', path: [...parentPath(lines, start, index, dash, true), ITEM], prefix: rest, space: false, siblings, kind };
  }
  return { at: 'key', path: parentPath(lines, start, index, own.content, false), prefix: rest, space: false, siblings, kind };
}

/** A value typed after an opening quote is completed inside the quotes. */
function unquotePrefix(value: string): string {
  return value.startsWith('"') || value.startsWith("'") ? value.slice(1) : value;
}

function parentOfEntry(lines: Line[], start: number, index: number, own: Line): PathSegment[] {
  if (own.dashes.length > 0) {
    const dash = own.dashes[own.dashes.length - 1]!;
    return [...parentPath(lines, start, index, dash, true), ITEM];
  }
  return parentPath(lines, start, index, own.content, false);
}
