//! One approver's decision on one stage of a plan.
use sea_orm::entity::prelude::*;

use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "approvals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ApprovalId,
    pub org_id: OrgId,
    pub plan_id: PlanId,
    pub stage: i32,
    pub approver_subject: String,
    pub approver_name: String,
    /// `approve` or `reject`.
    pub decision: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    /// The plan hash this decision signs.
    pub plan_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant ApprovalId);

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::{QueryOrder, QuerySelect};

/// Every approval or rejection of a plan.
pub async fn of_plan<C: Conn>(db: &C, tenant: Tenant, plan: PlanId) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::PlanId.eq(plan)).all(&tenant.on(db)).await
}

/// Every approval or rejection of these plans, oldest first.
pub async fn of_plans<C: Conn>(
    db: &C,
    tenant: Tenant,
    plans: impl IntoIterator<Item = PlanId>,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::PlanId.is_in(plans))
        .order_by_asc(Column::CreatedAt)
        .all(&tenant.on(db))
        .await
}

/// `(plan, stage)` of every `decision` given by `subject` on these plans.
pub async fn stages_decided_by<C: Conn>(
    db: &C,
    tenant: Tenant,
    plans: impl IntoIterator<Item = PlanId>,
    subject: &str,
    decision: &str,
) -> Result<Vec<(PlanId, i32)>, DbErr> {
    Entity::find_in_org(tenant)
        .select_only()
        .column(Column::PlanId)
        .column(Column::Stage)
        .filter(Column::PlanId.is_in(plans))
        .filter(Column::ApproverSubject.eq(subject))
        .filter(Column::Decision.eq(decision))
        .into_tuple()
        .all(&tenant.on(db))
        .await
}

/// How many `decision`s a plan's stage has.
pub async fn count_at_stage<C: Conn>(
    db: &C,
    tenant: Tenant,
    plan: PlanId,
    stage: i32,
    decision: &str,
) -> Result<u64, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::PlanId.eq(plan))
        .filter(Column::Stage.eq(stage))
        .filter(Column::Decision.eq(decision))
        .count(&tenant.on(db))
        .await
}
