//! Answering one message. A turn runs in the background after `sendChatMessage` stored the
//! person's words, one turn at a time per session. Commands ("approve", "run it", "status", …)
//! act on the session's current plan through the plan services, as the person who typed, with
//! their rights (separation of duties included); anything else is a request for the project's
//! agents (see [`super::request`]). Whatever happens, the turn ends with one
//! `MessageCompleted`: an error becomes an answer that says what went wrong.

use std::sync::Arc;

use praetor_planner::{Intent, Memory, help_for, parse_intent};
use praetor_store::{ChatProposalId, ChatSessionId, PlanId, chat_session, plan};
use serde_json::json;

use super::{render, request};
use crate::AppState;
use crate::audit::Entry;
use crate::authz::OrgAccess;
use crate::chatlog::model::ChatEventData;
use crate::chatlog::store::{self, SessionChange};
use crate::error::{Error, Result};
use crate::governance::pipeline::PlanDecision;
use crate::services::plans;
use praetor_domain::plan::PlanStatus;

/// What the assistant answers, and what the answer changes on the session.
#[derive(Debug, Default)]
pub struct Reply {
    pub text: String,
    pub code: Option<String>,
    pub agent: Option<String>,
    pub plan_id: Option<PlanId>,
    /// The ranked proposal the plan came from, when agents were arbitrated.
    pub proposal_id: Option<ChatProposalId>,
    pub suggestions: Vec<String>,
    /// The session's memory after this turn, if it changed.
    pub memory: Option<Memory>,
    pub clear_choice: bool,
    /// Why a proposal was refused, for callers that answer with an error as well.
    pub refused: Option<Error>,
    /// The title the session takes if it has none of its own yet (a real request's).
    pub title: Option<String>,
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Self {
        Self { text: text.into(), ..Self::default() }
    }

    /// An error as an answer: what happened, with its code. Internal details stay in the log.
    pub fn error(prefix: &str, e: &Error) -> Self {
        let what = match e {
            Error::Internal { .. } => {
                format!("something went wrong on our side (request id {})", crate::request_id::current())
            }
            other => other.to_string(),
        };
        Self { text: format!("{prefix}{what}."), code: Some(e.code().to_string()), ..Self::default() }
    }

    pub fn refusing(mut self, e: Error) -> Self {
        self.refused = Some(e);
        self
    }

    fn with_plan(mut self, plan: PlanId) -> Self {
        self.plan_id = Some(plan);
        self
    }
}

/// Everything a turn works with.
pub struct Turn<'a> {
    pub app: &'a Arc<AppState>,
    /// The person who typed (never an agent: agents get their access from this one).
    pub access: &'a OrgAccess,
    pub session: chat_session::Model,
    /// The sequence number of the message being answered.
    pub seq: i64,
    pub text: String,
    pub memory: Memory,
}

/// Answers the message `seq` of `session`. Runs in the background; never fails: problems are
/// told in the chat, and only a failure to write even that is logged.
pub async fn respond(app: Arc<AppState>, access: OrgAccess, session: ChatSessionId, seq: i64, text: String) {
    // The hold on the session's answers is renewed for as long as this node works on it.
    let started = std::time::Instant::now();
    tokio::select! {
        () = respond_in_turn(&app, &access, session, seq, text) => crate::metrics::chat_turn(started.elapsed()),
        () = super::answers::keep_held(&app, access.tenant(), session) => {}
    }
}

async fn respond_in_turn(app: &Arc<AppState>, access: &OrgAccess, session: ChatSessionId, seq: i64, text: String) {
    let (app, access) = (app.clone(), access.clone());
    let lock = app.chat.turn_lock(session);
    let _in_order = lock.lock().await;
    let loaded = load(&app, &access, session).await.and_then(|row| {
        let memory = crate::error::stored(format_args!("the memory of chat session {}", row.id), &row.memory)?;
        Ok((row, memory))
    });
    let reply = match loaded {
        Ok((row, memory)) => {
            let mut turn = Turn { app: &app, access: &access, session: row, seq, text, memory };
            match answer(&mut turn).await {
                Ok(r) => r,
                Err(e) => Reply::error("I could not do that: ", &e),
            }
        }
        Err(e) => Reply::error("I could not read this conversation: ", &e),
    };
    if let Err(e) = finish(&app, &access, session, seq, reply).await {
        tracing::warn!(%session, seq, "could not store the chat answer: {e}");
    }
}

async fn load(app: &AppState, access: &OrgAccess, session: ChatSessionId) -> Result<chat_session::Model> {
    chat_session::by_id(&app.db, access.tenant(), session).await?.ok_or_else(|| Error::not_found("chat session"))
}

/// Stores the answer (and the memory it leaves) as the turn's last event.
pub async fn finish(app: &AppState, access: &OrgAccess, session: ChatSessionId, seq: i64, reply: Reply) -> Result<()> {
    let memory = match &reply.memory {
        Some(m) => Some(serde_json::to_string(m).map_err(Error::internal)?),
        None => None,
    };
    let mut w = app.write(access.principal().chain()).await?;
    w.audit(
        access.tenant(),
        Entry::new(
            "chat.replied",
            session,
            json!({
                "inReplyTo": seq,
                "code": reply.code,
                "plan": reply.plan_id.map(|p| p.to_string()),
                "agent": reply.agent,
                "title": reply.title,
            }),
        ),
    )
    .await?;
    let event = ChatEventData::MessageCompleted {
        text: reply.text,
        in_reply_to: seq,
        agent: reply.agent,
        code: reply.code,
        plan_id: reply.plan_id,
        proposal_id: reply.proposal_id,
        suggestions: reply.suggestions,
    };
    let change = SessionChange {
        memory,
        clear_choice: reply.clear_choice,
        title_if_untitled: reply.title,
        ..Default::default()
    };
    store::append(&mut w, access.tenant(), session, vec![event], change).await?;
    w.commit().await
}

