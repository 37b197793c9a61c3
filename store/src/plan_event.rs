//! An event of a plan's log: the source of truth that the reducer folds.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: PlanEventId,
    pub org_id: OrgId,
    pub project_id: ProjectId,
    pub plan_id: PlanId,
    /// Position in the plan's log, from 1.
    pub seq: i64,
    /// Position among the project's state changes, for state-changing events.
    pub project_seq: Option<i64>,
    pub kind: String,
    /// Canonical JSON of the event data.
    #[sea_orm(column_type = "Text")]
    pub data: String,
    /// The project state hash after this event, for state-changing events.
    pub state_hash: Option<String>,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant PlanEventId);

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::{QueryOrder, QuerySelect};

/// Every event of a plan, in order.
pub async fn of_plan<C: Conn>(db: &C, tenant: Tenant, plan: PlanId) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::PlanId.eq(plan)).order_by_asc(Column::Seq).all(&tenant.on(db)).await
}

/// Every event of these plans, by plan and then in order.
pub async fn of_plans<C: Conn>(
    db: &C,
    tenant: Tenant,
    plans: impl IntoIterator<Item = PlanId>,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::PlanId.is_in(plans))
        .order_by_asc(Column::PlanId)
        .order_by_asc(Column::Seq)
        .all(&tenant.on(db))
        .await
}

/// The plan's events with these sequence numbers.
pub async fn at_seqs<C: Conn>(
    db: &C,
    tenant: Tenant,
    plan: PlanId,
    seqs: impl IntoIterator<Item = i64>,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::PlanId.eq(plan))
        .filter(Column::Seq.is_in(seqs))
        .all(&tenant.on(db))
        .await
}

/// `(plan, seq, data)` of every event of these plans.
pub async fn data_of_plans<C: Conn>(
    db: &C,
    tenant: Tenant,
    plans: impl IntoIterator<Item = PlanId>,
) -> Result<Vec<(PlanId, i64, String)>, DbErr> {
    Entity::find_in_org(tenant)
        .select_only()
        .column(Column::PlanId)
        .column(Column::Seq)
        .column(Column::Data)
        .filter(Column::PlanId.is_in(plans))
        .into_tuple()
        .all(&tenant.on(db))
        .await
}

/// When each event of `kind` of these plans happened: `(plan, when)`.
pub async fn times_of_kind<C: Conn>(
    db: &C,
    tenant: Tenant,
    plans: impl IntoIterator<Item = PlanId>,
    kind: &str,
) -> Result<Vec<(PlanId, DateTimeUtc)>, DbErr> {
    Entity::find_in_org(tenant)
        .select_only()
        .column(Column::PlanId)
        .column(Column::OccurredAt)
        .filter(Column::PlanId.is_in(plans))
        .filter(Column::Kind.eq(kind))
        .into_tuple()
        .all(&tenant.on(db))
        .await
}

/// The project's state-changing events, in project order, up to and including `until`.
pub async fn project_changes<C: Conn>(
    db: &C,
    tenant: Tenant,
    project: ProjectId,
    until: Option<i64>,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_in_org(tenant)
        .filter(Column::ProjectId.eq(project))
        .filter(Column::ProjectSeq.is_not_null())
        .order_by_asc(Column::ProjectSeq);
    if let Some(u) = until {
        q = q.filter(Column::ProjectSeq.lte(u));
    }
    q.all(&tenant.on(db)).await
}
