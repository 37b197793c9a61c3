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

keyed_by_id!(tenant ProjectId);

// Queries.

use crate::{Conn, Tenant, TenantScoped};

/// The tenant's project with this slug.
pub async fn by_slug<C: Conn>(db: &C, tenant: Tenant, slug: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::Slug.eq(slug)).one(&tenant.on(db)).await
}

/// The projects named `slug` in any organization, or in `org` only (housekeeping: the
/// operator's command line names a project by slug).
pub async fn by_slug_anywhere<C: Conn>(
    db: &C,
    why: crate::Housekeeping,
    slug: &str,
    org: Option<OrgId>,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_across_orgs(why).filter(Column::Slug.eq(slug));
    if let Some(o) = org {
        q = q.filter(Column::OrgId.eq(o));
    }
    q.all(&why.on(db)).await
}
