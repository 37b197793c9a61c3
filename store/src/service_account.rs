//! A non-human principal of an organization (integrations), authenticating with API keys.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ServiceAccountId,
    pub org_id: OrgId,
    pub name: String,
    pub description: String,
    pub created_at: DateTimeUtc,
    /// The longest a key of this account may live, in days; none: keys may live for ever.
    pub max_key_lifetime_days: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant ServiceAccountId);

// Queries.

/// The tenant's service account named `name`.
pub async fn by_name<C: crate::Conn>(db: &C, tenant: crate::Tenant, name: &str) -> Result<Option<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant).filter(Column::Name.eq(name)).one(&tenant.on(db)).await
}
