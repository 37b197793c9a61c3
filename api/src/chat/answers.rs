//! Answers in progress survive the node answering them. Storing a person's message puts a hold
//! on the session's answers (`answering_seq`, `answering_until`); the node answering renews it
//! while it works, and the answer to the last waiting message releases it. If that node stops
//! mid-answer (a crash, a shutdown past its grace period), the hold lapses and any node ends
//! each unanswered message with an `INTERRUPTED` answer, audited, instead of leaving the person
//! waiting for a reply that will never come. A plan proposed before the interruption stays in
//! the conversation; nothing is planned again on anyone's behalf.

use std::sync::Arc;
use std::time::Duration;

use praetor_store::{ChatSessionId, Housekeeping, Tenant, chat_event, chat_session};
use serde_json::json;

use crate::AppState;
use crate::audit::Entry;
use crate::auth::ActorRef;
use crate::chatlog::model::ChatEventData;
use crate::chatlog::store::{self, SessionChange};
use crate::error::Result;

/// How often the answering node renews it.
const RENEW_EVERY: Duration = Duration::from_secs(15);
/// Sessions ended per sweep, at most.
const SWEEP_BATCH: u64 = 100;

/// The code of an answer ended because its node stopped.
pub const INTERRUPTED: &str = "INTERRUPTED";

/// Renews the session's hold every few seconds for as long as it is awaited (the answer's
/// work runs beside it and drops it when done).
pub async fn keep_held(app: &AppState, tenant: Tenant, session: ChatSessionId) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        let until = crate::chatlog::store::held_until(app.clock.now());
        let renewed = chat_session::renew_hold(&app.db, tenant, session, until).await;
        if let Err(e) = renewed {
            tracing::warn!(%session, "could not renew the hold on the session's answers: {e}");
        }
    }
}

/// Ends the answers of sessions whose hold lapsed (the scheduler's `chat.sweep`, every few
/// seconds on one node; ending is idempotent under the session's lock). Returns how many
/// sessions it ended.
pub async fn sweep(app: &Arc<AppState>) -> Result<usize> {
    let now = app.clock.now();
    // Across organizations (or the one this node's workers serve): which sessions to look at;
    // each is then ended inside its own.
    let lapsed = chat_session::lapsed_holds(&app.db, now, app.config.worker.only_org(), SWEEP_BATCH).await?;
    let mut ended = 0;
    for (org, session) in lapsed {
        match end(app, Tenant::housekeeping(org, Housekeeping::Sweep), session).await {
            Ok(true) => ended += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(%session, "could not end an interrupted answer: {e}"),
        }
    }
    Ok(ended)
}

/// Ends the unanswered messages of one session if its hold has lapsed (checked again under
/// the session's lock: its node may have answered or renewed meanwhile).
async fn end(app: &Arc<AppState>, tenant: Tenant, session: ChatSessionId) -> Result<bool> {
    let _org = tenant.org();
    let Some(row) = chat_session::by_id(&app.db, tenant, session).await? else {
        return Ok(false);
    };
    let mut chain: Vec<ActorRef> = serde_json::from_str(&row.created_by_actor).into_iter().collect();
    chain.push(ActorRef::system("chat", "praetor chat"));
    let mut w = app.write(chain).await?;
    let Some(row) = chat_session::lock(w.txn(), tenant, session).await? else {
        return Ok(false);
    };
    let (Some(last), Some(until)) = (row.answering_seq, row.answering_until) else { return Ok(false) };
    if until >= w.now() {
        return Ok(false);
    }
    // Answers come in the order of the messages: those after the last answered are waiting.
    let answered = match chat_event::last_of_kind(w.txn(), tenant, session, "message_completed").await? {
        Some(e) => match store::decode(&e)? {
            ChatEventData::MessageCompleted { in_reply_to, .. } => in_reply_to,
            _ => 0,
        },
        None => 0,
    };
    let waiting = chat_event::of_kind_between(w.txn(), tenant, session, "user_message", answered + 1, last).await?;
    let seqs: Vec<i64> = waiting.iter().map(|e| e.seq).collect();
    // Each answer offers its message again, to send with one click.
    let said = |e: &chat_event::Model| match store::decode(e) {
        Ok(ChatEventData::UserMessage { text, .. }) => vec![text],
        _ => Vec::new(),
    };
    if !seqs.is_empty() {
        let data = json!({"messages": seqs, "heldUntil": until});
        w.audit(tenant, Entry::new("chat.answer_interrupted", session, data)).await?;
    }
    let answers = waiting
        .iter()
        .map(|e| ChatEventData::MessageCompleted {
            text: "The answer to this message was interrupted: the server working on it stopped. \
                   Nothing more will come of it; send it again if you still want it."
                .into(),
            in_reply_to: e.seq,
            agent: None,
            code: Some(INTERRUPTED.into()),
            plan_id: None,
            proposal_id: None,
            suggestions: said(e),
        })
        .collect();
    // Appending answers to the last waiting message releases the hold.
    store::append(&mut w, tenant, session, answers, SessionChange { release_answers: true, ..Default::default() })
        .await?;
    w.commit().await?;
    if !seqs.is_empty() {
        tracing::info!(%session, messages = ?seqs, "ended answers interrupted by a stopped node");
    }
    Ok(!seqs.is_empty())
}
