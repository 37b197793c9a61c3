//! A chat session: one person's conversation in a project, its memory and the plan it is
//! currently about. Its events (messages, proposals, plan progress) are `chat_events`.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ChatSessionId,
    pub org_id: OrgId,
    pub project_id: ProjectId,
    pub title: String,
    /// RBAC subject of the owner (`user:…`, `sa:…`): the only one who may write.
    pub created_by: String,
    /// Canonical JSON of the owner as an actor `{kind, id, name}`.
    #[sea_orm(column_type = "Text")]
    pub created_by_actor: String,
    /// JSON of the planner memory (facts, last plan, rolling summary).
    #[sea_orm(column_type = "Text")]
    pub memory: String,
    /// The plan "approve", "run it", "status" refer to.
    pub current_plan_id: Option<PlanId>,
    /// Sequence number of the ranking event waiting for a person's choice, if any.
    pub pending_choice_seq: Option<i64>,
    /// The last sequence number given to an event of this session.
    pub last_seq: i64,
    /// The last message still waiting for its answer, if any.
    pub answering_seq: Option<i64>,
    /// Until when the node answering holds the session's answers (renewed while it works);
    /// once it lapses, any node ends the answers as interrupted.
    pub answering_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
