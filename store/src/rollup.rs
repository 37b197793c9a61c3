//! One bucket of an organization's rollups: the sum of what happened in one scope (a project's
//! id, `org` for the organization outside any project, `*` for all of it) over one hour or UTC
//! day, as `praetor_domain::rollup::Bucket` in canonical JSON.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rollups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RollupId,
    pub org_id: OrgId,
    pub scope: String,
    /// `hour` or `day`.
    pub granularity: String,
    pub bucket_start: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub data: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant RollupId);

// Queries.

/// The tenant's bucket of `scope` by `granularity` that starts at `start`.
pub async fn bucket<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    scope: &str,
    granularity: &str,
    start: DateTimeUtc,
) -> Result<Option<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant)
        .filter(Column::Scope.eq(scope))
        .filter(Column::Granularity.eq(granularity))
        .filter(Column::BucketStart.eq(start))
        .one(&tenant.on(db))
        .await
}

/// The tenant's buckets of `scope` by `granularity` starting in `[from, to)`, oldest first.
pub async fn series<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    scope: &str,
    granularity: &str,
    from: DateTimeUtc,
    to: DateTimeUtc,
) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    use sea_orm::QueryOrder;
    Entity::find_in_org(tenant)
        .filter(Column::Scope.eq(scope))
        .filter(Column::Granularity.eq(granularity))
        .filter(Column::BucketStart.gte(from))
        .filter(Column::BucketStart.lt(to))
        .order_by_asc(Column::BucketStart)
        .all(&tenant.on(db))
        .await
}

/// The tenant's buckets by `granularity` starting in `[from, to)` of every scope but `skip`.
pub async fn other_scopes<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    skip: &str,
    granularity: &str,
    from: DateTimeUtc,
    to: DateTimeUtc,
) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant)
        .filter(Column::Scope.ne(skip))
        .filter(Column::Granularity.eq(granularity))
        .filter(Column::BucketStart.gte(from))
        .filter(Column::BucketStart.lt(to))
        .all(&tenant.on(db))
        .await
}

/// Drops the tenant's buckets that start at or after `from`.
pub async fn drop_from<C: crate::Conn>(db: &C, tenant: crate::Tenant, from: DateTimeUtc) -> Result<(), DbErr> {
    use crate::TenantScoped;
    Entity::delete_in_org(tenant).filter(Column::BucketStart.gte(from)).exec(&tenant.on(db)).await.map(|_| ())
}
