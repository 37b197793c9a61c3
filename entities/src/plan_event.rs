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
