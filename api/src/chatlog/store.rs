//! A session's event log: appended under the session row's lock (which hands out the dense
//! per-session sequence numbers), read back after a cursor.
//!
//! Lock order: the session row is locked *after* the org's audit chain head. Every writer
//! audits before it appends here (the engine's plan events are audited before their chat
//! echoes are written), so a chat writer and a plan worker never wait on each other in
//! opposite orders.

use praetor_store::{ChatEventId, ChatSessionId, Conn, PlanId, Tenant, chat_event, chat_session};

use super::model::ChatEventData;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::write::Write;

/// How long a hold on a session's answers lasts without being renewed.
pub const HOLD: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Until when a message stored at `now` holds the session's answers.
pub fn held_until(now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    now + HOLD
}

/// What a conversation is called until its first real request names it.
pub const DEFAULT_TITLE: &str = "New conversation";

/// What else changes on the session with an append.
#[derive(Debug, Default)]
pub struct SessionChange {
    /// The new memory (JSON), if it changed.
    pub memory: Option<String>,
    /// The ranking appended now waits for a person's choice.
    pub await_choice: bool,
    /// A pending choice is settled (made or dropped).
    pub clear_choice: bool,
    /// The plan commands refer to from now on (set anyway by a `PlanProposed` in the batch).
    pub current_plan: Option<PlanId>,
    /// No message waits for an answer any more (set anyway by answering the last one).
    pub release_answers: bool,
    /// A title for a session that has none of its own yet (still the default): its first
    /// real request names it.
    pub title_if_untitled: Option<String>,
}

/// Appends `events` to the session inside `w` and queues them for subscribers. The caller
/// has audited the change already (see the lock order above).
pub async fn append(
    w: &mut Write<'_>,
    tenant: Tenant,
    session: ChatSessionId,
    events: Vec<ChatEventData>,
    change: SessionChange,
) -> Result<Vec<chat_event::Model>> {
    let org = tenant.org();
    let row = chat_session::lock(w.txn(), tenant, session).await?.ok_or_else(|| Error::not_found("chat session"))?;
    let now = w.now();
    let mut seq = row.last_seq;
    let mut rows = Vec::with_capacity(events.len());
    let mut current_plan = change.current_plan;
    let mut ranked_seq = None;
    // A message puts a hold on the session's answers; answering the last one releases it.
    let mut answering = (row.answering_seq, row.answering_until);
    for data in events {
        seq += 1;
        match &data {
            ChatEventData::UserMessage { .. } => answering = (Some(seq), Some(held_until(now))),
            ChatEventData::MessageCompleted { in_reply_to, .. } if answering.0.is_some_and(|a| *in_reply_to >= a) => {
                answering = (None, None)
            }
            _ => {}
        }
        if let ChatEventData::PlanProposed { plan_id, .. } = &data {
            current_plan = Some(*plan_id);
        }
        if matches!(data, ChatEventData::ProposalsRanked { .. }) {
            ranked_seq = Some(seq);
        }
        rows.push(chat_event::Model {
            id: ChatEventId::generate(),
            org_id: org,
            session_id: session,
            seq,
            kind: data.kind().to_string(),
            plan_id: data.plan_id(),
            data: serde_json::to_string(&data).map_err(Error::internal)?,
            created_at: now,
        });
    }
    let mut next = row.clone();
    next.last_seq = seq;
    next.updated_at = now;
    if let Some(m) = change.memory {
        next.memory = m;
    }
    if let Some(p) = current_plan {
        next.current_plan_id = Some(p);
    }
    if change.await_choice {
        next.pending_choice_seq = ranked_seq;
    } else if change.clear_choice || current_plan.is_some() {
        // A new plan supersedes proposals still waiting for a choice.
        next.pending_choice_seq = None;
    }
    if change.release_answers {
        answering = (None, None);
    }
    if let Some(title) = change.title_if_untitled
        && row.title == DEFAULT_TITLE
    {
        next.title = title;
    }
    (next.answering_seq, next.answering_until) = answering;
    praetor_store::update(w.txn(), &row, next).await?;
    praetor_store::insert_many(w.txn(), rows.clone()).await?;
    for r in &rows {
        w.publish(Event::Chat(r.clone()));
    }
    Ok(rows)
}

/// Up to `limit` events after `after`, oldest first.
pub async fn after<C: Conn>(
    db: &C,
    tenant: Tenant,
    session: ChatSessionId,
    after: i64,
    limit: u64,
) -> Result<Vec<chat_event::Model>> {
    Ok(chat_event::after(db, tenant, session, after, None, limit).await?)
}

/// One event by its sequence number.
pub async fn at<C: Conn>(
    db: &C,
    tenant: Tenant,
    session: ChatSessionId,
    seq: i64,
) -> Result<Option<chat_event::Model>> {
    Ok(chat_event::at(db, tenant, session, seq).await?)
}

pub fn decode(e: &chat_event::Model) -> Result<ChatEventData> {
    serde_json::from_str(&e.data)
        .map_err(|err| Error::internal(format!("chat event {} of {} is unreadable: {err}", e.seq, e.session_id)))
}
