//! `chatSession(id)` and `agents(org)`.

use async_graphql::{Context, ID, Object, Result};
use praetor_store::ChatSessionId;

use crate::chat::sessions as chat;
use crate::graphql::object::{AgentObject, ChatSessionObject};
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::{agents, orgs, validate};

#[derive(Default)]
pub struct ChatQuery;

#[Object]
impl ChatQuery {
    /// A conversation with its messages, memory and current plan. Needs `chat.read` in its
    /// project.
    async fn chat_session(&self, ctx: &Context<'_>, id: ID) -> Result<ChatSessionObject> {
        let app = app(ctx)?;
        let id: ChatSessionId = validate::id("id", &id)?;
        let access = NodeId::ChatSession(id).enter(app, principal(ctx)?).await?;
        let s = chat::find(app, &access, id).await?;
        Ok(ChatSessionObject::new(access, s))
    }

    /// The organization's agents, by name.
    async fn agents(&self, ctx: &Context<'_>, org: String) -> Result<Vec<AgentObject>> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        Ok(agents::list(app, &access).await?.into_iter().map(AgentObject).collect())
    }
}
