// The `chatEvents` subscription of one session, straight on the graphql-ws client rather than
// through urql: after a dropped connection graphql-ws subscribes again with the same payload
// object, so keeping the cursor (`after`, the last stored seq received) in that object makes
// the server resume exactly where the stream stopped instead of replaying the whole session.
// Streamed text (TEXT_DELTA) never moves the cursor. Whatever is replayed twice anyway is
// dropped by seq in the reducer (lib/chat.ts).

import type { Client as WsClient } from 'graphql-ws';
import { stringifyDocument } from 'urql';
import { CHAT_EVENTS } from './documents';
import type { ChatEventsSubscription, ChatEventsSubscriptionVariables } from './generated/graphql';
import type { ChatEvent } from './types';

/** graphql-ws takes the query as text. */
const QUERY = stringifyDocument(CHAT_EVENTS);

export interface ChatStreamHandlers {
  next: (event: ChatEvent) => void;
  /** GraphQL errors (e.g. FORBIDDEN, NOT_FOUND) or the close that ended the stream for good. */
  error: (error: unknown) => void;
}

export interface ChatStream {
  /** The cursor a resubscription sends: the last stored seq received. */
  cursor: () => number | null;
  close: () => void;
}

export function subscribeChat(ws: Pick<WsClient, 'subscribe'>, sessionId: string, handlers: ChatStreamHandlers, after: number | null = null): ChatStream {
  const variables: ChatEventsSubscriptionVariables & { after: number | null } = { sessionId, after };
  const payload = { query: QUERY, variables };
  const close = ws.subscribe<ChatEventsSubscription>(payload, {
    next: (result) => {
      const event = result.data?.chatEvents;
      if (!event) {
        if (result.errors?.length) handlers.error(result.errors);
        return;
      }
      if (!event.ephemeral && event.seq > (variables.after ?? 0)) variables.after = event.seq;
      handlers.next(event);
    },
    error: (e) => handlers.error(e),
    complete: () => undefined,
  });
  return { cursor: () => variables.after, close };
}
