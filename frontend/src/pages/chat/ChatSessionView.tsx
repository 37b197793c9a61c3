// One conversation: its header (owner, live state, memory), the transcript streamed from the
// session's log, and the message box for its owner. Others who may read it follow it live and
// approve its plans from the cards; only the owner writes in it.

import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useLocation } from 'react-router';
import { useClient, useMutation, useQuery } from 'urql';
import { CHAT_EVENTS_PAGE, CHAT_SESSION, CLEAR_CHAT_MEMORY, SEND_CHAT_MESSAGE } from '../../api/documents';
import { problemOf, type Problem } from '../../api/errors';
import type { ChatEvent, ChatSession, Json } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ChatComposer } from '../../components/chat/ChatComposer';
import { ChatTranscript } from '../../components/chat/ChatTranscript';
import { JsonInline } from '../../components/JsonView';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import { useChatFeed } from '../../hooks/useChatFeed';
import { awaitingReply } from '../../lib/chat';
import { useApi } from '../../session';

interface Props {
  sessionId: string;
  org: string;
  project: string;
}

const REFRESH_MS = 200;
/** Stored events a conversation opens with (the latest); earlier ones come a page at a time. */
const OPEN_WINDOW = 50;
const EARLIER_PAGE = 100;
/** Within this many pixels of the end, the view follows new messages. */
const FOLLOW_SLACK = 160;

// Only the transcript scrolls (the page's header, banners and the message box stay in place):
// following the conversation means keeping its own scroll box at the bottom.
function nearBottom(el: HTMLElement | null): boolean {
  return !el || el.clientHeight + el.scrollTop >= el.scrollHeight - FOLLOW_SLACK;
}

function scrollToEnd(el: HTMLElement | null): void {
  if (el) el.scrollTop = el.scrollHeight;
}

