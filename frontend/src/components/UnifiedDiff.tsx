// A unified diff with added and removed lines marked (by sign and colour) and line numbers. A
// policy version's diff compares all its files rendered as one text; given the sources of both
// sides, the diff is shown file by file, each line numbered within its own file. A side whose
// sources are unknown (a version older than those loaded) keeps the rendered text's numbers.

import { Fragment } from 'react';
import { diffStats, parseUnifiedDiff, renderedLines, type FileLine } from '../lib/diff';

type Sources = { name: string; text: string }[];

interface Props {
  diff: string;
  label: string;
  /** The sources before (the previous version's; empty for a first version), when known. */
  oldSources?: Sources | null;
  /** The sources after (the version's own). */
  newSources?: Sources;
}

export function UnifiedDiff({ diff, label, oldSources, newSources }: Props) {
  const lines = parseUnifiedDiff(diff);
  if (lines.length === 0) return <p className="muted">No textual changes.</p>;
  const { added, removed } = diffStats(lines);
  const before = oldSources ? renderedLines(oldSources) : null;
  const after = newSources ? renderedLines(newSources) : null;
  const at = (map: FileLine[] | null, n: number | null): FileLine | null => (map && n !== null ? (map[n - 1] ?? null) : null);
  const perFile = before !== null || after !== null;
  let shownFile: string | null = null;
  return (
    <figure className="diff">
      <figcaption className="muted">
        {label}: <span className="diff-add-text">+{added}</span> <span className="diff-del-text">−{removed}</span>
      </figcaption>
      <div className="diff-scroll">
        <table className="diff-table">
          <tbody>
            {lines.map((l, i) => {
              const o = at(before, l.oldLine);
              const n = at(after, l.newLine);
              const file = n?.file ?? o?.file ?? null;
              // A new file opens with a row naming it; its `# --- name` line is that row.
              let fileRow = null;
              if (perFile && file !== null && file !== shownFile) {
                shownFile = file;
                const fate = (n ?? o)?.header && l.kind === 'add' ? ' (new file)' : (n ?? o)?.header && l.kind === 'del' ? ' (file removed)' : '';
                fileRow = (
                  <tr className="diff-file">
                    <td colSpan={4}>
                      <span className="visually-hidden">File </span>
                      {file}
                      {fate}
                    </td>
                  </tr>
                );
              }
              if (perFile && (n ?? o)?.header) return <Fragment key={i}>{fileRow}</Fragment>;
              if (perFile && l.kind === 'meta') return null;
              const oldNumber = before ? o?.line : l.oldLine;
              const newNumber = after ? n?.line : l.newLine;
              return (
                <Fragment key={i}>
                  {fileRow}
                  {l.kind === 'hunk' && perFile ? (
                    <tr className="diff-hunk">
                      <td colSpan={4} title={l.text}>
                        ⋯<span className="visually-hidden"> unchanged lines skipped</span>
                      </td>
                    </tr>
                  ) : (
                    <tr className={`diff-${l.kind}`}>
                      <td className="diff-num">{oldNumber ?? ''}</td>
                      <td className="diff-num">{newNumber ?? ''}</td>
                      <td className="diff-sign" aria-hidden="true">
                        {l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ''}
                      </td>
                      <td className="diff-text">
                        {l.kind === 'add' && <span className="visually-hidden">added: </span>}
                        {l.kind === 'del' && <span className="visually-hidden">removed: </span>}
                        {l.text}
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
