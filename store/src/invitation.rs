//! A link an organization sent to a person: to join it with a role and set a password
//! (`join`), or to set a new password (`reset`). Single use, expiring; the link's token is kept
//! only as its hash.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: InvitationId,
    pub org_id: OrgId,
    pub email: String,
    /// `join` or `reset`.
    pub purpose: String,
    /// The role a `join` grants (org-wide, or in `project_id`).
    pub role: Option<String>,
    pub project_id: Option<ProjectId>,
    pub token_hash: String,
    /// The principal chain that made it (canonical JSON).
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant InvitationId);
