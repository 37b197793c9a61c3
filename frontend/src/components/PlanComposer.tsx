// "New plan": pick registered actions (or a runbook) of the project's effective policy, fill
// their parameters as generated fields or JSON, see the live preview from `simulatePlan`, then
// propose. Chat will produce the same StepInput list and reuse the preview card.

import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { PROPOSE_PLAN, SIMULATE_PLAN } from '../api/documents';
import { problemOf, type Problem } from '../api/errors';
import type { SimulatePlanMutation } from '../api/generated/graphql';
import type { ActionInfo, TemplateInfo } from '../api/types';
import {
  actionFields,
  buildParams,
  buildSteps,
  freshParams,
  newIdempotencyKey,
  templateFields,
  toggleMode,
  type DraftStep,
} from '../lib/composer';
import { formatCost, humanize } from '../lib/format';
import { ParamsForm, type ParamsState } from './ParamsForm';
import { PlanPreviewCard } from './PlanPreviewCard';
import { ProblemNote } from './ProblemNote';

interface Props {
  org: string;
  project: string;
  actions: ActionInfo[];
  templates: TemplateInfo[];
  onProposed: (planId: string) => void;
}

type Simulation = SimulatePlanMutation['simulatePlan'];

const PREVIEW_DELAY_MS = 350;

