//! A durable job: run (or resume) a plan at or after run_at.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: JobId,
    pub org_id: OrgId,
    pub plan_id: PlanId,
    pub kind: String,
    pub run_at: DateTimeUtc,
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTimeUtc>,
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant JobId);

// Queries.

/// Moves the jobs of these plans to run at `at` (a kill switch released, plans woken).
pub async fn run_plans_at<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    plans: impl IntoIterator<Item = PlanId>,
    at: DateTimeUtc,
) -> Result<(), DbErr> {
    use crate::TenantScoped;
    use sea_orm::sea_query::Expr;
    Entity::update_in_org(tenant)
        .col_expr(Column::RunAt, Expr::value(at))
        .filter(Column::PlanId.is_in(plans))
        .exec(db)
        .await
        .map(|_| ())
}

/// How many jobs are due by `now` and not held by a live worker, and since when the oldest
/// is due (housekeeping: metrics).
pub async fn due_stats<C: crate::Conn>(db: &C, now: DateTimeUtc) -> Result<Option<(i64, Option<DateTimeUtc>)>, DbErr> {
    use crate::TenantScoped;
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::{Expr, ExprTrait};
    Entity::find_across_orgs(crate::Housekeeping::Metrics)
        .filter(Column::RunAt.lte(now))
        .filter(Column::LockedUntil.is_null().or(Column::LockedUntil.lt(now)))
        .select_only()
        .column_as(Expr::col(Column::Id).count(), "n")
        .column_as(Expr::col(Column::RunAt).min(), "oldest")
        .into_tuple()
        .one(db)
        .await
}