export function ChatSessionView({ sessionId, org, project }: Props) {
  const location = useLocation();
  const unsent = (location.state as { unsent?: string } | null)?.unsent ?? '';
  const [{ data, error }, refetchSession] = useQuery({
    query: CHAT_SESSION,
    variables: { id: sessionId },
    requestPolicy: 'cache-and-network',
  });
  const session = data?.chatSession;
  // A long conversation opens on its latest events; earlier ones load on request.
  const openedAt = useRef<number | null>(null);
  if (session && openedAt.current === null) openedAt.current = session.lastSeq;
  const from = openedAt.current === null ? null : Math.max(0, openedAt.current - OPEN_WINDOW);
  const { log, problem: streamProblem, add } = useChatFeed(sessionId, from);
  const earlier = useEarlier(sessionId, from, add);

  // Memory, the title and the pending choice change with the answers: read them again once per
  // burst. A message on its own changes none of them (what it asks for comes with the answer).
  // (What the session said when it was opened already covers the events up to then.)
  const readAt = useRef(0);
  useEffect(() => {
    readAt.current = Math.max(readAt.current, openedAt.current ?? 0);
    if (log.lastSeq <= readAt.current) return;
    if (!answeredSince(log.events, readAt.current)) {
      readAt.current = log.lastSeq;
      return;
    }
    const t = setTimeout(() => {
      readAt.current = log.lastSeq;
      refetchSession({ requestPolicy: 'network-only' });
    }, REFRESH_MS);
    return () => clearTimeout(t);
  }, [log.lastSeq, log.events, refetchSession]);

  // The history is in once the stream has reached what the session held when it was opened.
  const loaded = openedAt.current !== null && log.lastSeq >= openedAt.current;

  // Follow the conversation as it grows, unless the reader scrolled up to read.
  const follow = useRef(true);
  const [draft, setDraft] = useState(unsent);
  const [sendProblem, setSendProblem] = useState<Problem | null>(
    unsent ? { code: 'NOT_SENT', message: 'The first message was not sent. Send it again.', diagnostics: [] } : null,
  );
  const [sending, send] = useMutation(SEND_CHAT_MESSAGE);
  const box = useRef<HTMLTextAreaElement>(null);
  const onSend = async (text: string) => {
    setSendProblem(null);
    const res = await send({ sessionId, text });
    if (res.error || !res.data) {
      setSendProblem(problemOf(res.error));
      return;
    }
    add([res.data.sendChatMessage]);
    setDraft('');
    follow.current = true;
  };

  const scrollBox = useRef<HTMLDivElement>(null);
  const hasSession = !!session;
  useEffect(() => {
    const el = scrollBox.current;
    if (!el) return;
    const onScroll = () => (follow.current = nearBottom(el));
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, [hasSession]);
  const streamed = log.streams.reduce((n, s) => n + s.text.length, 0);
  useLayoutEffect(() => {
    if (loaded && follow.current) scrollToEnd(scrollBox.current);
  }, [loaded, log.events.length, streamed]);
  // Cards grow after they render (their stages and rights load): keep following then too.
  const logBox = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = logBox.current;
    if (!el || !loaded || typeof ResizeObserver === 'undefined') return;
    const watch = new ResizeObserver(() => {
      if (follow.current) scrollToEnd(scrollBox.current);
    });
    watch.observe(el);
    return () => watch.disconnect();
  }, [loaded]);

  // The owner lands in the message box.
  const writable = !!session?.viewerCanWrite;
  useEffect(() => {
    if (writable && loaded) box.current?.focus({ preventScroll: true });
  }, [writable, loaded]);

  const choosable = useMemo(
    () => new Set(writable ? (session?.pendingChoice?.proposals.map((p) => p.id) ?? []) : []),
    [writable, session?.pendingChoice],
  );
  const waiting = loaded && awaitingReply(log);

  if (error && !session) return <ProblemNote error={error} title="Cannot open the conversation" />;
  if (!session) return <Loading what="the conversation" />;

  const suggest = (text: string) => {
    setDraft(text);
    box.current?.focus();
  };

  return (
    <div className="chat-session">
      <div className="page-header chat-header">
        <div>
          <h1>{session.title}</h1>
          <p className="muted small">
            {session.owner.name}'s conversation {!writable && <Badge tone="neutral">read-only</Badge>}
          </p>
        </div>
        <div className="row">
          <ChatLiveState />
          <MemoryPanel sessionId={sessionId} session={session} onCleared={() => refetchSession({ requestPolicy: 'network-only' })} />
        </div>
      </div>
      <ProblemNote problem={streamProblem} title="Live updates of this conversation stopped" />
      <div className="chat-scroll" ref={scrollBox} data-testid="chat-scroll">
        {!loaded && <Loading what="the conversation" />}
        {loaded && log.events.length === 0 && (
          <p className="muted">{writable ? 'Nothing said yet. Say what you want done, or "help".' : 'Nothing said yet.'}</p>
        )}
        {loaded && earlier.before > 0 && (
          <div className="row chat-earlier">
            <button type="button" className="btn btn-ghost" onClick={() => void earlier.load()} disabled={earlier.busy} data-testid="chat-earlier">
              {earlier.busy ? 'Loading earlier messages…' : 'Show earlier messages'}
            </button>
            <span className="muted small">
              {earlier.before} earlier event{earlier.before === 1 ? '' : 's'}
            </span>
            <ProblemNote problem={earlier.problem} title="Could not load earlier messages" />
          </div>
        )}
        <div ref={logBox}>
          <ChatTranscript
            sessionId={sessionId}
            org={org}
            project={project}
            log={log}
            waiting={waiting}
            choosable={choosable}
            onSuggestion={writable ? suggest : undefined}
            onChosen={() => {
              // The buttons go with the choice: the message box keeps the keyboard in the conversation.
              follow.current = true;
              box.current?.focus();
            }}
          />
        </div>
      </div>
      <div className="chat-dock">
        <ReconnectingNotice />
        {writable ? (
          <>
            <ProblemNote problem={sendProblem} title="Not sent" />
            <ChatComposer
              ref={box}
              value={draft}
              onChange={setDraft}
              onSend={(t) => void onSend(t)}
              busy={sending.fetching}
              placeholder='Ask for something, or say "run it", "approve", "status", "help"'
            />
          </>
        ) : (
          <p className="notice tone-neutral" data-testid="read-only">
            Only {session.owner.name} writes in this conversation. You can follow it live and approve or reject its plans from their cards.
          </p>
        )}
      </div>
    </div>
  );
}

