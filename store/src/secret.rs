//! An organization's secret, encrypted under one of its data keys. The value is never stored
//! in the clear nor returned; `fingerprint` lets people tell values apart.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "secrets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: SecretId,
    pub org_id: OrgId,
    pub name: String,
    pub data_key_id: DataKeyId,
    /// base64(nonce || ciphertext); the associated data binds it to this org, row and field.
    pub ciphertext: String,
    pub fingerprint: String,
    pub set_at: DateTimeUtc,
    /// The principal chain that set it (JSON).
    pub set_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant SecretId);

// Queries.

/// The tenant's secret named `name`.
pub async fn by_name<C: crate::Conn>(db: &C, tenant: crate::Tenant, name: &str) -> Result<Option<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant).filter(Column::Name.eq(name)).one(&tenant.on(db)).await
}

/// Every secret of the tenant, by name.
pub async fn by_names<C: crate::Conn>(db: &C, tenant: crate::Tenant) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    use sea_orm::QueryOrder;
    Entity::find_in_org(tenant).order_by_asc(Column::Name).all(&tenant.on(db)).await
}

/// Deletes the tenant's secret named `name`; answers how many went (0 or 1).
pub async fn delete_named<C: crate::Conn>(db: &C, tenant: crate::Tenant, name: &str) -> Result<u64, DbErr> {
    use crate::TenantScoped;
    Ok(Entity::delete_in_org(tenant).filter(Column::Name.eq(name)).exec(&tenant.on(db)).await?.rows_affected)
}

/// Every organization's secrets (housekeeping: verifying they all decrypt).
pub async fn everywhere<C: crate::Conn>(db: &C, why: crate::Housekeeping) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_across_orgs(why).all(&why.on(db)).await
}

/// The tenant's secrets with these names (those that exist).
pub async fn with_names<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    names: impl IntoIterator<Item = String>,
) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant).filter(Column::Name.is_in(names)).all(&tenant.on(db)).await
}

/// Deletes the tenant's secrets with these names; answers how many went.
pub async fn delete_with_names<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    names: impl IntoIterator<Item = String>,
) -> Result<u64, DbErr> {
    use crate::TenantScoped;
    Ok(Entity::delete_in_org(tenant).filter(Column::Name.is_in(names)).exec(&tenant.on(db)).await?.rows_affected)
}
