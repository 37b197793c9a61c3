//! A project's chat settings: how the proposals of several agents are arbitrated.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: ProjectId,
    pub org_id: OrgId,
    /// `first-valid`, `lowest-cost`, `lowest-risk`, `consensus:K` or `human-choice`.
    pub strategy: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Tenant, TenantScoped};

/// A project's chat settings.
pub async fn of_project<C: Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::ProjectId.eq(project)).one(&tenant.on(db)).await
}

/// Removes a project's chat settings.
pub async fn clear<C: Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<(), DbErr> {
    Entity::delete_in_org(tenant).filter(Column::ProjectId.eq(project)).exec(&tenant.on(db)).await.map(|_| ())
}
