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

use praetor_entities::{ChatSessionId, OrgId, PlanId, ProjectId, audit_event, chat_event, plan_event};
use tokio::sync::broadcast;

/// Text a planner streams before its answer is complete. Not stored: the completed message
/// carries the whole text, so a client that reconnects loses nothing by missing deltas.
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
        status: String,
    },
    /// A committed event of a chat session's log.
    Chat(chat_event::Model),
    ChatDelta(ChatDelta),
    /// Events from other nodes may have been missed (the fan-out connection dropped): every
    /// chat subscriber re-reads its session from storage.
    Resync,
}

impl Event {
    pub fn org_id(&self) -> Option<OrgId> {
        match self {
            Event::Audit(e) => Some(e.org_id),
            Event::Plan { org, .. } => Some(*org),
            Event::Chat(e) => Some(e.org_id),
            Event::ChatDelta(d) => Some(d.org),
            Event::Resync => None,
        }
    }
}

/// How many chat events a session's channel holds for a slow subscriber before it lags.
const CHAT_CAPACITY: usize = 256;

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Event>>,
    chat: Arc<Mutex<HashMap<ChatSessionId, broadcast::Sender<Arc<Event>>>>>,
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
                if let Ok(map) = self.chat.lock() {
                    for tx in map.values() {
                        let _ = tx.send(event.clone());
                    }
                }
                return;
            }
            _ => None,
        };
        match session {
            Some(s) => {
                let Ok(mut map) = self.chat.lock() else { return };
                if let Some(tx) = map.get(&s) {
                    // No receivers left: the last subscriber went away; forget the channel.
                    if tx.send(Arc::new(event)).is_err() {
                        map.remove(&s);
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

    /// The events of one chat session (and resync signals).
    pub fn subscribe_chat(&self, session: ChatSessionId) -> broadcast::Receiver<Arc<Event>> {
        match self.chat.lock() {
            Ok(mut map) => {
                map.retain(|_, tx| tx.receiver_count() > 0);
                map.entry(session).or_insert_with(|| broadcast::channel(CHAT_CAPACITY).0).subscribe()
            }
            // A poisoned map only means a panic elsewhere; a fresh channel that never
            // receives still lets the subscription serve what storage holds.
            Err(_) => broadcast::channel(1).0.subscribe(),
        }
    }

    /// Sessions with live subscribers in this process.
    pub fn chat_channels(&self) -> usize {
        self.chat.lock().map(|m| m.values().filter(|tx| tx.receiver_count() > 0).count()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(session: ChatSessionId, seq: i64) -> Event {
        Event::Chat(chat_event::Model {
            id: praetor_entities::ChatEventId::generate(),
            org_id: OrgId::generate(),
            session_id: session,
            seq,
            kind: "system_message".into(),
            plan_id: None,
            data: "{}".into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
        })
    }

    #[tokio::test]
    async fn chat_events_reach_only_their_session_and_channels_are_dropped() {
        let bus = Bus::default();
        let (a, b) = (ChatSessionId::generate(), ChatSessionId::generate());
        let mut ra = bus.subscribe_chat(a);
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
}
