// Tests that the chat subscription resumes from the last stored event: graphql-ws sends the
// same payload object again after a reconnect, so its `after` must follow what was received.

import { describe, expect, it, vi } from 'vitest';
import type { ChatEvent } from './types';
import { subscribeChat } from './chatStream';

interface Sink {
  next: (value: { data?: { chatEvents: Partial<ChatEvent> }; errors?: unknown[] }) => void;
  error: (e: unknown) => void;
}

function fakeWs() {
  const sent: string[] = [];
  let sink: Sink | null = null;
  let payload: { variables: Record<string, unknown> } | null = null;
  const ws = {
    subscribe: vi.fn((p: { variables: Record<string, unknown> }, s: Sink) => {
      payload = p;
      sink = s;
      sent.push(JSON.stringify(p.variables));
      return () => undefined;
    }),
  };
  return {
    ws,
    /** What graphql-ws would send on reconnecting: the same payload, serialized again. */
    resend: () => sent.push(JSON.stringify(payload!.variables)),
    sent,
    push: (e: Partial<ChatEvent>) => sink!.next({ data: { chatEvents: e } }),
    fail: (errors: unknown[]) => sink!.next({ errors }),
  };
}

describe('subscribeChat', () => {
  it('moves the cursor with stored events only, so a resubscription resumes after them', () => {
    const f = fakeWs();
    const got: number[] = [];
    const stream = subscribeChat(f.ws as never, 'chs_1', { next: (e) => got.push(e.seq), error: () => undefined });
    expect(f.sent).toEqual(['{"sessionId":"chs_1","after":null}']);
    f.push({ seq: 1, kind: 'USER_MESSAGE', ephemeral: false });
    f.push({ seq: 2, kind: 'MESSAGE_COMPLETED', ephemeral: false });
    f.push({ seq: 2, kind: 'TEXT_DELTA', ephemeral: true });
    expect(stream.cursor()).toBe(2);
    f.push({ seq: 3, kind: 'USER_MESSAGE', ephemeral: false });
    // Streamed text carries an older seq and must not move the cursor back or forward.
    f.push({ seq: 3, kind: 'TEXT_DELTA', ephemeral: true });
    f.resend();
    expect(f.sent[1]).toBe('{"sessionId":"chs_1","after":3}');
    expect(got).toEqual([1, 2, 2, 3, 3]);
  });

  it('starts from a given cursor and reports GraphQL errors', () => {
    const f = fakeWs();
    const errors: unknown[] = [];
    subscribeChat(f.ws as never, 'chs_1', { next: () => undefined, error: (e) => errors.push(e) }, 7);
    expect(f.sent[0]).toBe('{"sessionId":"chs_1","after":7}');
    f.fail([{ message: 'not found', extensions: { code: 'NOT_FOUND' } }]);
    expect(errors).toEqual([[{ message: 'not found', extensions: { code: 'NOT_FOUND' } }]]);
  });
});
