// A urql client for component tests: answers every operation from a function and records the
// operations it was asked for.

import { Client, makeResult, type Operation } from 'urql';
import { filter, map, pipe } from 'wonka';

export function mockClient(answer: (op: Operation) => Record<string, unknown>) {
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
            return makeResult(op, { data: answer(op) });
          }),
        ),
    ],
  });
  return { client, operations };
}
