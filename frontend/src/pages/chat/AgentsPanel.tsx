// Who answers in a project's chat: pick the organization's agents taking part, in order, and
// how their proposals are arbitrated (project administrators, `project.agents`); create agents
// and switch them on or off (org administrators, `agent.manage`). Hidden from everyone else.

import { useEffect, useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { CHAT_AGENTS, CREATE_AGENT, SET_PROJECT_AGENTS, UPDATE_AGENT } from '../../api/documents';
import type { ChatAgentsQuery } from '../../api/generated/graphql';
import type { Agent, AgentPlanner, ArbitrationStrategy } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';

const STRATEGIES: [ArbitrationStrategy, string][] = [
  ['FIRST_VALID', 'first valid (in this order)'],
  ['LOWEST_COST', 'lowest cost'],
  ['LOWEST_RISK', 'lowest risk'],
  ['CONSENSUS', 'consensus'],
  ['HUMAN_CHOICE', 'the owner chooses'],
];

export function AgentsPanel({ org, project }: { org: string; project: string }) {
  const [{ data }, refetch] = useQuery({ query: CHAT_AGENTS, variables: { org, project }, requestPolicy: 'cache-and-network' });
  if (!data || (!data.org.projectAgents && !data.org.agentManage)) return null;
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <details className="card chat-agents">
      <summary>Agents and arbitration</summary>
      <div className="stack">
        {data.org.projectAgents && <ProjectAgents org={org} project={project} data={data} onSaved={reload} />}
        {data.org.agentManage && <ManageAgents org={org} agents={data.agents} onChanged={reload} />}
      </div>
    </details>
  );
}

function ProjectAgents({ org, project, data, onSaved }: { org: string; project: string; data: ChatAgentsQuery; onSaved: () => void }) {
  const id = useId();
  const settings = data.project.chatSettings;
  const [chosen, setChosen] = useState<string[]>(() => settings.agents.map((a) => a.name));
  const [strategy, setStrategy] = useState(settings.strategy);
  const [consensus, setConsensus] = useState(String(settings.consensus ?? 2));
  const [saved, setSaved] = useState(false);
  const [, save] = useMutation(SET_PROJECT_AGENTS);
  const action = useAction();
  useEffect(() => setSaved(false), [chosen, strategy, consensus]);
  const toggle = (name: string, on: boolean) => setChosen((c) => (on ? [...c.filter((n) => n !== name), name] : c.filter((n) => n !== name)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = { org, project, agents: chosen, strategy, consensus: strategy === 'CONSENSUS' ? Number(consensus) : null };
    if (await action.run(() => save({ input }))) {
      setSaved(true);
      onSaved();
    }
  };
  return (
    <form className="stack" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="section-title">
        Agents of this project
      </h3>
      {data.agents.length === 0 ? (
        <p className="muted small">The organization has no agents yet; the built-in alias agent answers.</p>
      ) : (
        <fieldset>
          <legend>Taking part (in the order ticked)</legend>
          <ul className="plain">
            {data.agents.map((a) => (
              <li key={a.id}>
                <label className="check">
                  <input type="checkbox" checked={chosen.includes(a.name)} onChange={(e) => toggle(a.name, e.target.checked)} /> {a.name}{' '}
                  <span className="muted small">
                    {a.planner.toLowerCase()} · {a.role.join(', ')}
                  </span>
                  {!a.enabled && <Badge tone="neutral">off</Badge>}
                </label>
              </li>
            ))}
          </ul>
          <p className="muted small" data-testid="agent-order">
            {chosen.length ? `Order: ${chosen.join(' → ')}` : 'None ticked: the built-in alias agent answers alone.'}
          </p>
        </fieldset>
      )}
      <div className="inline-form">
        <div className="field">
          <label htmlFor={`${id}-strategy`}>Arbitration</label>
          <select id={`${id}-strategy`} value={strategy} onChange={(e) => setStrategy(e.target.value as ArbitrationStrategy)}>
            {STRATEGIES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {strategy === 'CONSENSUS' && (
          <div className="field">
            <label htmlFor={`${id}-consensus`}>Agents that must agree</label>
            <input id={`${id}-consensus`} type="number" min={1} max={20} value={consensus} onChange={(e) => setConsensus(e.target.value)} />
          </div>
        )}
        <button type="submit" className="btn btn-primary" disabled={action.busy}>
          Save agents
        </button>
        {saved && (
          <span role="status" className="muted small">
            Saved: {settings.strategyLabel}.
          </span>
        )}
      </div>
      <ProblemNote problem={action.problem} title="Not saved" />
    </form>
  );
}

function ManageAgents({ org, agents, onChanged }: { org: string; agents: Agent[]; onChanged: () => void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [planner, setPlanner] = useState<AgentPlanner>('ALIAS');
  const [role, setRole] = useState('');
  const [description, setDescription] = useState('');
  const [, create] = useMutation(CREATE_AGENT);
  const [, update] = useMutation(UPDATE_AGENT);
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const globs = role
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
    if (await action.run(() => create({ input: { org, name: name.trim(), planner, role: globs, description: description.trim() } }))) {
      setName('');
      setRole('');
      setDescription('');
      onChanged();
    }
  };
  const switchAgent = async (a: Agent) => {
    if (await action.run(() => update({ input: { agentId: a.id, enabled: !a.enabled } }))) onChanged();
  };
  return (
    <section className="stack" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="section-title">
        Agents of the organization
      </h3>
      {agents.length > 0 && (
        <ul className="plain">
          {agents.map((a) => (
            <li key={a.id} className="row">
              <strong>{a.name}</strong>
              <span className="muted small">
                {a.planner.toLowerCase()} · may propose {a.role.join(', ')}
                {a.description && ` · ${a.description}`}
              </span>
              <button type="button" className="btn btn-ghost" disabled={action.busy} onClick={() => void switchAgent(a)}>
                {a.enabled ? `Turn ${a.name} off` : `Turn ${a.name} on`}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={`${id}-name`}>Agent name</label>
          <input id={`${id}-name`} required pattern="[a-z0-9\-]+" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-planner`}>Planner</label>
          <select id={`${id}-planner`} value={planner} onChange={(e) => setPlanner(e.target.value as AgentPlanner)}>
            <option value="ALIAS">alias (the actions' phrases)</option>
            <option value="LLM">LLM (the configured model)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>May propose (action globs, comma-separated)</label>
          <input id={`${id}-role`} required placeholder="deploy.*, service.restart" value={role} onChange={(e) => setRole(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-description`}>Description</label>
          <input id={`${id}-description`} value={description} maxLength={200} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <button type="submit" className="btn" disabled={action.busy}>
          Create agent
        </button>
      </form>
      <ProblemNote problem={action.problem} title="Not done" />
    </section>
  );
}
