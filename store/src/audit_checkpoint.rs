//! A signed checkpoint of an organization's audit chain: the entry `seq` and its hash, the
//! Merkle root over entries 1..=`seq`, and the instance key's Ed25519 signature over them.
//! Primary key `(org_id, seq)`.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: OrgId,
    /// The last entry covered (entries 1..=seq: the tree's size).
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// The chain hash of entry `seq` (hex).
    pub head_hash: String,
    /// The Merkle root over entries 1..=seq (hex, RFC 6962).
    pub root: String,
    /// Which key signed: a fingerprint of its public key.
    pub key_id: String,
    /// The Ed25519 public key (base64), so a checkpoint can be checked on its own.
    pub public_key: String,
    /// The signature over the checkpoint's signed text (base64).
    pub signature: String,
    pub signed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::{QueryOrder, QuerySelect};

/// The tenant's newest checkpoint.
pub async fn newest<C: Conn>(db: &C, tenant: Tenant) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).order_by_desc(Column::Seq).one(&tenant.on(db)).await
}

/// Up to `limit` of the tenant's checkpoints below `before` (all when `None`), newest first.
pub async fn page<C: Conn>(db: &C, tenant: Tenant, before: Option<i64>, limit: u64) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_in_org(tenant);
    if let Some(b) = before {
        q = q.filter(Column::Seq.lt(b));
    }
    q.order_by_desc(Column::Seq).limit(limit).all(&tenant.on(db)).await
}

/// The tenant's checkpoint covering `seq`: the first at or after it.
pub async fn covering<C: Conn>(db: &C, tenant: Tenant, seq: i64) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::Seq.gte(seq)).order_by_asc(Column::Seq).one(&tenant.on(db)).await
}

/// The tenant's checkpoint at exactly `seq`.
pub async fn at<C: Conn>(db: &C, tenant: Tenant, seq: i64) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::Seq.eq(seq)).one(&tenant.on(db)).await
}
