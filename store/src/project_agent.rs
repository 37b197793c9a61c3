//! Which agents take part in a project's chat, in order (the order `first-valid` follows).
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_agents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: ProjectId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub agent_id: AgentId,
    pub org_id: OrgId,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Tenant, TenantScoped};

/// The agents of a project's chat, in order.
pub async fn of_project<C: Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<Vec<Model>, DbErr> {
    use sea_orm::QueryOrder;
    Entity::find_in_org(tenant)
        .filter(Column::ProjectId.eq(project))
        .order_by_asc(Column::Position)
        .all(&tenant.on(db))
        .await
}

/// Removes every agent from a project's chat.
pub async fn clear<C: Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<(), DbErr> {
    Entity::delete_in_org(tenant).filter(Column::ProjectId.eq(project)).exec(&tenant.on(db)).await.map(|_| ())
}
