//! An inbound trigger: a URL (`/hooks/<id>`) that another system POSTs to, signed with the
//! trigger's secret (kept encrypted as `trigger.<id>`), to propose a plan from a template as
//! the trigger's service account.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "triggers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: TriggerId,
    pub org_id: OrgId,
    pub project_id: ProjectId,
    pub name: String,
    pub template: String,
    /// Arguments given to the template under the request's own (a JSON object).
    #[sea_orm(column_type = "Text")]
    pub args: String,
    pub service_account_id: ServiceAccountId,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant TriggerId);

// Queries.

/// The trigger with this id in any organization (housekeeping: an inbound request names it
/// before its signature, the only credential it carries, is checked).
pub async fn find_anywhere<C: crate::Conn>(db: &C, id: TriggerId) -> Result<Option<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_across_orgs(crate::Housekeeping::Trigger)
        .filter(Column::Id.eq(id))
        .one(&crate::Housekeeping::Trigger.on(db))
        .await
}
