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
