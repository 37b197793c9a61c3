//! One attempt to deliver a webhook: what the endpoint answered and how long it took.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: WebhookAttemptId,
    pub org_id: OrgId,
    pub delivery_id: WebhookDeliveryId,
    pub endpoint_id: WebhookEndpointId,
    pub attempted_at: DateTimeUtc,
    /// The HTTP status, if the endpoint answered at all.
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    /// The first kilobyte of the answer, or why there was none.
    #[sea_orm(column_type = "Text")]
    pub response: String,
    pub succeeded: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant WebhookAttemptId);
