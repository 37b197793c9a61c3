// Tests of the live-connection state store.

import { describe, expect, it, vi } from 'vitest';
import { ConnectionStatus } from './connection';

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
