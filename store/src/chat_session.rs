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

keyed_by_id!(tenant ChatSessionId);

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::sea_query::Expr;
use sea_orm::{QueryOrder, QuerySelect};

/// The project of each of these sessions.
pub async fn projects_of<C: Conn>(
    db: &C,
    tenant: Tenant,
    ids: impl IntoIterator<Item = ChatSessionId>,
) -> Result<Vec<(ChatSessionId, ProjectId)>, DbErr> {
    Entity::find_in_org(tenant)
        .select_only()
        .column(Column::Id)
        .column(Column::ProjectId)
        .filter(Column::Id.is_in(ids))
        .into_tuple()
        .all(&tenant.on(db))
        .await
}

/// Up to `limit` sessions of a project, newest first, before `before`; only those of
/// `created_by` when given.
pub async fn newest_of_project<C: Conn>(
    db: &C,
    tenant: Tenant,
    project: ProjectId,
    created_by: Option<&str>,
    before: Option<ChatSessionId>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_in_org(tenant).filter(Column::ProjectId.eq(project)).order_by_desc(Column::Id);
    if let Some(owner) = created_by {
        q = q.filter(Column::CreatedBy.eq(owner));
    }
    if let Some(b) = before {
        q = q.filter(Column::Id.lt(b));
    }
    q.limit(limit).all(&tenant.on(db)).await
}

/// Moves the hold on the session's answers to `until`, if answers are still awaited.
pub async fn renew_hold<C: Conn>(db: &C, tenant: Tenant, id: ChatSessionId, until: DateTimeUtc) -> Result<(), DbErr> {
    Entity::update_in_org(tenant)
        .col_expr(Column::AnsweringUntil, Expr::value(until))
        .filter(Column::Id.eq(id))
        .filter(Column::AnsweringSeq.is_not_null())
        .exec(&tenant.on(db))
        .await
        .map(|_| ())
}

/// Up to `limit` sessions, across organizations (or in `only` one), whose hold on their
/// answers lapsed before `now` (housekeeping: the sweep ends their answers).
pub async fn lapsed_holds<C: Conn>(
    db: &C,
    now: DateTimeUtc,
    only: Option<OrgId>,
    limit: u64,
) -> Result<Vec<(OrgId, ChatSessionId)>, DbErr> {
    let mut q = Entity::find_across_orgs(Housekeeping::Sweep)
        .select_only()
        .column(Column::OrgId)
        .column(Column::Id)
        .filter(Column::AnsweringUntil.lt(now));
    if let Some(org) = only {
        q = q.filter(Column::OrgId.eq(org));
    }
    q.limit(limit).into_tuple().all(&Housekeeping::Sweep.on(db)).await
}
