// The conversation: messages, plan cards, agents' proposals and plan activity in order, then
// the replies still streaming. It is a log region (polite): screen readers hear each completed
// message; a streaming reply is marked busy so it is read once it is whole.

import { useMemo } from 'react';
import type { ChatEvent } from '../../api/types';
import { describeActivity, foldPlans, transcript, type ChatLog, type ChatPlanView } from '../../lib/chat';
import { Time } from '../Time';
import { Badge } from '../Badge';
import { Ticks } from '../PlanPreviewCard';
import { ChatPlanCard } from './ChatPlanCard';
import { ProposalsBoard } from './ProposalsBoard';

interface Props {
  sessionId: string;
  org: string;
  project: string;
  log: ChatLog;
  waiting: boolean;
  choosable: Set<string>;
  /** A suggestion was picked: put it in the message box. */
  onSuggestion?: (text: string) => void;
  /** The viewer chose one of several proposals. */
  onChosen?: () => void;
}

function planLabel(plan: ChatPlanView | undefined): string {
  if (!plan) return 'plan';
  const actions = [...new Set(plan.steps.map((s) => s.action))];
  return actions.length ? actions.join(', ') : 'plan';
}

function Message({ event, onSuggestion }: { event: ChatEvent; onSuggestion?: (text: string) => void }) {
  const role = event.kind === 'USER_MESSAGE' ? 'user' : event.kind === 'SYSTEM_MESSAGE' ? 'system' : 'assistant';
  const who = role === 'user' ? event.author?.name ?? 'You' : role === 'system' ? 'Praetor' : event.agent ? `Praetor · ${event.agent}` : 'Praetor';
  return (
    <article className={`chat-msg chat-msg-${role}${event.code ? ' chat-msg-problem' : ''}`} data-testid={`msg-${event.seq}`} data-role={role}>
      <header className="chat-msg-head">
        <strong>{who}</strong>
        <span className="muted small">
          <Time iso={event.createdAt} />
        </span>
        {event.code && <Badge tone="bad">{event.code}</Badge>}
      </header>
      <div className="chat-msg-text">
        <Ticks text={event.text ?? ''} />
      </div>
      {event.suggestions.length > 0 && (
        <div className="chat-suggestions" role="group" aria-label="Suggestions">
          <span className="muted small">Did you mean</span>
          {event.suggestions.map((s) => (
            <button key={s} type="button" className="chip chip-button" onClick={() => onSuggestion?.(s)}>
              {s}
            </button>
          ))}
        </div>
      )}
    </article>
  );
}

export function ChatTranscript({ sessionId, org, project, log, waiting, choosable, onSuggestion, onChosen }: Props) {
  const items = useMemo(() => transcript(log.events), [log.events]);
  const plans = useMemo(() => foldPlans(log.events), [log.events]);
  return (
    <div className="chat-log" role="log" aria-label="Conversation" aria-live="polite">
      {items.map((item) => {
        switch (item.type) {
          case 'message':
            return <Message key={item.key} event={item.event} onSuggestion={onSuggestion} />;
          case 'plan': {
            const plan = plans.get(item.planId);
            if (!plan) return null;
            return <ChatPlanCard key={item.key} plan={plan} org={org} project={project} />;
          }
          case 'ranking':
            return (
              <ProposalsBoard
                key={item.key}
                sessionId={sessionId}
                arbitration={item.event.arbitration}
                chosenId={item.chosenId}
                choosable={choosable}
                onChosen={onChosen}
              />
            );
          case 'activity':
            return (
              <ul key={item.key} className="chat-activity" aria-label="Plan activity">
                {item.events.map((e) => {
                  const d = describeActivity(e, planLabel(plans.get(e.planId ?? '')));
                  return (
                    <li key={e.seq} className={`chat-activity-item tone-text-${d.tone}`} data-kind={e.kind}>
                      <span className={`progress-dot tone-${d.tone}`} aria-hidden="true" /> {d.text}
                    </li>
                  );
                })}
              </ul>
            );
        }
      })}
      {log.streams.map((s) => (
        <article key={`${s.agent}-${s.after}`} className="chat-msg chat-msg-assistant chat-msg-streaming" aria-busy="true" data-testid="streaming">
          <header className="chat-msg-head">
            <strong>Praetor · {s.agent}</strong>
            <span className="muted small">writing…</span>
          </header>
          <div className="chat-msg-text">{s.text}</div>
        </article>
      ))}
      {waiting && (
        <p className="chat-thinking muted" role="status" data-testid="thinking">
          <span className="spinner" aria-hidden="true" /> Working on it…
        </p>
      )}
    </div>
  );
}
