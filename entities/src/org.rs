//! An organization: the tenant. Every tenant-owned row carries its id.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orgs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: OrgId,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// Bumped in the same transaction as any change to bindings or memberships, so every node can
    /// tell that its cached enforcer for this org is stale.
    pub rbac_version: i64,
    pub created_at: DateTimeUtc,
    /// Whether people may enter with a password (local accounts). Switched off once the
    /// organization signs people in at its identity providers.
    pub local_accounts: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
