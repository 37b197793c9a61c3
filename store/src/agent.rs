//! A specialist agent of an organization: a principal with a name, a role (the action globs it
//! may propose) and a planner. Plans it proposes carry the chain human -> agent.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: AgentId,
    pub org_id: OrgId,
    /// Unique in the organization; what the chat shows.
    pub name: String,
    pub description: String,
    /// `alias` or `llm`.
    pub planner: String,
    /// JSON array of action globs (`deploy.*`): the agent's role.
    #[sea_orm(column_type = "Text")]
    pub role: String,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant AgentId);

// Queries.

/// Every agent of the tenant, by name.
pub async fn by_names<C: crate::Conn>(db: &C, tenant: crate::Tenant) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    use sea_orm::QueryOrder;
    Entity::find_in_org(tenant).order_by_asc(Column::Name).all(&tenant.on(db)).await
}
