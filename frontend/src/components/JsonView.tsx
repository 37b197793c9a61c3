// JSON values: one compact line for tables, or pretty-printed in a collapsible block.

import type { Json } from '../api/types';
import { compactJson } from '../lib/format';

export function JsonInline({ value, max }: { value: Json | undefined; max?: number }) {
  if (value === undefined || value === null) return <span className="muted">null</span>;
  return <code className="json">{compactJson(value, max)}</code>;
}

export function JsonBlock({ value, summary }: { value: Json | undefined; summary?: string }) {
  const text = JSON.stringify(value ?? null, null, 2);
  if (!summary) return <pre className="json-block">{text}</pre>;
  return (
    <details className="json-details">
      <summary>{summary}</summary>
      <pre className="json-block">{text}</pre>
    </details>
  );
}
