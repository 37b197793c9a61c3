// Outbound webhooks (`webhook.manage`): the organization's endpoints with what they receive and
// how they fare, and creating one (its signing secret shown once). Per endpoint: enable or
// disable, edit, rotate the secret (the previous one keeps signing for a while), send a test,
// the delivery log, and deleting after a confirmation that names its URL.
//
// Mutations that answer a secret go through the client directly, not `useMutation`, whose
// state would keep the last answer (and so the secret) for as long as the panel is shown.

import { useState, type FormEvent } from 'react';
import { useClient, useMutation } from 'urql';
import {
  ADMIN_WEBHOOKS,
  CREATE_WEBHOOK_ENDPOINT,
  DELETE_WEBHOOK_ENDPOINT,
  ROTATE_WEBHOOK_SECRET,
  SEND_TEST_WEBHOOK,
  UPDATE_WEBHOOK_ENDPOINT,
} from '../../api/documents';
import { splitProblem } from '../../api/errors';
import type { WebhookEndpoint, WebhookEventKind } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { SelectField, TextField } from '../../components/Field';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { useOrgQuery } from '../../hooks/useOrgQuery';
import { formatTime, relativeTime } from '../../lib/format';
import { OneTimeSecret } from './OneTimeSecret';
import { DeliveryLog } from './WebhookDeliveries';

/** What the panel needs of the organization (the admin page's data has it). */
export interface WebhooksOrg {
  slug: string;
  projects: { nodes: { slug: string; name: string }[] };
}

/** A signing secret being shown: the endpoint's URL, and until when the previous one signs. */
interface Shown {
  title: string;
  secret: string;
  previousUntil: string | null;
}

const FIELDS = ['url', 'events', 'description', 'project'] as const;
type Field = (typeof FIELDS)[number];

export function WebhooksPanel({ org }: { org: WebhooksOrg }) {
  const { data, error, reload } = useOrgQuery(ADMIN_WEBHOOKS, org.slug);
  const [shown, setShown] = useState<Shown | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const endpoints = data?.org.webhookEndpoints ?? [];
  const kinds = data?.org.webhookEventKinds ?? [];

  return (
    <section className="card" id="webhooks" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title" className="card-title">
        Webhooks
      </h2>
      <p className="muted small">
        Praetor POSTs the organization’s events to these URLs, signed the Standard Webhooks way (headers <code>webhook-id</code>,{' '}
        <code>webhook-timestamp</code>, <code>webhook-signature</code>) with the endpoint’s secret. Failed deliveries are retried with backoff; an
        endpoint that keeps failing is disabled.
      </p>
      <ProblemNote error={error} />
      {shown && (
        <OneTimeSecret title={shown.title} secret={shown.secret} testId="webhook-secret" onDismiss={() => setShown(null)}>
          {shown.previousUntil ? (
            <p className="small">
              The previous secret keeps signing alongside this one for 24 h, until{' '}
              <time dateTime={shown.previousUntil}>{formatTime(shown.previousUntil)}</time>: switch your receiver to the new one before then.
            </p>
          ) : (
            <p className="small">Your receiver verifies each delivery’s signature with it.</p>
          )}
        </OneTimeSecret>
      )}
      {done && (
        <p className="notice tone-ok" role="status" data-testid="webhook-done">
          {done}
        </p>
      )}
      {data && endpoints.length === 0 && <p className="muted">No endpoints yet.</p>}
      {endpoints.length > 0 && (
        <ul className="plain endpoints">
          {endpoints.map((e) => (
            <li key={e.id}>
              <EndpointItem
                endpoint={e}
                kinds={kinds}
                onSecret={(s) => {
                  setDone(null);
                  setShown(s);
                }}
                onDone={(message) => {
                  setDone(message);
                  reload();
                }}
              />
            </li>
          ))}
        </ul>
      )}
      <CreateEndpointForm
        org={org}
        kinds={kinds}
        onCreated={(url, secret) => {
          setDone(null);
          setShown({ title: `Signing secret of the new endpoint ${url}`, secret, previousUntil: null });
          reload();
        }}
      />
    </section>
  );
}

