//! One published version of a policy pack: its documents as published, and the time from which
//! it takes effect for the organizations that follow the pack's latest version.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_pack_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: PolicyPackVersionId,
    pub pack_id: PolicyPackId,
    /// 1, 2, 3 … per pack.
    pub version: i64,
    /// SHA-256 of the canonical sources.
    pub hash: String,
    /// JSON array of `{name, text}`: the YAML files exactly as published.
    #[sea_orm(column_type = "Text")]
    pub sources: String,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    /// The canonical JSON of the publisher.
    #[sea_orm(column_type = "Text")]
    pub published_by: String,
    pub published_at: DateTimeUtc,
    /// From when organizations following the latest version are held to it; until then they
    /// see its impact and stay on the version before.
    pub effective_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(shared PolicyPackVersionId);

// Queries.

use crate::{Conn, Shared};
use sea_orm::{QueryOrder, QuerySelect};

/// Version `n` of the pack.
pub async fn number<C: Conn>(db: &C, pack: PolicyPackId, n: i64) -> Result<Option<Model>, DbErr> {
    Entity::find_shared().filter(Column::PackId.eq(pack)).filter(Column::Version.eq(n)).one(&crate::shared(db)).await
}

/// The pack's newest version, whether in effect yet or not.
pub async fn newest<C: Conn>(db: &C, pack: PolicyPackId) -> Result<Option<Model>, DbErr> {
    Entity::find_shared().filter(Column::PackId.eq(pack)).order_by_desc(Column::Version).one(&crate::shared(db)).await
}

/// The pack's newest version in effect at `now`.
pub async fn newest_effective<C: Conn>(db: &C, pack: PolicyPackId, now: DateTimeUtc) -> Result<Option<Model>, DbErr> {
    Entity::find_shared()
        .filter(Column::PackId.eq(pack))
        .filter(Column::EffectiveAt.lte(now))
        .order_by_desc(Column::Version)
        .one(&crate::shared(db))
        .await
}

/// Up to `limit` of the pack's versions, newest first.
pub async fn newest_first<C: Conn>(db: &C, pack: PolicyPackId, limit: u64) -> Result<Vec<Model>, DbErr> {
    Entity::find_shared()
        .filter(Column::PackId.eq(pack))
        .order_by_desc(Column::Version)
        .limit(limit)
        .all(&crate::shared(db))
        .await
}

/// For every pack with a version in effect at `now`: the pack and that newest version's number.
pub async fn effective_heads<C: Conn>(db: &C, now: DateTimeUtc) -> Result<Vec<(PolicyPackId, i64)>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait as _};
    Entity::find_shared()
        .select_only()
        .column(Column::PackId)
        .column_as(Expr::col(Column::Version).max(), "version")
        .filter(Column::EffectiveAt.lte(now))
        .group_by(Column::PackId)
        .into_tuple()
        .all(&crate::shared(db))
        .await
}
