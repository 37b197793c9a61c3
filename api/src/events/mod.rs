//! In-process event bus for subscriptions. Services publish after their transaction commits, so
//! a subscriber never sees an event that was rolled back. A slow subscriber that falls behind
//! skips what it missed (and re-reads it from storage) instead of holding everyone up.
//!
//! Chat events go to a channel per session, created by its first subscriber and dropped with
//! its last: a thousand people watching one conversation are not woken by every plan step of
//! the instance. On PostgreSQL, [`fanout`] carries committed events to the other nodes.

pub mod fanout;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use praetor_store::{ChatSessionId, OrgId, PlanId, ProjectId, Tenant, audit_event, chat_event, plan_event};
use tokio::sync::broadcast;

/// Text a planner streams before its answer is complete. Not stored: the completed message
/// carries the whole text, so a client that reconnects loses nothing by missing deltas. While
/// the answer is still coming, each node keeps the text so far (see [`Bus::subscribe_chat`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatDelta {
    pub org: OrgId,
    pub session: ChatSessionId,
    /// The last stored event of the session when the text was produced (the cursor a client
    /// stays at: deltas never advance it).
    pub after_seq: i64,
    /// The agent whose planner produced the text.
    pub agent: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub enum Event {
    Audit(audit_event::Model),
    /// A plan event, with the plan's status after it.
    Plan {
        org: OrgId,
        project: ProjectId,
        plan: PlanId,
        event: plan_event::Model,
        status: praetor_domain::PlanStatus,
    },
    /// A committed event of a chat session's log.
    Chat(chat_event::Model),
    ChatDelta(ChatDelta),
    /// Events from other nodes may have been missed (the fan-out connection dropped): every
    /// chat subscriber re-reads its session from storage.
    Resync,
    /// A credential ended before its time (an API key revoked, a session signed out), named
    /// by the hash of its secret: every node forgets it and closes the sockets it opened.
    CredentialEnded {
        hash: String,
    },
    /// An identity provider was disabled or removed: every node ends the tokens it issued.
    ProviderEnded {
        provider: praetor_store::IdentityProviderId,
    },
    /// An organization's row changed (its RBAC version, its settings): every node reads it
    /// again.
    OrgChanged {
        org: OrgId,
    },
    /// A person was notified, or marked notifications read: their unread count changed.
    Notified {
        org: OrgId,
        user: praetor_store::UserId,
    },
}

impl Event {
    pub fn org_id(&self) -> Option<OrgId> {
        match self {
            Event::Audit(e) => Some(e.org_id),
            Event::Plan { org, .. } => Some(*org),
            Event::Chat(e) => Some(e.org_id),
            Event::ChatDelta(d) => Some(d.org),
            Event::Notified { org, .. } => Some(*org),
            Event::Resync | Event::CredentialEnded { .. } | Event::ProviderEnded { .. } | Event::OrgChanged { .. } => {
                None
            }
        }
    }
}

/// How many chat events a session's channel holds for a slow subscriber before it lags.
const CHAT_CAPACITY: usize = 256;
/// The most streamed text kept for one agent's answer in progress (the stored answer has it
/// all; a latecomer then sees the beginning, and the rest as it streams).
const STREAM_KEPT_BYTES: usize = 64 * 1024;
/// An answer that streamed nothing for this long and was never stored (its node died) is
/// forgotten.
const STREAM_TTL: Duration = Duration::from_secs(600);
/// Stored kinds that end a turn: what was streamed before them is in them.
const TURN_ENDS: [&str; 2] = ["message_completed", "proposals_ranked"];

/// Whether a stored chat event of this kind ends a turn (holds what was streamed before it).
pub fn ends_turn(kind: &str) -> bool {
    TURN_ENDS.contains(&kind)
}

/// Text streamed so far for an answer not yet stored.
struct Streaming {
    delta: ChatDelta,
    touched: Instant,
}

#[derive(Default)]
struct ChatChannels {
    senders: HashMap<ChatSessionId, broadcast::Sender<Arc<Event>>>,
    streaming: HashMap<ChatSessionId, Vec<Streaming>>,
}

