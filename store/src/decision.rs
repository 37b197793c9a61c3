//! A recorded decision of the governance pipeline, kept so it can be re-decided later.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "decisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DecisionId,
    pub org_id: OrgId,
    pub project_id: ProjectId,
    pub plan_id: Option<PlanId>,
    pub step_id: String,
    pub action: String,
    /// Canonical JSON of the decision input (params, principal, state hash, time).
    #[sea_orm(column_type = "Text")]
    pub input: String,
    pub policy_version: String,
    /// preview, execute or replay.
    pub phase: String,
    pub verdict: String,
    #[sea_orm(column_type = "Text")]
    pub reasons: String,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant DecisionId);

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::{QueryOrder, QuerySelect};

/// The decisions recorded for a plan in `phase`, in the order they were made.
pub async fn of_plan_in_phase<C: Conn>(db: &C, tenant: Tenant, plan: PlanId, phase: &str) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::PlanId.eq(plan))
        .filter(Column::Phase.eq(phase))
        .order_by_asc(Column::DecidedAt)
        .all(&tenant.on(db))
        .await
}

/// The decisions recorded for these plans in `phase`, by plan and then in the order they were
/// made.
pub async fn of_plans_in_phase<C: Conn>(
    db: &C,
    tenant: Tenant,
    plans: impl IntoIterator<Item = PlanId>,
    phase: &str,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::PlanId.is_in(plans))
        .filter(Column::Phase.eq(phase))
        .order_by_asc(Column::PlanId)
        .order_by_asc(Column::DecidedAt)
        .all(&tenant.on(db))
        .await
}

/// The project's latest `limit` decisions, newest first.
pub async fn latest_of_project<C: Conn>(
    db: &C,
    tenant: Tenant,
    project: ProjectId,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::ProjectId.eq(project))
        .order_by_desc(Column::DecidedAt)
        .limit(limit)
        .all(&tenant.on(db))
        .await
}
