// A unified diff with added and removed lines marked (by sign and colour) and line numbers.

import { diffStats, parseUnifiedDiff } from '../lib/diff';

export function UnifiedDiff({ diff, label }: { diff: string; label: string }) {
  const lines = parseUnifiedDiff(diff);
  if (lines.length === 0) return <p className="muted">No textual changes.</p>;
  const { added, removed } = diffStats(lines);
  return (
    <figure className="diff">
      <figcaption className="muted">
        {label}: <span className="diff-add-text">+{added}</span> <span className="diff-del-text">−{removed}</span>
      </figcaption>
      <div className="diff-scroll">
        <table className="diff-table">
          <tbody>
            {lines.map((l, i) => (
              <tr key={i} className={`diff-${l.kind}`}>
                <td className="diff-num">{l.oldLine ?? ''}</td>
                <td className="diff-num">{l.newLine ?? ''}</td>
                <td className="diff-sign" aria-hidden="true">
                  {l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ''}
                </td>
                <td className="diff-text">
                  {l.kind === 'add' && <span className="visually-hidden">added: </span>}
                  {l.kind === 'del' && <span className="visually-hidden">removed: </span>}
                  {l.text}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
