// @vitest-environment node
// Every GraphQL operation the app sends is valid against the server's schema (api/schema.graphql,
// regenerated from the server), with each fragment it spreads included. Code generation checks
// the same when it runs; this catches a schema that changed after the last `npm run codegen`.

import { readFileSync } from 'node:fs';
import { buildSchema, Kind, validate, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as documents from './documents';

const schema = buildSchema(readFileSync(new URL('../../../api/schema.graphql', import.meta.url), 'utf8'));

const operations: [string, DocumentNode][] = Object.entries(documents as Record<string, DocumentNode>).filter(([, doc]) =>
  doc.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION),
);

describe('GraphQL documents', () => {
  it('are found', () => {
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.map(([name]) => name)).toContain('CHAT_EVENTS_PAGE');
  });

  it.each(operations)('%s is valid against the schema', (_name, doc) => {
    const errors = validate(schema, doc).map((e) => e.message);
    expect(errors).toEqual([]);
  });
});