async fn answer(turn: &mut Turn<'_>) -> Result<Reply> {
    let intent = parse_intent(&turn.text);
    let said = turn.text.clone();
    let mut reply = match intent {
        Intent::Request { text } => {
            // Help, commands and greetings leave a conversation untitled; a request names it.
            let mut reply = request::plan(turn, &text).await?;
            if turn.session.title == super::sessions::DEFAULT_TITLE {
                reply.title = Some(super::sessions::title_from_request(&text));
            }
            return Ok(reply);
        }
        Intent::Help { topic } => {
            let catalog = request::catalog_for(turn).await?;
            Reply::text(help_for(&catalog, topic.as_deref()).text().trim_end().to_string())
        }
        Intent::ClearMemory => {
            turn.memory.clear();
            Reply::text("Memory cleared: I no longer remember earlier plans or the values you named.")
        }
        Intent::Explain if turn.session.pending_choice_seq.is_some() => pending_choice(turn).await?,
        Intent::Cancel if turn.session.pending_choice_seq.is_some() => Reply {
            clear_choice: true,
            ..Reply::text("Dropped the proposals waiting for a choice; nothing was proposed.")
        },
        command => {
            let Some(p) = current_plan(turn).await? else { return Ok(Reply::text(render::NO_PLAN)) };
            let r = plan_command(turn, command, p).await;
            turn.memory.note(&said, &r.text);
            r
        }
    };
    if reply.memory.is_none() {
        reply.memory = Some(turn.memory.clone());
    }
    Ok(reply)
}

async fn current_plan(turn: &Turn<'_>) -> Result<Option<plan::Model>> {
    match turn.session.current_plan_id {
        Some(id) => Ok(Some(plans::find(turn.app, turn.access, id).await?)),
        None => Ok(None),
    }
}

/// A command about the current plan, as the person who typed it.
async fn plan_command(turn: &Turn<'_>, command: Intent, p: plan::Model) -> Reply {
    let (app, access, id) = (turn.app, turn.access, p.id);
    let result = match command {
        Intent::Approve { comment } => {
            plans::approve(app, access, id, &p.plan_hash, comment.as_deref().unwrap_or_default()).await.map(|after| {
                match PlanStatus::parse(&after.status) {
                    Some(PlanStatus::PendingApproval) => {
                        format!("Approved stage {} of plan {id}; it waits for the next stage.", after.current_stage)
                    }
                    Some(PlanStatus::Queued) => format!("Approved plan {id}; it is queued and starts shortly."),
                    _ => format!("Approved plan {id}. Say \"run it\" to start it."),
                }
            })
        }
        Intent::Reject { comment } => plans::reject(app, access, id, comment.as_deref().unwrap_or_default())
            .await
            .map(|_| format!("Rejected plan {id}; it will not run.")),
        Intent::Run => plans::execute(app, access, id)
            .await
            .map(|_| format!("Queued plan {id}; it starts shortly and I will report each step here.")),
        Intent::Cancel => {
            plans::cancel(app, access, id, "cancelled in chat").await.map(|_| format!("Cancelled plan {id}."))
        }
        Intent::Explain => describe(&p).map(|(steps, decision)| render::explain(&p, &steps, &decision)),
        Intent::Status => match (crate::engine::store::view(&app.db, &p).await, crate::engine::store::steps_of(&p)) {
            (Ok(view), Ok(steps)) => Ok(render::status(&p, &steps, &view)),
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        // Handled before a plan is looked up.
        Intent::Help { .. } | Intent::ClearMemory | Intent::Request { .. } => Ok(String::new()),
    };
    match result {
        Ok(text) => Reply::text(text).with_plan(id),
        Err(e) => Reply::error("That did not work: ", &e).with_plan(id),
    }
}

fn describe(p: &plan::Model) -> Result<(Vec<praetor_domain::plan::Step>, PlanDecision)> {
    let steps = crate::engine::store::steps_of(p)?;
    let decision: PlanDecision =
        serde_json::from_str(&p.preview).map_err(|e| Error::internal(format!("plan preview unreadable: {e}")))?;
    Ok((steps, decision))
}

/// "What will this do?" while proposals wait for a choice: the ranking again.
async fn pending_choice(turn: &Turn<'_>) -> Result<Reply> {
    let Some(seq) = turn.session.pending_choice_seq else { return Ok(Reply::text(render::NO_PLAN)) };
    let event = store::at(&turn.app.db, turn.access.tenant(), turn.session.id, seq).await?;
    match event.map(|e| store::decode(&e)).transpose()? {
        Some(ChatEventData::ProposalsRanked { proposals, reason, .. }) => Ok(Reply::text(format!(
            "{}\nChoose one by naming its agent, or say \"cancel\".",
            render::ranking(&proposals, &reason)
        ))),
        _ => Ok(Reply::text(render::NO_PLAN)),
    }
}
