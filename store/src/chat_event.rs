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

keyed_by_id!(tenant ChatEventId);

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::{QueryOrder, QuerySelect};

/// Up to `limit` of the session's events after sequence number `after`, oldest first; only
/// those of `kinds` when given.
pub async fn after<C: Conn>(
    db: &C,
    tenant: Tenant,
    session: ChatSessionId,
    after: i64,
    kinds: Option<&[&str]>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_in_org(tenant)
        .filter(Column::SessionId.eq(session))
        .filter(Column::Seq.gt(after))
        .order_by_asc(Column::Seq);
    if let Some(k) = kinds {
        q = q.filter(Column::Kind.is_in(k.iter().copied()));
    }
    q.limit(limit).all(&tenant.on(db)).await
}

/// The session's events with these sequence numbers, oldest first.
pub async fn at_seqs<C: Conn>(
    db: &C,
    tenant: Tenant,
    session: ChatSessionId,
    seqs: impl IntoIterator<Item = i64>,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::SessionId.eq(session))
        .filter(Column::Seq.is_in(seqs))
        .order_by_asc(Column::Seq)
        .all(&tenant.on(db))
        .await
}

/// The session's event with this sequence number.
pub async fn at<C: Conn>(db: &C, tenant: Tenant, session: ChatSessionId, seq: i64) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::SessionId.eq(session))
        .filter(Column::Seq.eq(seq))
        .one(&tenant.on(db))
        .await
}

/// The session's latest event of `kind`.
pub async fn last_of_kind<C: Conn>(
    db: &C,
    tenant: Tenant,
    session: ChatSessionId,
    kind: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::SessionId.eq(session))
        .filter(Column::Kind.eq(kind))
        .order_by_desc(Column::Seq)
        .one(&tenant.on(db))
        .await
}

/// The session's events of `kind` with sequence numbers in `from..=to`, oldest first.
pub async fn of_kind_between<C: Conn>(
    db: &C,
    tenant: Tenant,
    session: ChatSessionId,
    kind: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::SessionId.eq(session))
        .filter(Column::Kind.eq(kind))
        .filter(Column::Seq.gte(from))
        .filter(Column::Seq.lte(to))
        .order_by_asc(Column::Seq)
        .all(&tenant.on(db))
        .await
}

/// How many of the session's events of `kind` were made after `since`.
pub async fn count_of_kind_since<C: Conn>(
    db: &C,
    tenant: Tenant,
    session: ChatSessionId,
    kind: &str,
    since: DateTimeUtc,
) -> Result<u64, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::SessionId.eq(session))
        .filter(Column::Kind.eq(kind))
        .filter(Column::CreatedAt.gt(since))
        .count(&tenant.on(db))
        .await
}
