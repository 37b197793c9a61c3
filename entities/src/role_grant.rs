//! A time-boxed role grant: just-in-time access from `valid_from` until `valid_until`, possibly
//! waiting for approval first. Enforced at decision time (the org's RBAC reloads when a grant
//! starts or ends), not only by a cleanup job.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RoleGrantId,
    pub org_id: OrgId,
    /// `user`, `group` or `service_account`.
    pub subject_kind: String,
    pub subject_id: Uuid,
    /// The subject as people know it (an e-mail, a group or account name).
    pub subject_label: String,
    pub role: String,
    /// `*` for the whole organization, otherwise the prefixed project id.
    pub domain: String,
    pub project_id: Option<ProjectId>,
    pub valid_from: DateTimeUtc,
    pub valid_until: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// `pending`, `active`, `rejected` or `revoked` (an active grant past `valid_until` has
    /// expired whatever its status says).
    pub status: String,
    /// Canonical JSON of the requester's principal chain.
    #[sea_orm(column_type = "Text")]
    pub requested_by: String,
    /// RBAC subject of the requester (separation of duties on approval).
    pub requested_by_subject: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
