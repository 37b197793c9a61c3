//! An event of a chat session's log, numbered from 1 per session: the durable record that
//! `chatEvents(sessionId, after)` replays before it goes live.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ChatEventId,
    pub org_id: OrgId,
    pub session_id: ChatSessionId,
    pub seq: i64,
    /// user_message, message_completed, system_message, proposals_ranked, plan_proposed,
    /// approval_requested, plan_status, step_progress, plan_finished.
    pub kind: String,
    /// The plan the event is about, if any.
    pub plan_id: Option<PlanId>,
    /// JSON of the event's data (shape depends on `kind`).
    #[sea_orm(column_type = "Text")]
    pub data: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
