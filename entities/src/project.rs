//! A project inside an organization (slug unique per org).
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ProjectId,
    pub org_id: OrgId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: DateTimeUtc,
    /// Set while an approver has paused the project's autonomous mode.
    pub autonomy_paused_at: Option<DateTimeUtc>,
    /// Canonical JSON `{by, reason}` of the pause.
    #[sea_orm(column_type = "Text", nullable)]
    pub autonomy_pause: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
