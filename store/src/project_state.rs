//! The current state document of a project (a fold of its state-changing events).
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "project_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: ProjectId,
    pub org_id: OrgId,
    /// Canonical JSON of the project state document.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    pub state_hash: String,
    /// Number of state changes folded into this state.
    pub project_seq: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::{IntoActiveModel, QuerySelect};

/// The project's state row.
pub async fn of<C: Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::ProjectId.eq(project)).one(&tenant.on(db)).await
}

/// The project's state row, locked until the transaction `db` ends.
pub async fn lock<C: Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::ProjectId.eq(project)).lock_exclusive().one(&tenant.on(db)).await
}

/// Writes every column of a row locked by [`lock`].
pub async fn save<C: Conn>(db: &C, row: Model) -> Result<Model, DbErr> {
    let on = crate::on_row(db, &row);
    row.into_active_model().reset_all().update(&on).await
}
