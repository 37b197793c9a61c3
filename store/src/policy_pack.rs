//! A policy pack: versioned policy documents for many organizations, published by the
//! instance's administrators (no owner) or by a parent organization for its children (owned
//! by it; its name starts with the owner's slug and a `/`). Not any one organization's row:
//! who may see a pack is decided by the server from its owner.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_packs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: PolicyPackId,
    /// Unique on the instance: how the pack is named in decision labels (`pack:baseline@2`).
    #[sea_orm(unique)]
    pub name: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The parent organization that publishes it; none: the instance's administrators.
    pub owner_org_id: Option<OrgId>,
    /// The canonical JSON of whoever created it.
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(shared PolicyPackId);

// Queries.

use crate::{Conn, Shared};
use sea_orm::QueryOrder;
use sea_orm::sea_query::ExprTrait;

/// The pack called `name`.
pub async fn by_name<C: Conn>(db: &C, name: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_shared().filter(Column::Name.eq(name)).one(&crate::shared(db)).await
}

/// The packs the instance's administrators publish, and those the organizations `owners`
/// publish, by name.
pub async fn of_owners<C: Conn>(db: &C, owners: &[OrgId]) -> Result<Vec<Model>, DbErr> {
    Entity::find_shared()
        .filter(Column::OwnerOrgId.is_null().or(Column::OwnerOrgId.is_in(owners.iter().copied())))
        .order_by_asc(Column::Name)
        .all(&crate::shared(db))
        .await
}

/// Every pack on the instance, by name (for its administrators and the operator's CLI).
pub async fn every<C: Conn>(db: &C) -> Result<Vec<Model>, DbErr> {
    Entity::find_shared().order_by_asc(Column::Name).all(&crate::shared(db)).await
}
