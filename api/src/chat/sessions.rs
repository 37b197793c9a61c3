//! Chat sessions: create, read, send a message (answered in the background), clear memory,
//! choose among proposals.
//!
//! Who may do what: reading a session and its events needs `chat.read` in its project (its
//! owner has it through `chat.*`; approvers and viewers read conversations to review plans).
//! Writing into a session — sending, clearing its memory, choosing a proposal — is for its
//! owner alone, with `chat.write`: a conversation is one person's, and whatever is said in it
//! acts with that person's rights. Others act on its plans with the plan API (an approver
//! approves the plan a colleague proposed in chat with `approvePlan`).

use std::sync::Arc;

use chrono::Duration;
use praetor_store::{ChatEventId, ChatProposalId, ChatSessionId, Owned, ProjectId, chat_event, chat_session, plan};
use serde_json::json;

use super::turn::{self, Turn};
use crate::AppState;
use crate::audit::{Entry, canonical_json};
use crate::auth::Subject;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::chatlog::model::ChatEventData;
use crate::chatlog::store::{self, SessionChange};
use crate::error::{Error, Result};
use crate::services::page::{Page, PageArgs};
use crate::services::validate;

/// The longest message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// Messages one session accepts per minute (each may plan with several agents and a model).
pub const MESSAGES_PER_MINUTE: u64 = 30;

pub use crate::chatlog::store::DEFAULT_TITLE;

/// The longest title a request gives a conversation (longer ones end with `…`).
const REQUEST_TITLE_CHARS: usize = 80;

/// A conversation's title from the request that started it: its words, cut at a word
/// boundary near 80 characters.
pub fn title_from_request(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        let needed = if out.is_empty() { w.chars().count() } else { out.chars().count() + 1 + w.chars().count() };
        if needed > REQUEST_TITLE_CHARS {
            if out.is_empty() {
                out = w.chars().take(REQUEST_TITLE_CHARS - 1).collect();
            }
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Starts a conversation in a project. Needs `chat.write` there; the caller owns it.
pub async fn create(
    app: &AppState,
    access: &OrgAccess,
    project: ProjectId,
    title: Option<&str>,
) -> Result<chat_session::Model> {
    let p = crate::services::projects::find_by_id(app, access, project).await?;
    let permit = access.permit::<ops::ChatWrite>(Domain::Project(p.id))?;
    if matches!(permit.principal().subject, Subject::Agent(_)) {
        return Err(Error::forbidden("agents do not own chat sessions"));
    }
    let title = match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => validate::name("title", t)?,
        None => DEFAULT_TITLE.to_string(),
    };
    let principal = permit.principal();
    let mut w = app.write(principal.chain()).await?;
    let now = w.now();
    let session = praetor_store::insert(
        w.txn(),
        chat_session::Model {
            id: ChatSessionId::generate(),
            org_id: p.org_id,
            project_id: p.id,
            title,
            created_by: principal.rbac_subject(),
            created_by_actor: canonical_json(&serde_json::to_value(principal.actor()).map_err(Error::internal)?),
            memory: "{}".into(),
            current_plan_id: None,
            pending_choice_seq: None,
            last_seq: 0,
            answering_seq: None,
            answering_until: None,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    w.audit(
        access.tenant(),
        Entry::new("chat.session_created", session.id, json!({"project": p.id.to_string(), "title": session.title})),
    )
    .await?;
    w.commit().await?;
    Ok(session)
}

/// A session the caller may read; NOT_FOUND otherwise.
pub async fn find(app: &AppState, access: &OrgAccess, id: ChatSessionId) -> Result<chat_session::Model> {
    let s = chat_session::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("chat session"))?;
    access.read_permit::<ops::ChatRead>(Domain::Project(s.project_id), "chat session")?;
    Ok(s)
}

/// Whether the caller may write into `session`: its owner, with `chat.write`.
pub fn may_write(access: &OrgAccess, session: &chat_session::Model) -> bool {
    session.created_by == access.principal().rbac_subject()
        && access.may::<ops::ChatWrite>(Domain::Project(session.project_id))
}

/// A session the caller owns and may write to: NOT_FOUND if they cannot even read it.
async fn find_own(app: &AppState, access: &OrgAccess, id: ChatSessionId) -> Result<chat_session::Model> {
    let s = find(app, access, id).await?;
    if !may_write(access, &s) {
        return Err(Error::forbidden("only the owner of a conversation may write in it (with `chat.write`)"));
    }
    Ok(s)
}

/// The sessions of a project the caller may read, newest first; `mine` keeps the caller's own.
pub async fn list(
    app: &AppState,
    access: &OrgAccess,
    project: ProjectId,
    mine: bool,
    args: PageArgs<ChatSessionId>,
) -> Result<Page<chat_session::Model>> {
    access.read_permit::<ops::ChatRead>(Domain::Project(project), "project")?;
    let owner = mine.then(|| access.principal().rbac_subject());
    let rows = chat_session::newest_of_project(
        &app.db,
        access.tenant(),
        project,
        owner.as_deref(),
        args.after,
        args.fetch_limit(),
    )
    .await?;
    Ok(Page::from_overfetch(rows, args.first))
}

/// A page of the session's events after `after` (a sequence number), oldest first.
pub async fn events(
    app: &AppState,
    session: &chat_session::Model,
    kinds: Option<&[&str]>,
    args: PageArgs<i64>,
) -> Result<Page<chat_event::Model>> {
    let rows =
        chat_event::after(&app.db, session.tenant(), session.id, args.after.unwrap_or(0), kinds, args.fetch_limit())
            .await?;
    Ok(Page::from_overfetch(rows, args.first))
}

/// One event of a session, by id.
pub async fn event(app: &AppState, access: &OrgAccess, id: ChatEventId) -> Result<chat_event::Model> {
    let e = chat_event::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("chat event"))?;
    find(app, access, e.session_id).await?;
    Ok(e)
}

/// Stores what the owner typed and starts the answer in the background; returns the stored
/// message at once. The answer streams over `chatEvents`.
pub async fn send(app: &Arc<AppState>, access: &OrgAccess, id: ChatSessionId, text: &str) -> Result<chat_event::Model> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::validation("text", "say something"));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS || text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::validation(
            "text",
            format!("at most {MAX_MESSAGE_CHARS} characters, without control characters"),
        ));
    }
    let session = find_own(app, access, id).await?;
    let now = app.clock.now();
    let recent = chat_event::count_of_kind_since(
        &app.db,
        access.tenant(),
        session.id,
        "user_message",
        now - Duration::minutes(1),
    )
    .await?;
    if recent >= MESSAGES_PER_MINUTE {
        return Err(Error::RateLimited {
            message: format!("a conversation takes at most {MESSAGES_PER_MINUTE} messages a minute"),
            retry_after_seconds: 60,
        });
    }
    let principal = access.principal();
    let mut w = app.write(principal.chain()).await?;
    w.audit(access.tenant(), Entry::new("chat.message", session.id, json!({"text": text}))).await?;
    let data = ChatEventData::UserMessage { text: text.to_string(), author: principal.actor() };
    let stored = store::append(&mut w, access.tenant(), session.id, vec![data], SessionChange::default()).await?;
    w.commit().await?;
    let message = stored.into_iter().next().ok_or_else(|| Error::internal("the message was not stored"))?;
    let (app2, access2, seq, said) = (app.clone(), access.clone(), message.seq, text.to_string());
    app.chat.spawn(turn::respond(app2, access2, session.id, seq, said));
    Ok(message)
}

