// One chat session's log, live: the chatEvents subscription (the latest history first, then new
// events, resumed from the cursor after a reconnect) folded by the chat reducer. Events that arrive
// together (a replayed history) are applied in one render.

import { useCallback, useEffect, useReducer, useState } from 'react';
import { subscribeChat } from '../api/chatStream';
import { isCloseEvent } from '../api/connection';
import { problemFromErrors, type Problem } from '../api/errors';
import type { ChatEvent } from '../api/types';
import { applyChatEvents, EMPTY_LOG, type ChatLog } from '../lib/chat';
import { useApi } from '../session';

const BATCH_MS = 16;

/**
 * `from`: the stream starts after this seq (a long conversation opens on its latest events;
 * earlier ones are added with `add`); null: not known yet, nothing is subscribed. It is set
 * once: a later change would subscribe again from there.
 */
export function useChatFeed(
  sessionId: string,
  from: number | null,
): { log: ChatLog; problem: Problem | null; add: (events: ChatEvent[]) => void } {
  const api = useApi();
  const [log, dispatch] = useReducer(applyChatEvents, EMPTY_LOG);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    if (from === null) return;
    let buffer: ChatEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      const batch = buffer;
      buffer = [];
      dispatch(batch);
    };
    const stream = subscribeChat(api.ws, sessionId, {
      next: (event) => {
        buffer.push(event);
        timer ??= setTimeout(flush, BATCH_MS);
      },
      error: (error) => {
        // graphql-ws retries every close it can recover from; one that reaches us is final.
        if (isCloseEvent(error)) api.status.failed();
        setProblem(problemFromErrors(error));
      },
    }, from);
    return () => {
      stream.close();
      if (timer) clearTimeout(timer);
    };
  }, [api, sessionId, from]);

  const add = useCallback((events: ChatEvent[]) => dispatch(events), []);
  return { log, problem, add };
}
