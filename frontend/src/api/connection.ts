// The live-connection state of the GraphQL websocket, as a tiny store React can subscribe to.
// `reconnecting` is only reported after a connection has been up once, so the first connect of
// a page does not flash a warning; `failed` means the client gave up (a fatal close code).

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

type Listener = () => void;

export class ConnectionStatus {
  private state: ConnectionState = 'idle';
  private everConnected = false;
  private listeners = new Set<Listener>();

  get = (): ConnectionState => this.state;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  connecting(): void {
    this.set(this.everConnected ? 'reconnecting' : 'connecting');
  }

  connected(): void {
    this.everConnected = true;
    this.set('connected');
  }

  closed(): void {
    if (this.state === 'failed') return;
    this.set(this.everConnected ? 'reconnecting' : 'idle');
  }

  /** The socket closed for good: no retry will come. */
  failed(): void {
    this.set('failed');
  }

  private set(next: ConnectionState): void {
    if (next === this.state) return;
    this.state = next;
    for (const l of this.listeners) l();
  }
}

/** A websocket close (as graphql-ws reports a connection that ended), not a GraphQL error. */
export function isCloseEvent(e: unknown): e is { code: number; reason: string } {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number' && 'reason' in e;
}
