//! A role granted to a user, group or service account, org-wide or in one project.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_bindings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RoleBindingId,
    pub org_id: OrgId,
    /// `user`, `group` or `service_account`.
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub role: String,
    /// `*` for the whole organization, otherwise the prefixed project id.
    pub domain: String,
    pub project_id: Option<ProjectId>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
