//! A change to policy (an apply or a rollback) kept until a second person decides on it, when
//! the organization's policy asks for that. Approved, it is stored as policy versions.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: PolicyChangeId,
    pub org_id: OrgId,
    /// The project whose policy it changes; none: the organization's.
    pub project_id: Option<ProjectId>,
    /// JSON `[{name, text}]`: the documents as proposed.
    #[sea_orm(column_type = "Text")]
    pub sources: String,
    pub hash: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    /// The scope's newest version number when it was proposed (0: none): approving it after
    /// another change landed is refused, so nobody approves what they did not see.
    pub base_version: i64,
    /// Canonical JSON of the proposer's principal chain.
    #[sea_orm(column_type = "Text")]
    pub proposed_by: String,
    /// RBAC subject of the proposer (who may not approve it).
    pub proposed_by_subject: String,
    /// `pending`, `applied`, `rejected`, `withdrawn` or `superseded` (another change to its
    /// scope was stored first).
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub decided_by: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub decision_comment: String,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant PolicyChangeId);

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::{QueryOrder, QuerySelect};

/// The tenant's changes, newest first: only pending ones when `pending_only`.
pub async fn newest<C: Conn>(db: &C, tenant: Tenant, pending_only: bool, limit: u64) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_in_org(tenant).order_by_desc(Column::Id).limit(limit);
    if pending_only {
        q = q.filter(Column::Status.eq("pending"));
    }
    q.all(&tenant.on(db)).await
}

/// The scope's pending changes (`None`: the organization's own policy), locked until the
/// transaction `db` ends.
pub async fn pending_of_scope<C: Conn>(
    db: &C,
    tenant: Tenant,
    project: Option<ProjectId>,
) -> Result<Vec<Model>, DbErr> {
    let q = Entity::find_in_org(tenant).filter(Column::Status.eq("pending"));
    let q = match project {
        Some(p) => q.filter(Column::ProjectId.eq(p)),
        None => q.filter(Column::ProjectId.is_null()),
    };
    q.lock_exclusive().all(&tenant.on(db)).await
}
