// The draft editor: starts from the newest version of the chosen scope (the organization or
// this project), validates as you type with every diagnostic listed and marked at its line, and
// applies the bundle as new immutable versions (all or nothing) for those who may write policy.
// Where the policy in force asks for a second person's approval, applying only proposes the
// change: the panel says so, and the proposal waits in "Proposed changes".
// The editor completes the names of the project's actions and the organization's groups.

import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { APPLY_POLICY, POLICY_GROUP_NAMES, POLICY_VERSIONS, PROJECT_ACTIONS, VALIDATE_POLICY } from '../../api/documents';
import { problemOf, type Problem } from '../../api/errors';
import type { PolicySourceInput } from '../../api/generated/graphql';
import type { PolicyDiagnostic, PolicyVersion } from '../../api/types';
import type { PolicyEditorHandle } from '../../components/PolicyEditor';
import type { EditorNames } from '../../components/policyEditorExtensions';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import { countBySeverity } from '../../lib/diagnostics';
import { humanize, policyScope } from '../../lib/format';

// The editor (CodeMirror and the policy schema) is loaded with this tab, not with the app.
const PolicyEditor = lazy(() => import('../../components/PolicyEditor').then((m) => ({ default: m.PolicyEditor })));

/** A file of the draft, as `applyPolicy` takes it; the editor always names its files. */
type Source = Required<PolicySourceInput>;

type Scope = 'org' | 'project';

const VALIDATE_DELAY_MS = 600;

function starter(org: string, project: string): Source[] {
  return [
    {
      name: `policies/${project}.yaml`,
      text: `apiVersion: praetor.dev/v1\nkind: Policy\nmetadata:\n  name: ${project}-rules\n  org: ${org}\n  project: ${project}\nspec:\n  rules: []\n`,
    },
  ];
}

/**
 * Action names (built-in and from policy documents in force for the project) and group names.
 * Either may be missing (groups need `group.read`): the editor then completes what it has.
 */
function useEditorNames(org: string, project: string, canWrite: boolean): EditorNames {
  // A read-only editor completes nothing: no need to ask.
  const [actions] = useQuery({ query: PROJECT_ACTIONS, variables: { org, project }, pause: !canWrite });
  const [groups] = useQuery({ query: POLICY_GROUP_NAMES, variables: { org }, pause: !canWrite });
  return useMemo(
    () => ({
      actions: (actions.data?.project?.effectivePolicy.actions ?? []).map((a) => ({ name: a.name, detail: `${humanize(a.risk)} risk`, description: a.description })),
      groups: (groups.data?.org?.groups.nodes ?? []).map((g) => ({ name: g.name, description: g.description })),
    }),
    [actions.data, groups.data],
  );
}

export function DraftPanel({ org, project, canWrite, onProposed }: { org: string; project: string; canWrite: boolean; onProposed?: () => void }) {
  const [{ data, error }, refetch] = useQuery({ query: POLICY_VERSIONS, variables: { org, project }, requestPolicy: 'cache-and-network' });
  const [scope, setScope] = useState<Scope>('org');
  // Kept here: applying makes a new base version, which starts a fresh draft below.
  const [applied, setApplied] = useState<string | null>(null);
  const [activeFile, setActiveFile] = useState<string | null>(null);
  const base = scope === 'org' ? data?.org.policyVersions.nodes[0] : data?.project.policyVersions.nodes[0];
  if (error) return <ProblemNote error={error} />;
  if (!data) return <Loading what="policy versions" />;
  return (
    <Draft
      key={`${scope}-${base?.id ?? 'none'}`}
      org={org}
      project={project}
      scope={scope}
      onScope={setScope}
      base={base ?? null}
      canWrite={canWrite}
      applied={applied}
      activeFile={activeFile}
      onActiveFile={setActiveFile}
      onApplied={(message) => {
        setApplied(message);
        refetch({ requestPolicy: 'network-only' });
      }}
      onProposed={onProposed}
    />
  );
}