export function PlanComposer({ org, project, actions, templates, onProposed }: Props) {
  const id = useId();
  const nextKey = useRef(1);
  const firstAction = actions.find((a) => !a.builtin) ?? actions[0];
  const draftFor = (name: string): DraftStep => ({ key: nextKey.current++, action: name, params: freshParams(actionFields(actions, name)) });
  const [source, setSource] = useState<'steps' | 'template'>('steps');
  const [drafts, setDrafts] = useState<DraftStep[]>(() => (firstAction ? [draftFor(firstAction.name)] : []));
  const [template, setTemplate] = useState(templates[0]?.name ?? '');
  const [templateArgs, setTemplateArgs] = useState<ParamsState>(() => freshParams(templateFields(templates, templates[0]?.name ?? '')));
  const [title, setTitle] = useState('');
  const [runWhenApproved, setRunWhenApproved] = useState(false);
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const [simulation, setSimulation] = useState<Simulation | null>(null);
  const [simProblem, setSimProblem] = useState<Problem | null>(null);
  const [proposeProblem, setProposeProblem] = useState<Problem | null>(null);
  const [, simulate] = useMutation(SIMULATE_PLAN);
  const [proposing, propose] = useMutation(PROPOSE_PLAN);

  const tFields = useMemo(() => templateFields(templates, template), [templates, template]);
  const templateBuilt = buildParams(tFields, templateArgs);
  const request = useMemo(() => {
    if (source === 'template') {
      return template && templateBuilt.params ? { org, project, template, args: templateBuilt.params } : null;
    }
    const steps = buildSteps(actions, drafts);
    return steps ? { org, project, steps } : null;
  }, [source, template, templateArgs, tFields, actions, drafts, org, project]);
  const requestKey = request ? JSON.stringify(request) : '';

  // Live preview: simulate shortly after the draft stops changing; only the latest answer counts.
  const latest = useRef(0);
  useEffect(() => {
    if (!request) {
      setSimulation(null);
      setSimProblem(null);
      return;
    }
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      void simulate({ input: request }).then((res) => {
        if (ticket !== latest.current) return;
        if (res.error) {
          setSimulation(null);
          setSimProblem(problemOf(res.error));
        } else if (res.data) {
          setSimulation(res.data.simulatePlan);
          setSimProblem(null);
        }
      });
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
    // requestKey stands for request: simulate again only when the input really changed.
  }, [requestKey, simulate]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!request) return;
    setProposeProblem(null);
    const input = { ...request, title: title.trim() || undefined, runWhenApproved, idempotencyKey };
    const res = await propose({ input });
    if (res.error) {
      setProposeProblem(problemOf(res.error));
      return;
    }
    if (res.data) {
      setIdempotencyKey(newIdempotencyKey());
      onProposed(res.data.proposePlan.id);
    }
  };

  const updateDraft = (key: number, next: Partial<DraftStep>) =>
    setDrafts((ds) => ds.map((d) => (d.key === key ? { ...d, ...next } : d)));
  const changeAction = (key: number, name: string) => updateDraft(key, { action: name, params: freshParams(actionFields(actions, name)) });
  const custom = actions.filter((a) => !a.builtin);
  const builtin = actions.filter((a) => a.builtin);

  return (
    <form className="composer" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <div className="composer-form card">
        <h2 id={`${id}-title`} className="card-title">
          New plan
        </h2>
        {templates.length > 0 && (
          <fieldset className="segmented">
            <legend className="visually-hidden">Plan source</legend>
            <label>
              <input type="radio" name={`${id}-source`} checked={source === 'steps'} onChange={() => setSource('steps')} /> Actions
            </label>
            <label>
              <input type="radio" name={`${id}-source`} checked={source === 'template'} onChange={() => setSource('template')} /> Runbook
            </label>
          </fieldset>
        )}

        {source === 'steps' &&
          drafts.map((d, i) => {
            const fields = actionFields(actions, d.action);
            const built = buildParams(fields, d.params);
            const info = actions.find((a) => a.name === d.action);
            return (
              <section className="draft-step" key={d.key} aria-label={`Step ${i + 1}`}>
                <div className="field">
                  <label htmlFor={`${id}-action-${d.key}`}>Step {i + 1}: action</label>
                  <select id={`${id}-action-${d.key}`} value={d.action} onChange={(e) => changeAction(d.key, e.target.value)}>
                    {custom.length > 0 && (
                      <optgroup label="Actions of this organization">
                        {custom.map((a) => (
                          <option key={a.name} value={a.name}>
                            {a.name}
                          </option>
                        ))}
                      </optgroup>
                    )}
                    <optgroup label="Built-in actions">
                      {builtin.map((a) => (
                        <option key={a.name} value={a.name}>
                          {a.name}
                        </option>
                      ))}
                    </optgroup>
                  </select>
                  {info && (
                    <span className="hint">
                      {info.description} · {humanize(info.risk)} risk · cost {info.cost}
                      {info.aliases.length > 0 && <> · say “{info.aliases[0]}”</>}
                    </span>
                  )}
                </div>
                <ParamsForm
                  fields={fields}
                  state={d.params}
                  errors={built.fieldErrors}
                  jsonError={built.jsonError}
                  onChange={(params) => updateDraft(d.key, { params })}
                  onToggleMode={() => updateDraft(d.key, { params: toggleMode(fields, d.params) })}
                />
                {drafts.length > 1 && (
                  <button type="button" className="btn btn-ghost" onClick={() => setDrafts((ds) => ds.filter((x) => x.key !== d.key))}>
                    Remove step {i + 1}
                  </button>
                )}
              </section>
            );
          })}
        {source === 'steps' && firstAction && (
          <button type="button" className="btn btn-ghost" onClick={() => setDrafts((ds) => [...ds, draftFor(firstAction.name)])}>
            Add a step
          </button>
        )}

        {source === 'template' && (
          <section className="draft-step" aria-label="Runbook">
            <div className="field">
              <label htmlFor={`${id}-template`}>Runbook</label>
              <select
                id={`${id}-template`}
                value={template}
                onChange={(e) => {
                  setTemplate(e.target.value);
                  setTemplateArgs(freshParams(templateFields(templates, e.target.value)));
                }}
              >
                {templates.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.name}
                  </option>
                ))}
              </select>
              <span className="hint">
                {templates.find((t) => t.name === template)?.description} · steps: {templates.find((t) => t.name === template)?.steps.join(', ')}
              </span>
            </div>
            <ParamsForm
              fields={tFields}
              state={templateArgs}
              errors={templateBuilt.fieldErrors}
              jsonError={templateBuilt.jsonError}
              onChange={setTemplateArgs}
              onToggleMode={() => setTemplateArgs(toggleMode(tFields, templateArgs))}
            />
          </section>
        )}

        <div className="field">
          <label htmlFor={`${id}-plan-title`}>Title (optional)</label>
          <input id={`${id}-plan-title`} value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />
        </div>
        <label className="check">
          <input type="checkbox" checked={runWhenApproved} onChange={(e) => setRunWhenApproved(e.target.checked)} /> Run as soon as it is
          approved
        </label>
        <ProblemNote problem={proposeProblem} title="Not proposed" />
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={!request || proposing.fetching}>
            {proposing.fetching ? 'Proposing…' : 'Propose plan'}
          </button>
          {simulation && (
            <span className="muted" aria-live="polite">
              {simulation.preview.steps.length} step(s), {formatCost(simulation.preview.cost)}
            </span>
          )}
        </div>
      </div>
      <div className="composer-preview">
        {simProblem && <ProblemNote problem={simProblem} title="No preview" />}
        {simulation && !simProblem && (
          <PlanPreviewCard title="Preview" preview={simulation.preview} steps={simulation.steps} planHash={simulation.planHash} />
        )}
        {!simulation && !simProblem && <p className="muted card placeholder">Fill in the parameters to see what the plan would do.</p>}
      </div>
    </form>
  );
}
