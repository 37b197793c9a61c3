//! The current state document of a project (a fold of its state-changing events).
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "project_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: ProjectId,
    pub org_id: OrgId,
    /// Canonical JSON of the project state document.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    pub state_hash: String,
    /// Number of state changes folded into this state.
    pub project_seq: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