interface DraftProps {
  org: string;
  project: string;
  scope: Scope;
  onScope: (s: Scope) => void;
  base: PolicyVersion | null;
  canWrite: boolean;
  applied: string | null;
  activeFile: string | null;
  onActiveFile: (name: string) => void;
  onApplied: (message: string) => void;
  onProposed?: () => void;
}

function Draft({ org, project, scope, onScope, base, canWrite, applied, activeFile, onActiveFile, onApplied, onProposed }: DraftProps) {
  // Only name and text: the cached sources also carry `__typename`, which the input refuses.
  const initial = useMemo(
    () => (base ? base.sources.map((s) => ({ name: s.name, text: s.text })) : scope === 'project' ? starter(org, project) : []),
    [base, scope, org, project],
  );
  const [sources, setSources] = useState<Source[]>(initial);
  const [active, setActiveIndex] = useState(() => Math.max(0, initial.findIndex((s) => s.name === activeFile)));
  const setActive = (i: number) => {
    setActiveIndex(i);
    const name = sources[i]?.name;
    if (name) onActiveFile(name);
  };
  const [diagnostics, setDiagnostics] = useState<PolicyDiagnostic[]>([]);
  const [validated, setValidated] = useState<{ ok: boolean } | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [validateProblem, setValidateProblem] = useState<Problem | null>(null);
  const [comment, setComment] = useState('');
  // The sources (as JSON) last sent for approval: the notice stays while the draft is those.
  const [proposed, setProposed] = useState<string | null>(null);
  const [validateState, validate] = useMutation(VALIDATE_POLICY);
  const [applyState, apply] = useMutation(APPLY_POLICY);
  const editor = useRef<PolicyEditorHandle>(null);
  const names = useEditorNames(org, project, canWrite);
  const dirty = JSON.stringify(sources) !== JSON.stringify(initial);
  const input = useMemo(
    () => ({ org, project: scope === 'project' ? project : null, sources, comment }),
    [org, project, scope, sources, comment],
  );

  // Validate shortly after typing stops; only the latest answer counts.
  const ticket = useRef(0);
  const sourcesKey = JSON.stringify(sources);
  useEffect(() => {
    if (sources.length === 0) return;
    const mine = ++ticket.current;
    const timer = setTimeout(() => {
      void validate({ input: { ...input, comment: '' } }).then((res) => {
        if (mine !== ticket.current) return;
        if (res.error) {
          setValidateProblem(problemOf(res.error));
          setValidated(null);
        } else if (res.data) {
          setValidateProblem(null);
          setDiagnostics(res.data.validatePolicy.diagnostics);
          setValidated({ ok: res.data.validatePolicy.ok });
        }
      });
    }, VALIDATE_DELAY_MS);
    return () => clearTimeout(timer);
    // sourcesKey stands for the sources; the comment does not change validity.
  }, [sourcesKey, scope, validate]);

  const doApply = async () => {
    setProblem(null);
    const res = await apply({ input });
    if (res.error) {
      const p = problemOf(res.error);
      setProblem(p);
      if (p && p.diagnostics.length > 0) setDiagnostics(p.diagnostics);
      return;
    }
    if (res.data?.applyPolicy.pendingProposal) {
      setProposed(JSON.stringify(sources));
      onProposed?.();
      return;
    }
    const versions = res.data?.applyPolicy.versions ?? [];
    onApplied(versions.length === 0 ? 'Nothing changed: no new version.' : `Applied: ${versions.map((v) => `${policyScope(v)}@${v.version}`).join(', ')}`);
  };

  const file = sources[active];
  const counts = countBySeverity(diagnostics);
  const goTo = (d: PolicyDiagnostic) => {
    const i = sources.findIndex((s) => s.name === d.file);
    if (i >= 0 && i !== active) {
      setActive(i);
      requestAnimationFrame(() => editor.current?.goToLine(d.line, d.column));
    } else editor.current?.goToLine(d.line, d.column);
  };

  return (
    <section className="card draft" aria-labelledby="draft-title">
      <div className="card-header">
        <h2 id="draft-title" className="card-title">
          Draft
        </h2>
        <label className="inline-field">
          <span>Scope</span>
          <select value={scope} onChange={(e) => onScope(e.target.value as Scope)} disabled={dirty} title={dirty ? 'Apply or reset the draft to change scope' : undefined}>
            <option value="org">Organization (all projects)</option>
            <option value="project">Project {project} only</option>
          </select>
        </label>
      </div>
      <p className="muted small">
        Based on {base ? `${policyScope(base)} version ${base.version}` : 'no stored version (new policy)'}. {dirty ? 'Edited.' : 'Unchanged.'}
      </p>
      {sources.length > 0 && (
        <div className="file-tabs" role="group" aria-label="Files">
          {sources.map((s, i) => {
            const n = diagnostics.filter((d) => d.file === s.name).length;
            return (
              <button key={s.name} type="button" className={i === active ? 'file-tab active' : 'file-tab'} aria-pressed={i === active} onClick={() => setActive(i)}>
                {s.name.split('/').pop()}
                {n > 0 && <span className="count">{n}</span>}
              </button>
            );
          })}
        </div>
      )}
      {file ? (
        <Suspense fallback={<Loading what="the editor" />}>
          <PolicyEditor
            ref={editor}
            id="policy-editor"
            label={`Policy source ${file.name}`}
            file={file.name}
            text={file.text}
            diagnostics={diagnostics}
            readOnly={!canWrite}
            names={names}
            onChange={(text) => setSources((all) => all.map((s, i) => (i === active ? { ...s, text } : s)))}
          />
        </Suspense>
      ) : (
        <p className="muted">No documents in this scope yet.</p>
      )}

      <div className="diagnostics" aria-live="polite" data-testid="diagnostics">
        {validateState.fetching && <span className="muted small">Validating…</span>}
        {validated && !validateState.fetching && (
          <p className={`notice tone-${validated.ok ? (counts.warnings ? 'warn' : 'ok') : 'bad'}`}>
            {validated.ok ? 'Valid' : 'Invalid'}: {counts.errors} error(s), {counts.warnings} warning(s), {counts.infos} note(s)
          </p>
        )}
        {diagnostics.length > 0 && (
          <ul className="plain diag-list">
            {diagnostics.map((d, i) => (
              <li key={i} className={`diag diag-${d.severity.toLowerCase()}`}>
                <button type="button" className="btn btn-link" onClick={() => goTo(d)}>
                  {d.file.split('/').pop()}:{d.line}:{d.column}
                </button>{' '}
                <span className={`sev sev-${d.severity.toLowerCase()}`}>{humanize(d.severity)}</span> <code>{d.code}</code> {d.message}
                {d.path && <span className="muted"> ({d.path})</span>}
              </li>
            ))}
          </ul>
        )}
      </div>

      <ProblemNote problem={validateProblem} title="Cannot validate" />
      <ProblemNote problem={problem} title="Not applied" />
      {proposed === sourcesKey && (
        <p className="notice tone-warn" role="status">
          Waiting for a second person’s approval — nothing is in force until someone else with policy.write approves it. The change is listed under
          “Proposed changes”.
        </p>
      )}
      {applied && !dirty && (
        <p className="notice tone-ok" role="status">
          {applied}
        </p>
      )}
      {canWrite ? (
        <div className="apply-row">
          <div className="field">
            <label htmlFor="policy-comment">Change comment</label>
            <input id="policy-comment" value={comment} onChange={(e) => setComment(e.target.value)} placeholder="Why this change?" />
          </div>
          <button type="button" className="btn btn-primary" disabled={!dirty || applyState.fetching || validated?.ok === false || proposed === sourcesKey} onClick={() => void doApply()}>
            {applyState.fetching ? 'Applying…' : 'Apply as new version'}
          </button>
          <button type="button" className="btn btn-ghost" disabled={!dirty} onClick={() => setSources(initial)}>
            Reset
          </button>
        </div>
      ) : (
        <p className="muted small">You may read policy but not change it: the editor validates your draft without storing it.</p>
      )}
    </section>
  );
}
