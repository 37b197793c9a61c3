// The form that schedules a plan template in a project (`schedule.manage`): its name, the cron
// and the time zone it is read in, the template (chosen from the project's policy) with its
// arguments as fields generated from the template's parameters, what a slot does while the last
// run's plan is unfinished, catch-up, and the service account each slot proposes as. A
// VALIDATION error is shown beside the field it names; any other refusal once, below.

import { useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { CREATE_SCHEDULE, PROJECT_TEMPLATES, SCHEDULE_SERVICE_ACCOUNTS } from '../../api/documents';
import { splitProblem } from '../../api/errors';
import type { Schedule, ScheduleOverlap } from '../../api/types';
import { SelectField, TextField } from '../../components/Field';
import { ParamsForm, type ParamsState } from '../../components/ParamsForm';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { buildParams, freshParams, toggleMode } from '../../lib/composer';
import { browserTimeZone, OVERLAP_CHOICES } from '../../lib/schedules';
import { fieldsOf } from '../../lib/schemaForm';

const FIELDS = ['name', 'cron', 'timezone', 'template', 'args', 'overlap', 'serviceAccount'] as const;
type Field = (typeof FIELDS)[number];

/** IANA zone names the browser knows, offered as suggestions (any name may still be typed). */
const ZONES: readonly string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

interface Props {
  org: string;
  project: string;
  onCreated: (s: Schedule) => void;
}

export function CreateScheduleForm({ org, project, onCreated }: Props) {
  const [, create] = useMutation(CREATE_SCHEDULE);
  const action = useAction();
  const [name, setName] = useState('');
  const [cron, setCron] = useState('');
  const [timezone, setTimezone] = useState(() => browserTimeZone());
  const [template, setTemplate] = useState('');
  const [args, setArgs] = useState<ParamsState>(() => freshParams([]));
  const [overlap, setOverlap] = useState<ScheduleOverlap>('SKIP');
  const [catchUp, setCatchUp] = useState(true);
  const [account, setAccount] = useState('');
  const [{ data: policy, error: policyError }] = useQuery({ query: PROJECT_TEMPLATES, variables: { org, project } });
  const [{ data: accountsData, error: accountsError }] = useQuery({ query: SCHEDULE_SERVICE_ACCOUNTS, variables: { org } });

  // Without `policy.read` (or while loading) the template is typed and its arguments are JSON.
  const templates = policyError ? null : (policy?.project.effectivePolicy.templates ?? null);
  const chosen = templates?.find((t) => t.name === template) ?? null;
  const fields = useMemo(() => fieldsOf(chosen?.params), [chosen]);
  const built = buildParams(fields, args);
  const accounts = accountsData?.org.serviceAccounts.nodes ?? [];
  const saAccount = account || accounts[0]?.name || '';
  const { byField: errors, general } = splitProblem<Field>(action.problem, FIELDS);

  const chooseTemplate = (next: string) => {
    setTemplate(next);
    setArgs(freshParams(fieldsOf(templates?.find((t) => t.name === next)?.params)));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // Arguments the fields refuse are shown beside them and never leave the page.
    if (!built.params) {
      action.clear();
      return;
    }
    const input = {
      org,
      project,
      name: name.trim(),
      cron: cron.trim(),
      timezone: timezone.trim() || 'UTC',
      template: template.trim(),
      args: built.params,
      overlap,
      catchUp,
      serviceAccount: saAccount,
    };
    const created = await action.run(() => create({ input }));
    if (created) {
      setName('');
      onCreated(created.createSchedule);
    }
  };

  const templateDescribed = ['schedule-template-hint', errors.template && 'schedule-template-error'].filter(Boolean).join(' ');
  const templateControl = {
    id: 'schedule-template',
    required: true,
    value: template,
    'aria-invalid': errors.template ? true : undefined,
    'aria-describedby': templateDescribed,
  };

  return (
    <section className="card" aria-labelledby="schedule-form-title">
      <h2 id="schedule-form-title" className="card-title">
        Schedule a plan
      </h2>
      <form className="stack" aria-labelledby="schedule-form-title" onSubmit={(e) => void submit(e)}>
        <div className="field-grid">
          <TextField
            id="schedule-name"
            label="Schedule name"
            className="mono"
            required
            maxLength={64}
            placeholder="nightly-release"
            value={name}
            onChange={setName}
            hint={
              <>
                a-z, 0-9 and <code>-</code>; unique in the project
              </>
            }
            error={errors.name}
          />
          <TextField
            id="schedule-cron"
            label="Cron"
            className="mono"
            required
            placeholder="0 9 * * MON-FRI"
            value={cron}
            onChange={setCron}
            hint={
              <>
                seconds optional, e.g. <code>0 9 * * MON-FRI</code>
              </>
            }
            error={errors.cron}
          />
          <TextField
            id="schedule-timezone"
            label="Time zone"
            required
            list={ZONES.length > 0 ? 'schedule-timezones' : undefined}
            value={timezone}
            onChange={setTimezone}
            hint="IANA name; the cron’s times are read there, summer time included"
            error={errors.timezone}
          />
          {ZONES.length > 0 && (
            <datalist id="schedule-timezones">
              {ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          )}
          <div className="field">
            <label htmlFor="schedule-template">Plan template</label>
            {templates && templates.length > 0 ? (
              <select {...templateControl} onChange={(e) => chooseTemplate(e.target.value)}>
                <option value="">Choose a template…</option>
                {templates.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.name}
                  </option>
                ))}
              </select>
            ) : (
              <input {...templateControl} className="mono" autoComplete="off" spellCheck={false} onChange={(e) => setTemplate(e.target.value)} />
            )}
            <span className="hint" id="schedule-template-hint">
              {templates?.length === 0 ? 'The project’s policy has no plan templates.' : chosen?.description || 'Each slot proposes a plan from it.'}
            </span>
            {errors.template && (
              <span className="field-error" id="schedule-template-error">
                {errors.template}
              </span>
            )}
          </div>
          <SelectField
            id="schedule-overlap"
            label="While the last run is unfinished"
            options={OVERLAP_CHOICES}
            value={overlap}
            onChange={(v) => setOverlap(v as ScheduleOverlap)}
            hint="What a slot does while the plan of the previous slot has not finished."
            error={errors.overlap}
          />
          <SelectField
            id="schedule-sa"
            label="Proposes as"
            required
            disabled={accounts.length === 0}
            options={accounts.map((s) => ({ value: s.name, label: s.name }))}
            value={saAccount}
            onChange={setAccount}
            hint={
              accounts.length === 0 && accountsData ? (
                <>
                  No service account yet: <Link to={`/orgs/${org}/admin#service-accounts`}>create one</Link> first.
                </>
              ) : (
                'A service account: its roles decide what the runs may propose.'
              )
            }
            error={errors.serviceAccount}
          />
        </div>
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={catchUp} aria-describedby="schedule-catch-up-hint" onChange={(e) => setCatchUp(e.target.checked)} /> Catch
            up on missed slots
          </label>
          <span className="hint" id="schedule-catch-up-hint">
            A slot missed while no Praetor server ran is run when one is back (within the instance’s catch-up window); otherwise it is recorded as
            skipped.
          </span>
        </div>
        <ParamsForm
          fields={fields}
          state={args}
          errors={built.fieldErrors}
          jsonError={built.jsonError}
          onChange={setArgs}
          onToggleMode={() => setArgs(toggleMode(fields, args))}
        />
        {errors.args && (
          <p className="field-error" id="schedule-args-error">
            Arguments: {errors.args}
          </p>
        )}
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={action.busy || accounts.length === 0}>
            Create schedule
          </button>
        </div>
        <ProblemNote error={accountsError} title="Service accounts unavailable" />
        <ProblemNote problem={general} />
      </form>
    </section>
  );
}
