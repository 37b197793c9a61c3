// @vitest-environment node
// Every GraphQL document the app sends is valid against the server's schema (api/schema.graphql,
// regenerated from the server), with each fragment it spreads included: a field renamed on the
// server or a fragment left out fails here instead of in the browser.

import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as documents from './documents';

const schema = buildSchema(readFileSync(new URL('../../../api/schema.graphql', import.meta.url), 'utf8'));

const operations: [string, string][] = Object.entries(documents as Record<string, unknown>).flatMap(([name, text]) =>
  typeof text === 'string' && /^\s*(query|mutation|subscription)\b/.test(text) ? [[name, text] as [string, string]] : [],
);

describe('GraphQL documents', () => {
  it('are found', () => {
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.map(([name]) => name)).toContain('CHAT_EVENTS_PAGE');
  });

  it.each(operations)('%s is valid against the schema', (_name, text) => {
    const errors = validate(schema, parse(text)).map((e) => e.message);
    expect(errors).toEqual([]);
  });
});
