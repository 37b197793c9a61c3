//! An endpoint an organization subscribed to some of its events (outbound webhooks). Its
//! signing secret lives in the organization's encrypted secrets (`webhook.<id>`, and
//! `webhook.<id>.previous` while a rotated-out secret still signs alongside).
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: WebhookEndpointId,
    pub org_id: OrgId,
    /// Only this project's events; `None`: every project's and the organization's own.
    pub project_id: Option<ProjectId>,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The event kinds it receives (a JSON array of names).
    #[sea_orm(column_type = "Text")]
    pub events: String,
    pub enabled: bool,
    /// Why it was disabled (by an administrator, a 410 answer, or failing too long).
    #[sea_orm(column_type = "Text", nullable)]
    pub disabled_reason: Option<String>,
    /// Since when every delivery attempt has failed (cleared by a success).
    pub failing_since: Option<DateTimeUtc>,
    /// Until when the previous signing secret still signs alongside the current one.
    pub previous_secret_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant WebhookEndpointId);

// Queries.

/// The tenant's enabled endpoints.
pub async fn enabled<C: crate::Conn>(db: &C, tenant: crate::Tenant) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant).filter(Column::Enabled.eq(true)).all(db).await
}