function CreateEndpointForm({ org, kinds, onCreated }: { org: WebhooksOrg; kinds: WebhookEventKind[]; onCreated: (url: string, secret: string) => void }) {
  const client = useClient();
  const action = useAction();
  const [url, setUrl] = useState('');
  const [project, setProject] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [noEvents, setNoEvents] = useState(false);
  const { byField, general } = splitProblem<Field>(action.problem, FIELDS);
  const errors = { ...byField, events: byField.events ?? (noEvents ? 'Choose at least one event kind.' : undefined) };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (events.length === 0) {
      action.clear();
      setNoEvents(true);
      return;
    }
    const input = { org: org.slug, project: project || null, url: url.trim(), events, description: description.trim() };
    const created = await action.run(() => client.mutation(CREATE_WEBHOOK_ENDPOINT, { input }).toPromise());
    if (created) {
      const { endpoint, secret } = created.createWebhookEndpoint;
      setUrl('');
      setDescription('');
      setEvents([]);
      onCreated(endpoint.url, secret);
    }
  };

  return (
    <>
      <h3 id="webhook-form-title" className="section-title">
        Add an endpoint
      </h3>
      <form className="stack" aria-labelledby="webhook-form-title" onSubmit={(e) => void submit(e)}>
        <div className="field-grid">
          <UrlField id="webhook-url" value={url} onChange={setUrl} error={errors.url} />
          <SelectField
            id="webhook-project"
            label="Events of"
            options={[{ value: '', label: 'Whole organization' }, ...org.projects.nodes.map((p) => ({ value: p.slug, label: `Project ${p.name}` }))]}
            value={project}
            onChange={setProject}
            error={errors.project}
          />
          <DescriptionField id="webhook-description" value={description} onChange={setDescription} error={errors.description} />
        </div>
        <EventsField
          id="webhook-events"
          kinds={kinds}
          value={events}
          onChange={(next) => {
            setNoEvents(false);
            setEvents(next);
          }}
          error={errors.events}
        />
        <div className="row">
          <button type="submit" className="btn" disabled={action.busy}>
            Create endpoint
          </button>
        </div>
        <ProblemNote problem={general} />
      </form>
    </>
  );
}

interface ItemProps {
  endpoint: WebhookEndpoint;
  kinds: WebhookEventKind[];
  onSecret: (shown: Shown) => void;
  onDone: (message: string) => void;
}

