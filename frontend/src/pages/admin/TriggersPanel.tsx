// Inbound triggers (`trigger.manage`): another system POSTs JSON to a trigger's URL, signed the
// Standard Webhooks way with the trigger's secret, and Praetor proposes a plan from the
// trigger's template as its service account, through the usual checks. Lists the triggers,
// creates one (its secret shown once, with how to sign a request), and per trigger: enable or
// disable, rotate the secret (the old one stops working at once) and delete, each of the last
// two after a confirmation.
//
// Mutations that answer a secret go through the client directly, not `useMutation`, whose
// state would keep the last answer (and so the secret) for as long as the panel is shown.

import { useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { ADMIN_TRIGGERS, CREATE_TRIGGER, DELETE_TRIGGER, PROJECT_TEMPLATES, ROTATE_TRIGGER_SECRET, SET_TRIGGER_ENABLED } from '../../api/documents';
import { splitProblem } from '../../api/errors';
import type { Trigger } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { SelectField, TextField } from '../../components/Field';
import { JsonBlock, JsonInline } from '../../components/JsonView';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { useOrgQuery } from '../../hooks/useOrgQuery';
import { formatTime } from '../../lib/format';
import { parseArgs, signingExample, triggerUrl } from '../../lib/webhooks';
import { OneTimeSecret } from './OneTimeSecret';

/** What the panel needs of the organization (the admin page's data has it). */
export interface TriggersOrg {
  slug: string;
  projects: { nodes: { slug: string; name: string }[] };
  serviceAccounts: { nodes: { name: string }[] };
}

/** A trigger's secret being shown, with the address to call. */
interface Shown {
  title: string;
  secret: string;
  url: string;
  rotated: boolean;
}

const FIELDS = ['name', 'project', 'template', 'args', 'serviceAccount'] as const;
type Field = (typeof FIELDS)[number];

const urlOf = (t: Pick<Trigger, 'path'>) => triggerUrl(window.location.origin, t.path);

export function TriggersPanel({ org }: { org: TriggersOrg }) {
  const { data, error, reload } = useOrgQuery(ADMIN_TRIGGERS, org.slug);
  const [shown, setShown] = useState<Shown | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const triggers = data?.org.triggers ?? [];

  return (
    <section className="card" id="triggers" aria-labelledby="triggers-title">
      <h2 id="triggers-title" className="card-title">
        Inbound triggers
      </h2>
      <p className="muted small">
        Another system POSTs a JSON object to a trigger’s URL, signed with the trigger’s secret; Praetor proposes a plan from the trigger’s template
        with those arguments, as its service account. Policy, roles, budgets, limits and approvals apply as to any proposal.
      </p>
      <ProblemNote error={error} />
      {shown && (
        <OneTimeSecret title={shown.title} secret={shown.secret} testId="trigger-secret" onDismiss={() => setShown(null)}>
          {shown.rotated && (
            <p className="small">
              <strong>The previous secret stopped working now:</strong> requests signed with it are refused until every caller uses this one.
            </p>
          )}
          <SigningHelp url={shown.url} />
        </OneTimeSecret>
      )}
      {done && (
        <p className="notice tone-ok" role="status" data-testid="trigger-done">
          {done}
        </p>
      )}
      {data && triggers.length === 0 && <p className="muted">No triggers yet.</p>}
      {triggers.length > 0 && (
        <ul className="plain endpoints">
          {triggers.map((t) => (
            <li key={t.id}>
              <TriggerItem
                trigger={t}
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
      <CreateTriggerForm
        org={org}
        onCreated={(t, secret) => {
          setDone(null);
          setShown({ title: `Secret of the new trigger ${t.name}`, secret, url: urlOf(t), rotated: false });
          reload();
        }}
      />
      {!shown && (
        <details className="json-details">
          <summary>How to sign a request</summary>
          <SigningHelp url={urlOf({ path: '/hooks/<trigger id>' })} />
        </details>
      )}
    </section>
  );
}

/** The signing rule in a sentence, and a shell example that follows it. */
function SigningHelp({ url }: { url: string }) {
  return (
    <div className="signing-help">
      <p className="small">
        POST to <code data-testid="trigger-url">{url}</code> with headers <code>webhook-id</code> (unique per request), <code>webhook-timestamp</code>{' '}
        (Unix seconds) and <code>webhook-signature</code> = <code>v1,</code>base64(HMAC-SHA256(key, <code>id.timestamp.body</code>)), where the key
        is the bytes of the base64 after <code>whsec_</code>.
      </p>
      <pre className="json-block code-block" aria-label="Example: sign and send a request with openssl and curl">
        {signingExample(url)}
      </pre>
    </div>
  );
}

function CreateTriggerForm({ org, onCreated }: { org: TriggersOrg; onCreated: (t: Trigger, secret: string) => void }) {
  const client = useClient();
  const action = useAction();
  const [name, setName] = useState('');
  const [project, setProject] = useState(org.projects.nodes[0]?.slug ?? '');
  const [template, setTemplate] = useState('');
  const [args, setArgs] = useState('{}');
  const [argsChecked, setArgsChecked] = useState(false);
  const accounts = org.serviceAccounts.nodes;
  const [account, setAccount] = useState('');
  const [{ data: policy, error: policyError }] = useQuery({
    query: PROJECT_TEMPLATES,
    variables: { org: org.slug, project },
    pause: !project,
  });
  // Without `policy.read` (or while loading) the template is typed instead of chosen.
  const templates = policyError ? null : (policy?.project.effectivePolicy.templates ?? null);
  const chosen = templates?.find((t) => t.name === template) ?? null;
  const parsed = parseArgs(args);
  const { byField, general } = splitProblem<Field>(action.problem, FIELDS);
  const errors = { ...byField, args: argsChecked && !parsed.ok ? parsed.error : byField.args };
  const saAccount = account || accounts[0]?.name || '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setArgsChecked(true);
    // Arguments that are not a JSON object never leave the page.
    if (!parsed.ok) {
      action.clear();
      return;
    }
    const input = { org: org.slug, project, name: name.trim(), template: template.trim(), args: parsed.value, serviceAccount: saAccount };
    const created = await action.run(() => client.mutation(CREATE_TRIGGER, { input }).toPromise());
    if (created) {
      const { trigger, secret } = created.createTrigger;
      setName('');
      setArgs('{}');
      setArgsChecked(false);
      onCreated(trigger, secret);
    }
  };
  const described = (field: Field, hint: boolean) =>
    [hint && `trigger-${field}-hint`, errors[field] && `trigger-${field}-error`].filter(Boolean).join(' ') || undefined;
  const fieldError = (field: Field) =>
    errors[field] ? (
      <span className="field-error" id={`trigger-${field}-error`}>
        {errors[field]}
      </span>
    ) : null;

  return (
    <>
      <h3 id="trigger-form-title" className="section-title">
        Add a trigger
      </h3>
      <form className="stack" aria-labelledby="trigger-form-title" onSubmit={(e) => void submit(e)}>
        <div className="field-grid">
          <TextField
            id="trigger-name"
            label="Trigger name"
            className="mono"
            required
            maxLength={64}
            placeholder="ci-release"
            value={name}
            onChange={setName}
            hint={
              <>
                a-z, 0-9 and <code>-</code>; unique in the project
              </>
            }
            error={errors.name}
          />
          <SelectField
            id="trigger-project"
            label="Project"
            required
            options={org.projects.nodes.map((p) => ({ value: p.slug, label: p.name }))}
            value={project}
            onChange={(v) => {
              setProject(v);
              setTemplate('');
            }}
            error={errors.project}
          />
          <div className="field">
            <label htmlFor="trigger-template">Plan template</label>
            {templates && templates.length > 0 ? (
              <select
                id="trigger-template"
                required
                value={template}
                onChange={(e) => setTemplate(e.target.value)}
                aria-invalid={errors.template ? true : undefined}
                aria-describedby={described('template', true)}
              >
                <option value="">Choose a template…</option>
                {templates.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.name}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id="trigger-template"
                className="mono"
                required
                autoComplete="off"
                spellCheck={false}
                value={template}
                onChange={(e) => setTemplate(e.target.value)}
                aria-invalid={errors.template ? true : undefined}
                aria-describedby={described('template', true)}
              />
            )}
            <span className="hint" id="trigger-template-hint">
              {templates?.length === 0 ? 'The project’s policy has no plan templates.' : chosen?.description || 'Each request proposes a plan from it.'}
            </span>
            {fieldError('template')}
          </div>
          <SelectField
            id="trigger-sa"
            label="Proposes as"
            required
            disabled={accounts.length === 0}
            options={accounts.map((s) => ({ value: s.name, label: s.name }))}
            value={saAccount}
            onChange={setAccount}
            hint={
              accounts.length === 0 ? (
                <>
                  No service account yet: <a href="#service-accounts">create one</a> first.
                </>
              ) : (
                'A service account: its roles decide what the trigger may propose.'
              )
            }
            error={errors.serviceAccount}
          />
        </div>
        <div className="field">
          <label htmlFor="trigger-args">Fixed arguments (JSON object)</label>
          <textarea
            id="trigger-args"
            className="mono"
            rows={3}
            spellCheck={false}
            value={args}
            onChange={(e) => setArgs(e.target.value)}
            onBlur={() => setArgsChecked(true)}
            aria-invalid={errors.args ? true : undefined}
            aria-describedby={described('args', true)}
          />
          <span className="hint" id="trigger-args-hint">
            Each request’s JSON object is laid over these.
          </span>
          {fieldError('args')}
        </div>
        {chosen && <JsonBlock value={chosen.params} summary={`Parameters of ${chosen.name}`} />}
        <div className="row">
          <button type="submit" className="btn" disabled={action.busy || accounts.length === 0 || !project}>
            Create trigger
          </button>
        </div>
        <ProblemNote problem={general} />
      </form>
    </>
  );
}

function TriggerItem({ trigger: t, onSecret, onDone }: { trigger: Trigger; onSecret: (s: Shown) => void; onDone: (message: string) => void }) {
  const client = useClient();
  const [, setEnabled] = useMutation(SET_TRIGGER_ENABLED);
  const [, remove] = useMutation(DELETE_TRIGGER);
  const action = useAction();
  const nameId = `trigger-${t.id}-name`;
  const url = urlOf(t);

  const toggle = async () => {
    const enabled = !t.enabled;
    if (await action.run(() => setEnabled({ id: t.id, enabled }))) onDone(`${enabled ? 'Enabled' : 'Disabled'} the trigger ${t.name}.`);
  };
  const rotate = async () => {
    const rotated = await action.run(() => client.mutation(ROTATE_TRIGGER_SECRET, { id: t.id }).toPromise());
    if (rotated) {
      const { trigger, secret } = rotated.rotateTriggerSecret;
      onSecret({ title: `New secret of the trigger ${trigger.name}`, secret, url: urlOf(trigger), rotated: true });
    }
  };
  const destroy = async () => {
    const gone = await action.run(() => remove({ id: t.id }));
    if (gone) onDone(`Deleted the trigger ${t.name}.`);
  };

  return (
    <article className="endpoint" aria-labelledby={nameId}>
      <div className="row">
        <strong id={nameId}>{t.name}</strong>
        {t.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="bad">disabled</Badge>}
      </div>
      <code className="endpoint-url">{url}</code>
      <dl className="facts">
        <div>
          <dt>Project</dt>
          <dd>
            <code>{t.projectSlug}</code>
          </dd>
        </div>
        <div>
          <dt>Template</dt>
          <dd>
            <code>{t.template}</code>
          </dd>
        </div>
        <div>
          <dt>Proposes as</dt>
          <dd>{t.serviceAccount}</dd>
        </div>
        <div>
          <dt>Secret</dt>
          <dd>
            <code>{t.secretFingerprint ?? '—'}</code>
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={t.createdAt}>{formatTime(t.createdAt)}</time>
          </dd>
        </div>
        <div>
          <dt>Fixed arguments</dt>
          <dd>
            <JsonInline value={t.args} />
          </dd>
        </div>
      </dl>
      <div className="row">
        <button type="button" className="btn" disabled={action.busy} onClick={() => void toggle()}>
          {t.enabled ? 'Disable' : 'Enable'}
        </button>
        <ConfirmButton
          disabled={action.busy}
          title={`Rotate the secret of trigger ${t.name}?`}
          consequence={
            <p>
              A new secret is made and shown once. <strong>The current secret stops working at once:</strong> every caller needs the new one.
            </p>
          }
          confirmLabel="Rotate secret"
          onConfirm={() => void rotate()}
        >
          Rotate secret…
        </ConfirmButton>
        <ConfirmButton
          disabled={action.busy}
          title={`Delete the trigger ${t.name}?`}
          consequence={
            <p>
              Requests to <code>{url}</code> are refused from now on.
            </p>
          }
          confirmLabel="Delete trigger"
          onConfirm={() => void destroy()}
        >
          Delete…
        </ConfirmButton>
      </div>
      <ProblemNote problem={action.problem} />
    </article>
  );
}
