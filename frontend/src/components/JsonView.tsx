// JSON values: one compact line for tables, or pretty-printed in a collapsible block. A string
// value that is an instant (RFC 3339) reads as the rest of the app words times ("today 14:05",
// in the viewer's zone), with the exact value in its tooltip and `dateTime`. A view of what was
// sent byte for byte (`exact`) keeps the text as it is, so it copies exactly, and only adds the
// worded time as a tooltip.

import type { Json } from '../api/types';
import { compactJson } from '../lib/format';
import { formatFull, formatWhen, splitJsonTimes } from '../lib/time';

function JsonText({ text, exact = false }: { text: string; exact?: boolean }) {
  return (
    <>
      {splitJsonTimes(text).map((piece, i) => {
        if (typeof piece === 'string') return piece;
        const { iso, literal } = piece;
        return exact ? (
          <time key={i} className="json-time" dateTime={iso} title={`${formatWhen(iso)} (${formatFull(iso)})`}>
            {literal}
          </time>
        ) : (
          <time key={i} className="json-time" dateTime={iso} title={`${iso} (${formatFull(iso)})`}>
            {formatWhen(iso)}
          </time>
        );
      })}
    </>
  );
}

export function JsonInline({ value, max }: { value: Json | undefined; max?: number }) {
  if (value === undefined || value === null) return <span className="muted">null</span>;
  return (
    <code className="json">
      <JsonText text={compactJson(value, max)} />
    </code>
  );
}

interface BlockProps {
  value: Json | undefined;
  summary?: string;
  /** The exact text (a payload as it was sent): instants are not reworded, only explained on hover. */
  exact?: boolean;
}

export function JsonBlock({ value, summary, exact }: BlockProps) {
  const block = (
    <pre className="json-block">
      <JsonText text={JSON.stringify(value ?? null, null, 2)} exact={exact} />
    </pre>
  );
  if (!summary) return block;
  return (
    <details className="json-details">
      <summary>{summary}</summary>
      {block}
    </details>
  );
}
