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
        .all(db)
        .await
}
