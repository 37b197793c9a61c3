//! `createChatSession`, `sendChatMessage`, `clearChatMemory`, `chooseProposal`.

use async_graphql::{Context, ID, InputObject, Object, Result};
use praetor_store::{ChatProposalId, ChatSessionId};

use crate::authz::OrgAccess;
use crate::chat::sessions as chat;
use crate::graphql::object::{ChatEventObject, ChatSessionObject, PlanObject};
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::{orgs, projects, validate};

#[derive(InputObject)]
pub struct CreateChatSessionInput {
    pub org: String,
    /// The project's slug.
    pub project: String,
    /// Defaults to "New conversation".
    pub title: Option<String>,
}

async fn session_access(ctx: &Context<'_>, id: &ID) -> Result<(OrgAccess, ChatSessionId)> {
    let app = app(ctx)?;
    let id: ChatSessionId = validate::id("sessionId", id)?;
    let access = NodeId::ChatSession(id).enter(app, principal(ctx)?).await?;
    Ok((access, id))
}

#[derive(Default)]
pub struct ChatMutation;

#[Object]
impl ChatMutation {
    /// Starts a conversation in a project; the caller owns it. Needs `chat.write`.
    async fn create_chat_session(&self, ctx: &Context<'_>, input: CreateChatSessionInput) -> Result<ChatSessionObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = projects::find_by_slug(app, &access, &input.project).await?;
        let s = chat::create(app, &access, project.id, input.title.as_deref()).await?;
        Ok(ChatSessionObject::new(access, s))
    }

    /// Says something in a conversation you own (at most 4,000 characters, 30 a minute).
    /// Returns the stored message at once; the answer streams over `chatEvents`.
    async fn send_chat_message(&self, ctx: &Context<'_>, session_id: ID, text: String) -> Result<ChatEventObject> {
        let (access, id) = session_access(ctx, &session_id).await?;
        let e = chat::send(app(ctx)?, &access, id, &text).await?;
        Ok(ChatEventObject::stored(access, e)?)
    }

    /// Forgets what the conversation's planners remembered (facts, last plan, summary).
    async fn clear_chat_memory(&self, ctx: &Context<'_>, session_id: ID) -> Result<ChatSessionObject> {
        let (access, id) = session_access(ctx, &session_id).await?;
        let s = chat::clear_memory(app(ctx)?, &access, id).await?;
        Ok(ChatSessionObject::new(access, s))
    }

    /// Proposes one of the proposals waiting for your choice (human-choice arbitration), as
    /// you acting through its agent.
    async fn choose_proposal(&self, ctx: &Context<'_>, session_id: ID, proposal_id: ID) -> Result<PlanObject> {
        let (access, id) = session_access(ctx, &session_id).await?;
        let proposal: ChatProposalId = validate::id("proposalId", &proposal_id)?;
        let p = chat::choose(app(ctx)?, &access, id, proposal).await?;
        Ok(PlanObject::new(access, p))
    }
}
