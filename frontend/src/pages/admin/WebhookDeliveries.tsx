// An endpoint's delivery log, newest first: each delivery's id (also its `webhook-id` header),
// event type, status and attempt count, opening to every attempt (when, the HTTP status or "no
// answer", latency, the start of the response) and the payload sent (its values as sent: an
// instant in it is worded only on hover); "Redeliver" sends it again with the same id. Older deliveries load page by page; the log polls while a delivery
// it shows is still pending.

import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { REDELIVER_WEBHOOK, WEBHOOK_DELIVERIES } from '../../api/documents';
import type { WebhookDelivery, WebhookDeliveryStatus } from '../../api/types';
import { Badge } from '../../components/Badge';
import { JsonBlock } from '../../components/JsonView';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { formatTime, humanize, relativeTime } from '../../lib/format';
import { DELIVERY_TONE, payloadJson } from '../../lib/webhooks';

const PAGE = 20;
const POLL_MS = 5_000;
const STATUSES: WebhookDeliveryStatus[] = ['PENDING', 'DELIVERED', 'FAILED'];

interface LogProps {
  /** The element id, for the button that opens the log to point at. */
  id: string;
  /** The region's accessible name (which endpoint's log). */
  label: string;
  endpointId: string;
  endpointEnabled: boolean;
  /** Changes when the log should be read again (a test was just sent). */
  refresh: number;
}

export function DeliveryLog({ id, label, endpointId, endpointEnabled, refresh }: LogProps) {
  const [status, setStatus] = useState<WebhookDeliveryStatus | ''>('');
  const [reread, setReread] = useState(0);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [older, setOlder] = useState<string | null>(null);
  const generation = refresh + reread;
  const filter = (next: WebhookDeliveryStatus | '') => {
    // Another filter starts again from the newest page.
    setStatus(next);
    setCursors([null]);
    setOlder(null);
  };

  return (
    <div id={id} className="delivery-log" role="region" aria-label={label}>
      <div className="row">
        <h4 className="section-title">Delivery log</h4>
        <label className="inline-field">
          Status
          <select value={status} onChange={(e) => filter(e.target.value as WebhookDeliveryStatus | '')}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {humanize(s)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn btn-ghost" onClick={() => setReread((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {cursors.map((after, i) => (
        <DeliveryPage
          key={`${status}:${after ?? ''}`}
          endpointId={endpointId}
          endpointEnabled={endpointEnabled}
          status={status || null}
          after={after}
          first={i === 0}
          generation={generation}
          onOlder={i === cursors.length - 1 ? setOlder : undefined}
          onChanged={() => setReread((n) => n + 1)}
        />
      ))}
      {older && (
        <button type="button" className="btn btn-ghost" onClick={() => setCursors((c) => [...c, older])}>
          Load older deliveries
        </button>
      )}
    </div>
  );
}

interface PageProps {
  endpointId: string;
  endpointEnabled: boolean;
  status: WebhookDeliveryStatus | null;
  after: string | null;
  /** The newest page: says so when the log is empty. */
  first: boolean;
  /** Read again (in place, keeping what is open) when this changes. */
  generation: number;
  /** Given to the last page shown: told the cursor of the next, older page (null: none). */
  onOlder: ((cursor: string | null) => void) | undefined;
  onChanged: () => void;
}

function DeliveryPage({ endpointId, endpointEnabled, status, after, first, generation, onOlder, onChanged }: PageProps) {
  const [{ data, error, fetching }, refetch] = useQuery({
    query: WEBHOOK_DELIVERIES,
    variables: { id: endpointId, first: PAGE, after, status },
    requestPolicy: 'network-only',
  });
  const node = data?.node;
  const page = node && 'deliveries' in node ? node.deliveries : null;
  const deliveries = page?.nodes ?? [];
  const next = page?.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  useEffect(() => {
    onOlder?.(next);
  }, [onOlder, next]);
  const read = useRef(generation);
  useEffect(() => {
    if (read.current === generation) return;
    read.current = generation;
    refetch({ requestPolicy: 'network-only' });
  }, [generation, refetch]);
  const pending = deliveries.some((d) => d.status === 'PENDING');
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), POLL_MS);
    return () => clearInterval(timer);
  }, [pending, refetch]);

  if (error) return <ProblemNote error={error} />;
  if (!page) return fetching ? <p className="muted small">Loading deliveries…</p> : null;
  if (first && deliveries.length === 0) {
    return <p className="muted small">{status ? `No ${humanize(status)} deliveries.` : 'No deliveries yet. “Send test” makes one.'}</p>;
  }
  return (
    <ol className="plain deliveries">
      {deliveries.map((d) => (
        <DeliveryItem key={d.id} delivery={d} endpointEnabled={endpointEnabled} onChanged={onChanged} />
      ))}
    </ol>
  );
}

