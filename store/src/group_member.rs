//! Membership of a user in a group.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: GroupId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    pub org_id: OrgId,
    /// The identity provider that synced this membership; none when an admin made it.
    pub source: Option<IdentityProviderId>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};

/// Every membership of the tenant.
pub async fn all<C: Conn>(db: &C, tenant: Tenant) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant).all(&tenant.on(db)).await
}

/// The memberships of these people in the tenant.
pub async fn of_users<C: Conn>(
    db: &C,
    tenant: Tenant,
    users: impl IntoIterator<Item = UserId>,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::UserId.is_in(users)).all(&tenant.on(db)).await
}

/// The members of a group.
pub async fn of_group<C: Conn>(db: &C, tenant: Tenant, group: GroupId) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::GroupId.eq(group)).all(&tenant.on(db)).await
}

/// A person's memberships in every organization (housekeeping: where they may enter).
pub async fn of_user_anywhere<C: Conn>(db: &C, user: UserId) -> Result<Vec<Model>, DbErr> {
    Entity::find_across_orgs(Housekeeping::Memberships)
        .filter(Column::UserId.eq(user))
        .all(&Housekeeping::Memberships.on(db))
        .await
}

/// Removes a person from a group; answers how many rows went (0 or 1).
pub async fn remove<C: Conn>(db: &C, tenant: Tenant, group: GroupId, user: UserId) -> Result<u64, DbErr> {
    Ok(Entity::delete_in_org(tenant)
        .filter(Column::GroupId.eq(group))
        .filter(Column::UserId.eq(user))
        .exec(&tenant.on(db))
        .await?
        .rows_affected)
}

/// Removes every membership an identity provider made; answers how many.
pub async fn remove_synced_by<C: Conn>(db: &C, tenant: Tenant, provider: IdentityProviderId) -> Result<u64, DbErr> {
    Ok(Entity::delete_in_org(tenant).filter(Column::Source.eq(provider)).exec(&tenant.on(db)).await?.rows_affected)
}
