//! One admitted invocation counted by a rate limit (`key` names the limit and its subject).
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_hits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RateHitId,
    pub org_id: OrgId,
    pub key: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant RateHitId);

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::{QueryOrder, QuerySelect};

/// `(key, at)` of the tenant's hits of `keys` after `since`, oldest first.
pub async fn of_keys_since<C: Conn>(
    db: &C,
    tenant: Tenant,
    keys: &[String],
    since: DateTimeUtc,
) -> Result<Vec<(String, DateTimeUtc)>, DbErr> {
    Entity::find_in_org(tenant)
        .select_only()
        .column(Column::Key)
        .column(Column::At)
        .filter(Column::Key.is_in(keys.iter().cloned()))
        .filter(Column::At.gt(since))
        .order_by_asc(Column::At)
        .into_tuple()
        .all(&tenant.on(db))
        .await
}

/// Deletes the hits at or before `until`, across organizations or in `only` one
/// (housekeeping: the sweep); answers how many went.
pub async fn delete_until<C: Conn>(db: &C, until: DateTimeUtc, only: Option<OrgId>) -> Result<u64, DbErr> {
    let mut q = Entity::delete_across_orgs(Housekeeping::Sweep).filter(Column::At.lte(until));
    if let Some(org) = only {
        q = q.filter(Column::OrgId.eq(org));
    }
    Ok(q.exec(&Housekeeping::Sweep.on(db)).await?.rows_affected)
}
