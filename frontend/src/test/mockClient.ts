// A urql client for component tests: answers every operation from a function and records the
// operations it was asked for. `mockClient` answers with data; `mockServer` with a whole
// result, so a test can answer with GraphQL errors (and their extensions) as the server does;
// `mockResults` with several results at once (a subscription's burst of messages);
// `mockStream` keeps subscriptions open for the test to `push` messages down later.

import type { ExecutionResult } from 'graphql';
import { Client, makeResult, type Operation } from 'urql';
import { filter, fromArray, fromValue, makeSubject, map, mergeMap, pipe } from 'wonka';

export function mockClient(answer: (op: Operation) => Record<string, unknown>) {
  return mockServer((op) => ({ data: answer(op) }));
}

export function mockServer(answer: (op: Operation) => ExecutionResult) {
  return mockResults((op) => [answer(op)]);
}

export function mockResults(answer: (op: Operation) => ExecutionResult[]) {
  const operations: Operation[] = [];
  const client = new Client({
    url: 'http://test.invalid/graphql',
    exchanges: [
      () => (ops$) =>
        pipe(
          ops$,
          filter((op) => op.kind !== 'teardown'),
          mergeMap((op) => {
            operations.push(op);
            return fromArray(answer(op).map((result) => makeResult(op, result)));
          }),
        ),
    ],
  });
  return { client, operations };
}

/**
 * Queries and mutations are answered by `answer`; every subscription stays open and receives
 * each message given to `push` from then on (as a server's live stream does).
 */
export function mockStream(answer: (op: Operation) => ExecutionResult) {
  const operations: Operation[] = [];
  const stream = makeSubject<ExecutionResult>();
  const client = new Client({
    url: 'http://test.invalid/graphql',
    exchanges: [
      () => (ops$) =>
        pipe(
          ops$,
          filter((op) => op.kind !== 'teardown'),
          mergeMap((op) => {
            operations.push(op);
            if (op.kind === 'subscription') {
              return pipe(
                stream.source,
                map((result) => makeResult(op, result)),
              );
            }
            return fromValue(makeResult(op, answer(op)));
          }),
        ),
    ],
  });
  return { client, operations, push: (result: ExecutionResult) => stream.next(result) };
}
