// The GraphQL client: HTTP for queries and mutations (the session cookie authenticates), a
// graphql-ws websocket for subscriptions that reconnects forever and reports its state.
// A new client is made at every sign-in so no cached data outlives a session.

import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { ConnectionStatus, isCloseEvent } from './connection';

export interface Api {
  client: Client;
  ws: WsClient;
  status: ConnectionStatus;
}

function wsUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/graphql/ws`;
}

export function createApi(): Api {
  const status = new ConnectionStatus();
  const ws = createWsClient({
    url: wsUrl(),
    lazy: true,
    lazyCloseTimeout: 3_000,
    keepAlive: 10_000,
    // A proxy that accepts the socket but never answers must not leave us waiting forever.
    connectionAckWaitTimeout: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    // Retry quickly at first, then at most every 10 s, with jitter.
    retryWait: async (retries) => {
      const delay = Math.min(10_000, 500 * 2 ** retries) + Math.random() * 300;
      await new Promise((resolve) => setTimeout(resolve, delay));
    },
    shouldRetry: () => true,
    on: {
      connecting: () => status.connecting(),
      connected: () => status.connected(),
      closed: () => status.closed(),
    },
  });
  const client = new Client({
    url: '/graphql',
    fetchOptions: { credentials: 'same-origin', headers: { 'content-type': 'application/json' } },
    preferGetMethod: false,
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, {
                next: (value) => sink.next(value as Parameters<typeof sink.next>[0]),
                complete: () => sink.complete(),
                error: (err) => {
                  // graphql-ws retries every close it can recover from; a close that reaches a
                  // subscriber is final, so say so instead of "reconnecting" forever.
                  if (isCloseEvent(err)) status.failed();
                  sink.error(err);
                },
              });
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, ws, status };
}
