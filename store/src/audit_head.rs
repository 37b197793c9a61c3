//! The head of an organization's audit chain; its row lock serialises appends per org.
use sea_orm::entity::prelude::*;

use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_heads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: OrgId,
    pub seq: i64,
    pub hash: String,
    /// Bumped with every change to the organization's webhook endpoints.
    pub webhooks_version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::{IntoActiveModel, QuerySelect};

/// The tenant's chain head.
pub async fn of<C: Conn>(db: &C, tenant: Tenant) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).one(&tenant.on(db)).await
}

/// The tenant's chain head, locked until the transaction `db` ends: appending to a chain
/// holds it.
pub async fn lock<C: Conn>(db: &C, tenant: Tenant) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).lock_exclusive().one(&tenant.on(db)).await
}

/// Stores the head: a new row when there was none (`existed` false), else every column.
pub async fn save<C: Conn>(db: &C, head: Model, existed: bool) -> Result<(), DbErr> {
    let on = crate::on_row(db, &head);
    let row = head.into_active_model().reset_all();
    if existed {
        row.update(&on).await?;
    } else {
        row.insert(&on).await?;
    }
    Ok(())
}
