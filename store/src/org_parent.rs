//! An organization's parent, set by the instance's administrators: the parent may publish
//! policy packs its children can subscribe to. One level: a parent has no parent.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_parents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: OrgId,
    pub parent_org_id: OrgId,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};

/// The tenant's parent, if it has one.
pub async fn of<C: Conn>(db: &C, tenant: Tenant) -> Result<Option<OrgId>, DbErr> {
    Ok(Entity::find_in_org(tenant).one(&tenant.on(db)).await?.map(|r| r.parent_org_id))
}

/// Removes the tenant's parent; answers whether it had one.
pub async fn delete<C: Conn>(db: &C, tenant: Tenant) -> Result<bool, DbErr> {
    Ok(Entity::delete_in_org(tenant).exec(&tenant.on(db)).await?.rows_affected > 0)
}

/// Whether any organization has `org` as its parent (housekeeping: a parent cannot itself be
/// given a parent).
pub async fn has_children<C: Conn>(db: &C, org: OrgId) -> Result<bool, DbErr> {
    use sea_orm::PaginatorTrait;
    Ok(Entity::find_across_orgs(Housekeeping::PolicyPacks)
        .filter(Column::ParentOrgId.eq(org))
        .count(&Housekeeping::PolicyPacks.on(db))
        .await?
        > 0)
}