/** Whether a stored event after `seq` is something other than a person's message. */
function answeredSince(events: ChatEvent[], seq: number): boolean {
  for (let i = events.length - 1; i >= 0 && events[i]!.seq > seq; i--) {
    if (events[i]!.kind !== 'USER_MESSAGE') return true;
  }
  return false;
}

/** The conversation's live state, next to its title. */
function ChatLiveState() {
  const { status } = useApi();
  const state = useSyncExternalStore(status.subscribe, status.get);
  const down = state === 'reconnecting' || state === 'failed';
  return (
    <span className={`live ${down ? 'live-reconnecting' : 'live-connected'}`} data-testid={down ? 'chat-live-down' : 'chat-live'}>
      <span className="live-dot" aria-hidden="true" />{' '}
      {state === 'failed' ? 'Not following' : state === 'reconnecting' ? 'Reconnecting' : state === 'connected' ? 'Following live' : 'Connecting…'}
    </span>
  );
}

/** Next to the message box, where the eye is: live updates are interrupted, and what that means. */
function ReconnectingNotice() {
  const { status } = useApi();
  const state = useSyncExternalStore(status.subscribe, status.get);
  if (state !== 'reconnecting' && state !== 'failed') return null;
  return (
    <p className={`notice tone-${state === 'failed' ? 'bad' : 'warn'} chat-reconnecting`} role="status" data-testid="chat-reconnecting">
      {state === 'failed' ? (
        <>Live updates stopped: the server closed the connection. Reload the page to follow this conversation again.</>
      ) : (
        <>
          <span className="spinner" aria-hidden="true" /> Reconnecting… What you send still goes out; answers and progress appear here as soon as
          the connection is back.
        </>
      )}
    </p>
  );
}

function MemoryPanel({ sessionId, session, onCleared }: { sessionId: string; session: ChatSession; onCleared: () => void }) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [clearing, clear] = useMutation(CLEAR_CHAT_MEMORY);
  const facts = Object.entries((session.memory.facts ?? {}) as Record<string, Json>);
  return (
    <details className="chat-memory">
      <summary>Memory{session.memory.empty ? ' (empty)' : facts.length > 0 ? ` (${facts.length} fact${facts.length === 1 ? '' : 's'})` : ''}</summary>
      <div className="chat-memory-body card">
        {session.memory.empty ? (
          <p className="muted small">Nothing remembered yet. What you name (a service, an environment) is kept for "again" and "same but in prod".</p>
        ) : (
          <>
            {facts.length > 0 && (
              <dl className="facts">
                {facts.map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>
                      <JsonInline value={v} />
                    </dd>
                  </div>
                ))}
              </dl>
            )}
            {session.memory.lastPlan && (
              <p className="small">
                Last plan <code>{session.memory.lastPlan}</code>
              </p>
            )}
          </>
        )}
        {session.viewerCanWrite && !session.memory.empty && (
          <button
            type="button"
            className="btn btn-ghost"
            disabled={clearing.fetching}
            onClick={() =>
              void clear({ sessionId }).then((res) => {
                if (res.error) setProblem(problemOf(res.error));
                else onCleared();
              })
            }
          >
            Clear memory
          </button>
        )}
        <ProblemNote problem={problem} title="Not cleared" />
      </div>
    </details>
  );
}

/**
 * Earlier events of a conversation opened on its latest ones: `before` stored events precede
 * what is shown; `load` adds the page before them.
 */
function useEarlier(sessionId: string, from: number | null, add: (events: ChatEvent[]) => void) {
  const client = useClient();
  const [loadedFrom, setLoadedFrom] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const before = loadedFrom ?? from ?? 0;
  const load = async () => {
    if (before <= 0 || busy) return;
    const after = Math.max(0, before - EARLIER_PAGE);
    setBusy(true);
    setProblem(null);
    const res = await client
      .query<{ chatSession: { events: { edges: { node: ChatEvent }[] } } }>(
        CHAT_EVENTS_PAGE,
        { id: sessionId, first: before - after, after: after > 0 ? String(after) : null },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    setBusy(false);
    if (res.error || !res.data) {
      setProblem(problemOf(res.error));
      return;
    }
    add(res.data.chatSession.events.edges.map((e) => e.node));
    setLoadedFrom(after);
  };
  return { before, busy, problem, load };
}