/// Forgets what the session's planners remembered. The owner only.
pub async fn clear_memory(app: &AppState, access: &OrgAccess, id: ChatSessionId) -> Result<chat_session::Model> {
    let session = find_own(app, access, id).await?;
    let mut w = app.write(access.principal().chain()).await?;
    w.audit(access.tenant(), Entry::new("chat.memory_cleared", session.id, json!({}))).await?;
    let note = ChatEventData::SystemMessage { text: "Memory cleared.".into(), plan_id: None };
    let change = SessionChange { memory: Some("{}".into()), ..Default::default() };
    store::append(&mut w, access.tenant(), session.id, vec![note], change).await?;
    w.commit().await?;
    find(app, access, id).await
}

/// Proposes the waiting proposal `proposal` (human-choice arbitration), as the owner acting
/// through the proposal's agent. The answer is also told in the session; a refusal (a rate
/// limit, a budget) is both told there and returned.
pub async fn choose(
    app: &Arc<AppState>,
    access: &OrgAccess,
    id: ChatSessionId,
    proposal: ChatProposalId,
) -> Result<plan::Model> {
    let session = find_own(app, access, id).await?;
    let lock = app.chat.turn_lock(session.id);
    let _in_order = lock.lock().await;
    // Read again under the turn lock: a message may just have settled the choice.
    let session = find(app, access, session.id).await?;
    let Some(seq) = session.pending_choice_seq else {
        return Err(Error::Conflict("no proposals are waiting for a choice in this conversation".into()));
    };
    let memory = crate::error::stored(format_args!("the memory of chat session {}", session.id), &session.memory)?;
    let mut turn = Turn { app, access, session, seq, text: String::new(), memory };
    let mut reply = super::request::choose(&mut turn, proposal).await?;
    let (plan, refused) = (reply.plan_id, reply.refused.take());
    turn::finish(app, access, id, seq, reply).await?;
    match (plan, refused) {
        (_, Some(e)) => Err(e),
        (Some(p), None) => crate::services::plans::find(app, access, p).await,
        (None, None) => Err(Error::internal("a chosen proposal ended without a plan")),
    }
}
