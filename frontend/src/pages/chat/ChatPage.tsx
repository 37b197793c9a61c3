// Chat: the project's conversations beside the open one (or a new one). A new conversation is
// created with its first message; the server names it after its first real request.

import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, NavLink, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { CHAT_SESSIONS, CHAT_SETTINGS, CREATE_CHAT_SESSION, PROJECT_ACTIONS, SEND_CHAT_MESSAGE } from '../../api/documents';
import { problemOf, type Problem } from '../../api/errors';
import { ChatComposer } from '../../components/chat/ChatComposer';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import { useRefreshOnActivity } from '../../hooks/useActivityRefresh';
import { exampleFromAlias } from '../../lib/chat';
import { relativeTime } from '../../lib/format';
import { CHAT_EVENTS } from '../../lib/refresh';
import { useWorkspace } from '../../session';
import { AgentsPanel } from './AgentsPanel';
import { ChatSessionView } from './ChatSessionView';

export function ChatPage() {
  const { org = '', project = '', sessionId } = useParams();
  const { rights } = useWorkspace();
  return (
    <div className="chat-layout">
      <ConversationList org={org} project={project} current={sessionId ?? null} canWrite={rights.chatWrite} />
      <section className="chat-main" aria-label={sessionId ? 'Conversation' : 'New conversation'}>
        {sessionId ? (
          <ChatSessionView key={sessionId} sessionId={sessionId} org={org} project={project} />
        ) : (
          <NewConversation key={`${org}/${project}`} org={org} project={project} canWrite={rights.chatWrite} />
        )}
      </section>
    </div>
  );
}

/** "Now" for relative times: never before the server's own time (clocks drift a little). */
function later(now: Date, iso: string): Date {
  const t = new Date(iso);
  return t > now ? t : now;
}

function ConversationList({ org, project, current, canWrite }: { org: string; project: string; current: string | null; canWrite: boolean }) {
  const id = useId();
  const [mine, setMine] = useState(false);
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, error, fetching }, refetch] = useQuery({
    query: CHAT_SESSIONS,
    variables: { org, project, mine, after },
    requestPolicy: 'cache-and-network',
  });
  useEffect(() => setAfter(null), [mine, project]);
  // New conversations (here or by colleagues) appear with the org's chat activity and on navigation.
  useRefreshOnActivity(CHAT_EVENTS, () => refetch({ requestPolicy: 'network-only' }));
  useEffect(() => {
    refetch({ requestPolicy: 'network-only' });
  }, [current, refetch]);
  const sessions = data?.project.chatSessions.nodes ?? [];
  const base = `/orgs/${org}/projects/${project}/chat`;
  return (
    <nav className="chat-sidebar card" aria-labelledby={`${id}-title`}>
      <div className="card-header">
        <h2 id={`${id}-title`} className="card-title">
          Conversations
        </h2>
        {canWrite && (
          <Link className="btn btn-primary" to={base}>
            New
          </Link>
        )}
      </div>
      <label className="check small">
        <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Only mine
      </label>
      <ProblemNote error={error} />
      {!data && fetching && <Loading what="conversations" />}
      {data && sessions.length === 0 && <p className="muted small">No conversations yet.</p>}
      <ul className="chat-sessions">
        {sessions.map((s) => (
          <li key={s.id}>
            <NavLink to={`${base}/${s.id}`} className="chat-session-link">
              <span className="chat-session-title">{s.title}</span>
              <span className="muted small">
                {s.owner.name} · <time dateTime={s.updatedAt}>{relativeTime(s.updatedAt, later(new Date(), s.updatedAt))}</time>
              </span>
            </NavLink>
          </li>
        ))}
      </ul>
      {data?.project.chatSessions.pageInfo.hasNextPage && (
        <button type="button" className="btn btn-ghost" onClick={() => setAfter(data.project.chatSessions.pageInfo.endCursor)}>
          Older conversations
        </button>
      )}
      {after && (
        <button type="button" className="btn btn-ghost" onClick={() => setAfter(null)}>
          Back to newest
        </button>
      )}
    </nav>
  );
}

function NewConversation({ org, project, canWrite }: { org: string; project: string; canWrite: boolean }) {
  const navigate = useNavigate();
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [, create] = useMutation(CREATE_CHAT_SESSION);
  const [, send] = useMutation(SEND_CHAT_MESSAGE);
  const box = useRef<HTMLTextAreaElement>(null);
  const [{ data: settings }] = useQuery({ query: CHAT_SETTINGS, variables: { org, project } });
  const agents = settings?.project.chatSettings;
  const [{ data: catalog }] = useQuery({
    query: PROJECT_ACTIONS,
    variables: { org, project },
    pause: !canWrite,
  });
  // Sentences the project's own actions and runbooks understand, with their defaults filled in.
  const examples = useMemo(() => {
    const policy = catalog?.project.effectivePolicy;
    const found = [...(policy?.actions ?? []), ...(policy?.templates ?? [])]
      .map((a) => (a.aliases[0] ? exampleFromAlias(a.aliases[0], a.params) : null))
      .filter((e): e is string => !!e);
    return [...new Set(found)].slice(0, 4).concat('help');
  }, [catalog]);

  useEffect(() => {
    if (canWrite) box.current?.focus();
  }, [canWrite]);

  const start = async (text: string) => {
    setBusy(true);
    setProblem(null);
    try {
      // Untitled: the server names the conversation after its first real request (not "help").
      const made = await create({ input: { org, project } });
      if (made.error || !made.data) {
        setProblem(problemOf(made.error));
        return;
      }
      const sessionId = made.data.createChatSession.id;
      const sent = await send({ sessionId, text });
      // The conversation exists either way: open it (a failed first message can be sent again).
      navigate(`/orgs/${org}/projects/${project}/chat/${sessionId}`, { state: sent.error ? { unsent: text } : undefined });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <div className="page-header">
        <div>
          <h1>New conversation</h1>
          <p className="muted">
            Say what you want done. Praetor plans it with the project's agents, previews it, checks it against policy and asks for the approvals
            it needs; you run it from here and watch it live.
          </p>
        </div>
      </div>
      {agents && (
        <p className="muted small">
          Answered by{' '}
          {agents.agents.length === 0 ? (
            <strong>the built-in alias agent</strong>
          ) : (
            <>
              {agents.agents.map((a, i) => (
                <span key={a.id}>
                  {i > 0 && ', '}
                  <strong>{a.name}</strong> ({a.planner.toLowerCase()})
                </span>
              ))}{' '}
              · {agents.strategyLabel}
            </>
          )}
        </p>
      )}
      {canWrite ? (
        <>
          <div className="row" role="group" aria-label="Examples">
            <span className="muted small">Try</span>
            {examples.map((e) => (
              <button
                key={e}
                type="button"
                className="chip chip-button"
                onClick={() => {
                  setDraft(e);
                  box.current?.focus();
                }}
              >
                {e}
              </button>
            ))}
          </div>
          <ProblemNote problem={problem} title="Not sent" />
          <ChatComposer ref={box} value={draft} onChange={setDraft} onSend={(t) => void start(t)} busy={busy} placeholder="e.g. deploy web to staging" />
        </>
      ) : (
        <p className="notice tone-neutral">You may read this project's conversations but not start one. Pick a conversation to follow it.</p>
      )}
      <AgentsPanel org={org} project={project} />
    </div>
  );
}
