//! An API key of a user or a service account, valid in one organization.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ApiKeyId,
    pub org_id: OrgId,
    /// Exactly one of the two owners is set.
    pub owner_user_id: Option<UserId>,
    pub owner_service_account_id: Option<ServiceAccountId>,
    pub name: String,
    /// The first characters of the key, safe to show so people can tell keys apart.
    pub display_prefix: String,
    /// SHA-256 of the whole key; the key itself is shown once and never stored.
    #[sea_orm(unique)]
    pub secret_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant ApiKeyId);

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::sea_query::Expr;

/// The key whose secret hashes to `hash`, in any organization (authentication: the key
/// itself says which).
pub async fn by_secret_hash<C: Conn>(db: &C, hash: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_across_orgs(Housekeeping::Authentication)
        .filter(Column::SecretHash.eq(hash))
        .one(&Housekeeping::Authentication.on(db))
        .await
}

/// Records that the key was used at `now`.
pub async fn touch<C: Conn>(db: &C, tenant: Tenant, id: ApiKeyId, now: DateTimeUtc) -> Result<(), DbErr> {
    Entity::update_in_org(tenant)
        .col_expr(Column::LastUsedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(&tenant.on(db))
        .await
        .map(|_| ())
}

/// The tenant's keys named `name` that are not revoked.
pub async fn live_named<C: Conn>(db: &C, tenant: Tenant, name: &str) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::Name.eq(name))
        .filter(Column::RevokedAt.is_null())
        .all(&tenant.on(db))
        .await
}

/// Whose keys a page holds.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    /// Everyone's.
    Anyone,
    /// A person's own.
    User(UserId),
    /// A service account's own.
    ServiceAccount(ServiceAccountId),
    /// No one's (an agent owns no keys).
    Nobody,
}

/// Up to `limit` of the tenant's keys of `owner` after `after`, in id order.
pub async fn page_of<C: Conn>(
    db: &C,
    tenant: Tenant,
    owner: Owner,
    after: Option<ApiKeyId>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    let mut q = Entity::find_in_org(tenant).order_by_asc(Column::Id);
    q = match owner {
        Owner::Anyone => q,
        Owner::User(u) => q.filter(Column::OwnerUserId.eq(u)),
        Owner::ServiceAccount(sa) => q.filter(Column::OwnerServiceAccountId.eq(sa)),
        Owner::Nobody => q.filter(Column::Id.is_null()),
    };
    if let Some(a) = after {
        q = q.filter(Column::Id.gt(a));
    }
    q.limit(limit).all(&tenant.on(db)).await
}
