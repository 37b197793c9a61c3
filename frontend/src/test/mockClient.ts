// A urql client for component tests: answers every operation from a function and records the
// operations it was asked for. `mockClient` answers with data; `mockServer` with a whole
// result, so a test can answer with GraphQL errors (and their extensions) as the server does.

import type { ExecutionResult } from 'graphql';
import { Client, makeResult, type Operation } from 'urql';
import { filter, map, pipe } from 'wonka';

export function mockClient(answer: (op: Operation) => Record<string, unknown>) {
  return mockServer((op) => ({ data: answer(op) }));
}

export function mockServer(answer: (op: Operation) => ExecutionResult) {
  const operations: Operation[] = [];
  const client = new Client({
    url: 'http://test.invalid/graphql',
    exchanges: [
      () => (ops$) =>
        pipe(
          ops$,
          filter((op) => op.kind !== 'teardown'),
          map((op) => {
            operations.push(op);
            return makeResult(op, answer(op));
          }),
        ),
    ],
  });
  return { client, operations };
}
