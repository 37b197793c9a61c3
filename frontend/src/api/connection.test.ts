// Tests of the live-connection state store.

import { describe, expect, it, vi } from 'vitest';
import { ConnectionStatus, isCloseEvent } from './connection';

describe('ConnectionStatus', () => {
  it('reports reconnecting only after having been connected', () => {
    const s = new ConnectionStatus();
    const seen: string[] = [];
    s.subscribe(() => seen.push(s.get()));
    s.connecting();
    s.closed();
    expect(s.get()).toBe('idle');
    s.connecting();
    s.connected();
    s.closed();
    s.connecting();
    s.connected();
    expect(seen).toEqual(['connecting', 'idle', 'connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('stops notifying after unsubscribe', () => {
    const s = new ConnectionStatus();
    const listener = vi.fn();
    const off = s.subscribe(listener);
    off();
    s.connected();
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('failure', () => {
  it('stays failed when the socket then closes, until a connection is up again', () => {
    const s = new ConnectionStatus();
    s.connected();
    s.failed();
    s.closed();
    expect(s.get()).toBe('failed');
    s.connected();
    expect(s.get()).toBe('connected');
  });

  it('tells close events from GraphQL errors', () => {
    expect(isCloseEvent({ code: 1011, reason: 'internal' })).toBe(true);
    expect(isCloseEvent([{ message: 'forbidden' }])).toBe(false);
    expect(isCloseEvent(new Error('x'))).toBe(false);
  });
});
