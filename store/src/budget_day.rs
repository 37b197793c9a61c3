//! A budget scope's ledger for one local day: what was spent and what queued plans hold.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: BudgetDayId,
    pub org_id: OrgId,
    /// `org`, or the prefixed project id.
    pub scope: String,
    pub project_id: Option<ProjectId>,
    /// The local date (`YYYY-MM-DD`) in the budget's time zone.
    pub day: String,
    pub spent: f64,
    pub reserved: f64,
    /// JSON array of the alert thresholds already raised this day.
    #[sea_orm(column_type = "Text")]
    pub alerts: String,
    /// Today's forecast alert: empty, `raised` (it runs out before the reset) or `cleared`
    /// (it fell back since).
    pub forecast_alert: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant BudgetDayId);

// Queries.

/// The ledgers of `scope` for days `from..until` (days as `YYYY-MM-DD`), oldest first.
pub async fn of_days<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    scope: &str,
    from: &str,
    until: &str,
) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    use sea_orm::QueryOrder;
    Entity::find_in_org(tenant)
        .filter(Column::Scope.eq(scope))
        .filter(Column::Day.gte(from))
        .filter(Column::Day.lt(until))
        .order_by_asc(Column::Day)
        .all(&tenant.on(db))
        .await
}

/// Which budgets' ledgers.
#[derive(Debug, Clone, Copy)]
pub enum Budgets {
    /// Every budget of every organization, or of `only` one (housekeeping: the forecast sweep).
    Everywhere { only: Option<OrgId> },
    /// One project's (or, `None`, the organization's own).
    Of(crate::Tenant, Option<ProjectId>),
}

/// The ledgers of `which` budgets updated since `since`.
pub async fn updated_since<C: crate::Conn>(db: &C, which: Budgets, since: DateTimeUtc) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    let (q, on) = match which {
        Budgets::Everywhere { only } => {
            let q = Entity::find_across_orgs(crate::Housekeeping::Sweep);
            let q = match only {
                Some(org) => q.filter(Column::OrgId.eq(org)),
                None => q,
            };
            (q, crate::Housekeeping::Sweep.on(db))
        }
        Budgets::Of(tenant, project) => {
            let q = Entity::find_in_org(tenant);
            let q = match project {
                Some(p) => q.filter(Column::ProjectId.eq(p)),
                None => q.filter(Column::ProjectId.is_null()),
            };
            (q, tenant.on(db))
        }
    };
    q.filter(Column::UpdatedAt.gte(since)).all(&on).await
}

/// Sets the ledger's forecast alert to `next` if it is still `was`; answers whether it did
/// (another node may have raised or cleared it first).
pub async fn swap_forecast_alert<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    id: BudgetDayId,
    was: &str,
    next: &str,
) -> Result<bool, DbErr> {
    use crate::TenantScoped;
    use sea_orm::sea_query::Expr;
    let updated = Entity::update_in_org(tenant)
        .col_expr(Column::ForecastAlert, Expr::value(next))
        .filter(Column::Id.eq(id))
        .filter(Column::ForecastAlert.eq(was))
        .exec(&tenant.on(db))
        .await?;
    Ok(updated.rows_affected > 0)
}

/// The ledger of `scope` on `day`.
pub async fn of<C: crate::Conn>(db: &C, tenant: crate::Tenant, scope: &str, day: &str) -> Result<Option<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant).filter(Column::Scope.eq(scope)).filter(Column::Day.eq(day)).one(&tenant.on(db)).await
}

/// The ledgers of any of `scopes` on any of `days` (the caller picks the pairs it wants).
pub async fn of_any<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    scopes: impl IntoIterator<Item = String>,
    days: impl IntoIterator<Item = String>,
) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant)
        .filter(Column::Scope.is_in(scopes))
        .filter(Column::Day.is_in(days))
        .all(&tenant.on(db))
        .await
}

/// The ledger of `fresh`'s scope and day, inserted as `fresh` if missing (concurrent first
/// writers of a day: one inserts, the others find the row), locked until the transaction
/// `db` ends.
pub async fn lock_or_insert<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    fresh: Model,
) -> Result<Option<Model>, DbErr> {
    use crate::TenantScoped;
    use sea_orm::sea_query::OnConflict;
    use sea_orm::{IntoActiveModel, QuerySelect};
    let (scope, day) = (fresh.scope.clone(), fresh.day.clone());
    Entity::insert(fresh.into_active_model().reset_all())
        .on_conflict(OnConflict::columns([Column::OrgId, Column::Scope, Column::Day]).do_nothing().to_owned())
        .exec_without_returning(&tenant.on(db))
        .await?;
    Entity::find_in_org(tenant)
        .filter(Column::Scope.eq(scope))
        .filter(Column::Day.eq(day))
        .lock_exclusive()
        .one(&tenant.on(db))
        .await
}
