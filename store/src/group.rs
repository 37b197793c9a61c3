//! A group of users in an organization; roles bound to it apply to its members.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: GroupId,
    pub org_id: OrgId,
    pub name: String,
    pub description: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant GroupId);

// Queries.

/// The tenant's group named `name` (names are unique in an organization).
pub async fn by_name<C: crate::Conn>(db: &C, tenant: crate::Tenant, name: &str) -> Result<Option<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant).filter(Column::Name.eq(name)).one(&tenant.on(db)).await
}
