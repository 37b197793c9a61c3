// The live-connection state of the GraphQL websocket, as a tiny store React can subscribe to.
// `reconnecting` is only reported after a connection has been up once, so the first connect of
// a page does not flash a warning.

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

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
    this.set(this.everConnected ? 'reconnecting' : 'idle');
  }

  private set(next: ConnectionState): void {
    if (next === this.state) return;
    this.state = next;
    for (const l of this.listeners) l();
  }
}