function DeliveryItem({ delivery: d, endpointEnabled, onChanged }: { delivery: WebhookDelivery; endpointEnabled: boolean; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState(false);
  const [, redeliver] = useMutation(REDELIVER_WEBHOOK);
  const action = useAction();
  const details = `delivery-${d.id}-details`;
  const again = async () => {
    setDone(false);
    const ok = await action.run(() => redeliver({ id: d.id }));
    if (ok) {
      setDone(true);
      onChanged();
    }
  };
  const payload = payloadJson(d.payload);
  const attempts = d.attemptCount === 1 ? '1 attempt' : `${d.attemptCount} attempts`;
  return (
    <li className="delivery" data-testid={`delivery-${d.id}`}>
      <div className="row">
        <Badge tone={DELIVERY_TONE[d.status]} title="Delivery status">
          {humanize(d.status)}
        </Badge>
        <code className="delivery-type">{d.eventType}</code>
        <span className="small">
          <span className="muted">webhook-id</span> <code data-testid="delivery-id">{d.id}</code>
        </span>
      </div>
      <p className="small muted">
        created <time dateTime={d.createdAt}>{formatTime(d.createdAt)}</time> · {attempts}
        {d.nextAttemptAt && (
          <>
            {' '}
            · next attempt <time dateTime={d.nextAttemptAt}>{relativeTime(d.nextAttemptAt)}</time>
          </>
        )}
        {d.finishedAt && (
          <>
            {' '}
            · finished <time dateTime={d.finishedAt}>{formatTime(d.finishedAt)}</time>
          </>
        )}
      </p>
      <div className="row">
        <button type="button" className="btn btn-ghost" aria-expanded={open} aria-controls={details} onClick={() => setOpen((o) => !o)}>
          Attempts and payload
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          disabled={!endpointEnabled || action.busy}
          title={endpointEnabled ? undefined : 'Enable the endpoint first'}
          aria-label={`Redeliver ${d.id}`}
          onClick={() => void again()}
        >
          Redeliver
        </button>
        {done && (
          <span className="small tone-text-ok" role="status">
            Sending again now, with the same webhook-id.
          </span>
        )}
      </div>
      <ProblemNote problem={action.problem} />
      {open && (
        <div id={details} className="delivery-details">
          {d.attempts.length === 0 ? (
            <p className="muted small">No attempt yet.</p>
          ) : (
            <div className="table-scroll">
              <table className="data">
                <caption>Attempts, oldest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Attempted</th>
                    <th scope="col">Answer</th>
                    <th scope="col">Latency</th>
                    <th scope="col">Response</th>
                  </tr>
                </thead>
                <tbody>
                  {d.attempts.map((a, i) => (
                    <tr key={`${a.attemptedAt}-${i}`}>
                      <td>
                        <time dateTime={a.attemptedAt}>{formatTime(a.attemptedAt)}</time>
                      </td>
                      <td>
                        {a.statusCode === null ? <span className="muted">no answer</span> : <code>{a.statusCode}</code>}{' '}
                        <Badge tone={a.succeeded ? 'ok' : 'bad'}>{a.succeeded ? 'succeeded' : 'failed'}</Badge>
                      </td>
                      <td>{a.latencyMs} ms</td>
                      <td>
                        <code className="response-excerpt">{a.response || '—'}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="small">
            <strong>Payload</strong>
          </p>
          {payload === undefined ? <pre className="json-block">{d.payload}</pre> : <JsonBlock value={payload} exact />}
        </div>
      )}
    </li>
  );
}
