//! What a queued plan still holds of its project's and organization's daily budgets.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_reservations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_id: PlanId,
    pub org_id: OrgId,
    pub project_id: ProjectId,
    /// The ledger days the reservation was taken from (settlements go to the same days).
    pub project_day: String,
    pub org_day: String,
    /// Still reserved.
    pub amount: f64,
    /// The plan's estimated cost when it was queued.
    pub estimated: f64,
    /// Spent so far by the plan's steps.
    pub settled: f64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Tenant, TenantScoped};

/// The plan's reservation.
pub async fn of_plan<C: Conn>(db: &C, tenant: Tenant, plan: PlanId) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::PlanId.eq(plan)).one(&tenant.on(db)).await
}

/// Deletes the plan's reservation.
pub async fn delete_of_plan<C: Conn>(db: &C, tenant: Tenant, plan: PlanId) -> Result<(), DbErr> {
    Entity::delete_in_org(tenant).filter(Column::PlanId.eq(plan)).exec(&tenant.on(db)).await.map(|_| ())
}