impl ChatChannels {
    /// Keeps the text of answers in progress: appends a delta, or forgets what a stored
    /// answer now holds.
    fn track(&mut self, event: &Event) {
        match event {
            Event::ChatDelta(d) => {
                let list = self.streaming.entry(d.session).or_default();
                list.retain(|s| s.touched.elapsed() < STREAM_TTL);
                match list.iter_mut().find(|s| s.delta.after_seq == d.after_seq && s.delta.agent == d.agent) {
                    Some(s) => {
                        if s.delta.text.len() + d.text.len() <= STREAM_KEPT_BYTES {
                            s.delta.text.push_str(&d.text);
                        }
                        s.touched = Instant::now();
                    }
                    None => list.push(Streaming { delta: d.clone(), touched: Instant::now() }),
                }
            }
            Event::Chat(e) if ends_turn(&e.kind) => {
                if let Some(list) = self.streaming.get_mut(&e.session_id) {
                    list.retain(|s| s.delta.after_seq >= e.seq);
                    if list.is_empty() {
                        self.streaming.remove(&e.session_id);
                    }
                }
            }
            _ => {}
        }
    }
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Event>>,
    chat: Arc<Mutex<ChatChannels>>,
    /// This process's id in cross-node notifications (so it ignores its own).
    node: Arc<str>,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl Bus {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        let node: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
        Self { tx, chat: Arc::default(), node }
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    pub fn publish(&self, event: Event) {
        let session = match &event {
            Event::Chat(e) => Some(e.session_id),
            Event::ChatDelta(d) => Some(d.session),
            Event::Resync => {
                let event = Arc::new(event);
                if let Ok(chat) = self.chat.lock() {
                    for tx in chat.senders.values() {
                        let _ = tx.send(event.clone());
                    }
                }
                return;
            }
            _ => None,
        };
        match session {
            Some(s) => {
                let Ok(mut chat) = self.chat.lock() else { return };
                chat.track(&event);
                if let Some(tx) = chat.senders.get(&s) {
                    // No receivers left: the last subscriber went away; forget the channel.
                    if tx.send(Arc::new(event)).is_err() {
                        chat.senders.remove(&s);
                    }
                }
            }
            // No receivers is not an error: nobody is listening right now.
            None => {
                let _ = self.tx.send(Arc::new(event));
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    /// The events of one chat session (and resync signals), and the text streamed so far for
    /// each answer still in progress (one delta per agent and turn, oldest first). Taken
    /// together, so the channel brings exactly what follows that text.
    pub fn subscribe_chat(&self, session: ChatSessionId) -> (broadcast::Receiver<Arc<Event>>, Vec<ChatDelta>) {
        match self.chat.lock() {
            Ok(mut chat) => {
                chat.senders.retain(|_, tx| tx.receiver_count() > 0);
                chat.streaming.retain(|_, list| {
                    list.retain(|s| s.touched.elapsed() < STREAM_TTL);
                    !list.is_empty()
                });
                let so_far = chat
                    .streaming
                    .get(&session)
                    .map(|list| list.iter().map(|s| s.delta.clone()).collect())
                    .unwrap_or_default();
                let rx = chat.senders.entry(session).or_insert_with(|| broadcast::channel(CHAT_CAPACITY).0).subscribe();
                (rx, so_far)
            }
            // A poisoned map only means a panic elsewhere; a fresh channel that never
            // receives still lets the subscription serve what storage holds.
            Err(_) => (broadcast::channel(1).0.subscribe(), Vec::new()),
        }
    }

    /// Whether anything in this process would receive an event now: a subscriber, or an answer
    /// streaming (whose end must be seen to stop offering its text to new subscribers).
    pub fn heard(&self) -> bool {
        if self.tx.receiver_count() > 0 {
            return true;
        }
        self.chat
            .lock()
            .map_or(true, |c| !c.streaming.is_empty() || c.senders.values().any(|tx| tx.receiver_count() > 0))
    }

    /// Sessions with live subscribers in this process.
    pub fn chat_channels(&self) -> usize {
        self.chat.lock().map(|c| c.senders.values().filter(|tx| tx.receiver_count() > 0).count()).unwrap_or(0)
    }

    /// Sessions with an answer streaming, as far as this process knows.
    pub fn chat_streaming(&self) -> usize {
        self.chat.lock().map(|c| c.streaming.len()).unwrap_or(0)
    }
}

/// Budgets that committed writes reserved against, for the forecast check to look at soon after
/// (`services::forecasts::watch`): each reservation refreshes its budgets' forecasts and alerts
/// without the writer waiting for it. A budget touched again before the check runs is looked at
/// once.
#[derive(Default)]
pub struct BudgetsTouched {
    due: Mutex<std::collections::BTreeSet<(Tenant, Option<ProjectId>)>>,
    /// Woken after each commit that touched one.
    pub wakeup: tokio::sync::Notify,
}

impl BudgetsTouched {
    /// `project`'s budget (`None`: the organization's) was reserved against.
    pub fn mark(&self, tenant: Tenant, project: Option<ProjectId>) {
        self.due.lock().unwrap_or_else(|e| e.into_inner()).insert((tenant, project));
    }

    /// The budgets touched since the last take.
    pub fn take(&self) -> Vec<(Tenant, Option<ProjectId>)> {
        std::mem::take(&mut *self.due.lock().unwrap_or_else(|e| e.into_inner())).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(session: ChatSessionId, seq: i64) -> Event {
        stored(session, seq, "system_message")
    }

    fn stored(session: ChatSessionId, seq: i64, kind: &str) -> Event {
        Event::Chat(chat_event::Model {
            id: praetor_store::ChatEventId::generate(),
            org_id: OrgId::generate(),
            session_id: session,
            seq,
            kind: kind.into(),
            plan_id: None,
            data: "{}".into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
        })
    }

    #[tokio::test]
    async fn chat_events_reach_only_their_session_and_channels_are_dropped() {
        let bus = Bus::default();
        let (a, b) = (ChatSessionId::generate(), ChatSessionId::generate());
        let (mut ra, _) = bus.subscribe_chat(a);
        let mut general = bus.subscribe();
        bus.publish(chat(b, 1));
        bus.publish(chat(a, 7));
        let got = ra.recv().await.unwrap();
        assert!(matches!(&*got, Event::Chat(e) if e.seq == 7 && e.session_id == a));
        assert!(ra.try_recv().is_err());
        assert!(general.try_recv().is_err(), "chat events stay off the general channel");
        bus.publish(Event::Resync);
        assert!(matches!(&*ra.recv().await.unwrap(), Event::Resync));
        assert_eq!(bus.chat_channels(), 1);
        drop(ra);
        bus.publish(chat(a, 8));
        assert_eq!(bus.chat_channels(), 0);
    }

    fn delta(session: ChatSessionId, after_seq: i64, agent: &str, text: &str) -> Event {
        Event::ChatDelta(ChatDelta {
            org: OrgId::generate(),
            session,
            after_seq,
            agent: agent.into(),
            text: text.into(),
        })
    }

    fn texts(so_far: &[ChatDelta]) -> Vec<(i64, &str, &str)> {
        so_far.iter().map(|d| (d.after_seq, d.agent.as_str(), d.text.as_str())).collect()
    }

    #[test]
    fn a_late_subscriber_gets_the_text_streamed_so_far_until_the_answer_is_stored() {
        let bus = Bus::default();
        let (a, b) = (ChatSessionId::generate(), ChatSessionId::generate());
        // Nobody listens yet: the text is kept all the same.
        bus.publish(delta(a, 3, "model", "Restarting api "));
        bus.publish(delta(a, 3, "phrasebook", "One step"));
        bus.publish(delta(a, 3, "model", "together with its worker"));
        bus.publish(delta(b, 9, "model", "elsewhere"));
        // A plan of an earlier turn moving on does not end this one.
        bus.publish(stored(a, 4, "step_progress"));
        let (mut rx, so_far) = bus.subscribe_chat(a);
        assert_eq!(
            texts(&so_far),
            vec![(3, "model", "Restarting api together with its worker"), (3, "phrasebook", "One step")]
        );
        // What streams next comes through the channel, not again in a later snapshot's text.
        bus.publish(delta(a, 3, "model", "."));
        assert!(matches!(&*rx.try_recv().unwrap(), Event::ChatDelta(d) if d.text == "."));
        // The stored answer holds it all: a subscriber from then on gets no streamed text.
        bus.publish(stored(a, 5, "proposals_ranked"));
        assert!(bus.subscribe_chat(a).1.is_empty());
        assert_eq!(bus.chat_streaming(), 1, "session b still streams");
        bus.publish(stored(b, 10, "message_completed"));
        assert_eq!(bus.chat_streaming(), 0);
    }
}