function EndpointItem({ endpoint: e, kinds, onSecret, onDone }: ItemProps) {
  const client = useClient();
  const [, update] = useMutation(UPDATE_WEBHOOK_ENDPOINT);
  const [, sendTest] = useMutation(SEND_TEST_WEBHOOK);
  const [, remove] = useMutation(DELETE_WEBHOOK_ENDPOINT);
  const action = useAction();
  const [editing, setEditing] = useState(false);
  const [logOpen, setLogOpen] = useState(false);
  const [logRefresh, setLogRefresh] = useState(0);
  const urlId = `endpoint-${e.id}-url`;
  const logId = `endpoint-${e.id}-log`;

  const setEnabled = async (enabled: boolean) => {
    if (await action.run(() => update({ input: { id: e.id, enabled } }))) onDone(`${enabled ? 'Enabled' : 'Disabled'} ${e.url}.`);
  };
  const rotate = async () => {
    const rotated = await action.run(() => client.mutation(ROTATE_WEBHOOK_SECRET, { id: e.id }).toPromise());
    if (rotated) {
      const { endpoint, secret } = rotated.rotateWebhookSecret;
      onSecret({ title: `New signing secret of ${endpoint.url}`, secret, previousUntil: endpoint.previousSecretSignsUntil });
    }
  };
  const test = async () => {
    const sent = await action.run(() => sendTest({ id: e.id }));
    if (sent) {
      onDone(`Test delivery ${sent.sendTestWebhook.id} queued for ${e.url}.`);
      setLogOpen(true);
      setLogRefresh((n) => n + 1);
    }
  };
  const destroy = async () => {
    const gone = await action.run(() => remove({ id: e.id }));
    if (gone) onDone(`Deleted the endpoint ${e.url}.`);
  };

  return (
    <article className="endpoint" aria-labelledby={urlId}>
      <div className="row">
        <code id={urlId} className="endpoint-url">
          {e.url}
        </code>
        {e.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="bad">disabled</Badge>}
        {e.enabled && e.failingSince && <Badge tone="warn">failing</Badge>}
      </div>
      {e.description && <p className="small">{e.description}</p>}
      <dl className="facts">
        <div>
          <dt>Events of</dt>
          <dd>
            {e.projectSlug ? (
              <>
                project <code>{e.projectSlug}</code>
              </>
            ) : (
              'whole organization'
            )}
          </dd>
        </div>
        <div>
          <dt>Secret</dt>
          <dd>
            <code>{e.secretFingerprint ?? '—'}</code>
          </dd>
        </div>
        {e.previousSecretSignsUntil && (
          <div>
            <dt>Previous secret signs until</dt>
            <dd>
              <time dateTime={e.previousSecretSignsUntil}>{formatTime(e.previousSecretSignsUntil)}</time>
            </dd>
          </div>
        )}
        {e.failingSince && (
          <div>
            <dt>Failing since</dt>
            <dd>
              <time dateTime={e.failingSince}>{formatTime(e.failingSince)}</time> <span className="muted small">({relativeTime(e.failingSince)})</span>
            </dd>
          </div>
        )}
        {!e.enabled && e.disabledReason && (
          <div>
            <dt>Disabled</dt>
            <dd>{e.disabledReason}</dd>
          </div>
        )}
      </dl>
      <ul className="chips" aria-label="Events">
        {e.events.map((name) => (
          <li key={name} className="chip">
            <code>{name}</code>
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" className="btn" disabled={action.busy} onClick={() => void setEnabled(!e.enabled)}>
          {e.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" className="btn btn-ghost" aria-expanded={editing} onClick={() => setEditing((v) => !v)}>
          Edit
        </button>
        <button type="button" className="btn btn-ghost" disabled={action.busy} onClick={() => void rotate()}>
          Rotate secret
        </button>
        <button type="button" className="btn btn-ghost" disabled={action.busy} onClick={() => void test()}>
          Send test
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          aria-expanded={logOpen}
          aria-controls={logOpen ? logId : undefined}
          onClick={() => setLogOpen((v) => !v)}
        >
          Delivery log
        </button>
        <ConfirmButton
          disabled={action.busy}
          title={`Delete the endpoint ${e.url}?`}
          consequence={<p>It receives nothing more, and its delivery log and signing secrets are deleted with it.</p>}
          confirmLabel="Delete endpoint"
          onConfirm={() => void destroy()}
        >
          Delete…
        </ConfirmButton>
      </div>
      {e.enabled && <p className="hint">Disabling gives up its pending deliveries.</p>}
      <ProblemNote problem={action.problem} />
      {editing && (
        <EditEndpointForm
          endpoint={e}
          kinds={kinds}
          onSaved={() => {
            setEditing(false);
            onDone(`Saved the endpoint ${e.url}.`);
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      {logOpen && <DeliveryLog id={logId} label={`Delivery log of ${e.url}`} endpointId={e.id} endpointEnabled={e.enabled} refresh={logRefresh} />}
    </article>
  );
}

interface EditProps {
  endpoint: WebhookEndpoint;
  kinds: WebhookEventKind[];
  onSaved: () => void;
  onCancel: () => void;
}

function EditEndpointForm({ endpoint: e, kinds, onSaved, onCancel }: EditProps) {
  const [, update] = useMutation(UPDATE_WEBHOOK_ENDPOINT);
  const action = useAction();
  const [url, setUrl] = useState(e.url);
  const [description, setDescription] = useState(e.description);
  const [events, setEvents] = useState<string[]>(e.events);
  const { byField, general } = splitProblem<Field>(action.problem, FIELDS);
  const prefix = `edit-${e.id}`;
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const input = { id: e.id, url: url.trim(), description: description.trim(), events };
    if (await action.run(() => update({ input }))) onSaved();
  };
  return (
    <form className="stack endpoint-edit" aria-label={`Edit endpoint ${e.url}`} onSubmit={(ev) => void submit(ev)}>
      <div className="field-grid">
        <UrlField id={`${prefix}-url`} value={url} onChange={setUrl} error={byField.url} />
        <DescriptionField id={`${prefix}-description`} value={description} onChange={setDescription} error={byField.description} />
      </div>
      <EventsField id={`${prefix}-events`} kinds={kinds} value={events} onChange={setEvents} error={byField.events} />
      <div className="row">
        <button type="submit" className="btn" disabled={action.busy || events.length === 0}>
          Save endpoint
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ProblemNote problem={general} />
    </form>
  );
}

interface FieldProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}

/** The URL, with the server's reason beside it when refused (e.g. a private address). */
function UrlField({ id, value, onChange, error }: FieldProps) {
  return (
    <TextField
      id={id}
      label="Endpoint URL"
      type="url"
      inputMode="url"
      className="mono"
      required
      wide
      maxLength={2000}
      placeholder="https://example.com/praetor-events"
      value={value}
      onChange={onChange}
      hint="http(s). Private, loopback and link-local addresses are refused."
      error={error}
    />
  );
}

function DescriptionField({ id, value, onChange, error }: FieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>Description (optional)</label>
      <input
        id={id}
        maxLength={500}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error && (
        <span className="field-error" id={`${id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

interface EventsProps {
  id: string;
  kinds: WebhookEventKind[];
  value: string[];
  onChange: (value: string[]) => void;
  error: string | undefined;
}

/** The event kinds to receive, one checkbox each with what it means. */
function EventsField({ id, kinds, value, onChange, error }: EventsProps) {
  // Kept in the order the server lists the kinds, whatever order they are ticked in.
  const toggle = (name: string, on: boolean) =>
    onChange(on ? kinds.map((k) => k.name).filter((n) => n === name || value.includes(n)) : value.filter((n) => n !== name));
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined} aria-invalid={error ? true : undefined}>
      <legend>Events</legend>
      <div className="row">
        <button type="button" className="btn-link small" onClick={() => onChange(kinds.map((k) => k.name))}>
          Choose all
        </button>
        <button type="button" className="btn-link small" onClick={() => onChange([])}>
          Choose none
        </button>
      </div>
      <ul className="check-grid">
        {kinds.map((k) => {
          const box = `${id}-${k.name.replace(/[^a-z0-9_-]/gi, '-')}`;
          return (
            <li key={k.name}>
              <label className="check" htmlFor={box}>
                <input
                  id={box}
                  type="checkbox"
                  checked={value.includes(k.name)}
                  onChange={(e) => toggle(k.name, e.target.checked)}
                  aria-describedby={`${box}-about`}
                />
                <code>{k.name}</code>
              </label>
              <span className="hint" id={`${box}-about`}>
                {k.description}
              </span>
            </li>
          );
        })}
      </ul>
      {error && (
        <span className="field-error" id={`${id}-error`}>
          {error}
        </span>
      )}
    </fieldset>
  );
}
