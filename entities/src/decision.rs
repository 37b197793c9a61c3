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
