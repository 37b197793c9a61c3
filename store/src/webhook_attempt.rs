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

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};

/// A delivery's attempts, oldest first.
pub async fn of_delivery<C: Conn>(db: &C, tenant: Tenant, delivery: WebhookDeliveryId) -> Result<Vec<Model>, DbErr> {
    use sea_orm::QueryOrder;
    Entity::find_in_org(tenant)
        .filter(Column::DeliveryId.eq(delivery))
        .order_by_asc(Column::AttemptedAt)
        .order_by_asc(Column::Id)
        .all(&tenant.on(db))
        .await
}

/// Deletes the attempts to deliver to an endpoint.
pub async fn delete_of_endpoint<C: Conn>(db: &C, tenant: Tenant, endpoint: WebhookEndpointId) -> Result<(), DbErr> {
    Entity::delete_in_org(tenant).filter(Column::EndpointId.eq(endpoint)).exec(&tenant.on(db)).await.map(|_| ())
}

/// Deletes the attempts made before `before`, across organizations or in `only` one
/// (housekeeping: webhook retention); answers how many went.
pub async fn delete_before<C: Conn>(db: &C, before: DateTimeUtc, only: Option<OrgId>) -> Result<u64, DbErr> {
    let mut q = Entity::delete_across_orgs(Housekeeping::Webhooks).filter(Column::AttemptedAt.lt(before));
    if let Some(org) = only {
        q = q.filter(Column::OrgId.eq(org));
    }
    Ok(q.exec(&Housekeeping::Webhooks.on(db)).await?.rows_affected)
}
