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
    /// The organization's audit chain position it was made or last enabled at: it hears of
    /// the entries after it only.
    pub from_seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant WebhookEndpointId);

// Queries.

/// The tenant's enabled endpoints.
pub async fn enabled<C: crate::Conn>(db: &C, tenant: crate::Tenant) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant).filter(Column::Enabled.eq(true)).all(&tenant.on(db)).await
}

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::sea_query::Expr;

/// How many endpoints the tenant has.
pub async fn count<C: Conn>(db: &C, tenant: Tenant) -> Result<u64, DbErr> {
    Entity::find_in_org(tenant).count(&tenant.on(db)).await
}

/// The tenant's endpoints among `ids` that are enabled.
pub async fn enabled_of<C: Conn>(
    db: &C,
    tenant: Tenant,
    ids: impl IntoIterator<Item = WebhookEndpointId>,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::Id.is_in(ids)).filter(Column::Enabled.eq(true)).all(&tenant.on(db)).await
}

/// Says the tenant's endpoint `id` hears of the entries after `seq` only (it was made or
/// enabled there).
pub async fn start_at<C: Conn>(db: &C, tenant: Tenant, id: WebhookEndpointId, seq: i64) -> Result<(), DbErr> {
    Entity::update_in_org(tenant)
        .col_expr(Column::FromSeq, Expr::value(seq))
        .filter(Column::Id.eq(id))
        .exec(&tenant.on(db))
        .await
        .map(|_| ())
}

/// Ends the failure streak of those of these endpoints that have one, in any organization
/// (housekeeping: the deliverer, after a delivery to each succeeded); the others' rows are
/// not written.
pub async fn clear_failing<C: Conn>(db: &C, ids: impl IntoIterator<Item = WebhookEndpointId>) -> Result<(), DbErr> {
    Entity::update_across_orgs(Housekeeping::Webhooks)
        .col_expr(Column::FailingSince, Expr::value(Option::<DateTimeUtc>::None))
        .filter(Column::Id.is_in(ids))
        .filter(Column::FailingSince.is_not_null())
        .exec(&Housekeeping::Webhooks.on(db))
        .await
        .map(|_| ())
}

/// Notes the endpoint failing since `since`, in whichever organization, unless it already is
/// (housekeeping: the deliverer, after an attempt failed).
pub async fn start_failing<C: Conn>(db: &C, id: WebhookEndpointId, since: DateTimeUtc) -> Result<(), DbErr> {
    Entity::update_across_orgs(Housekeeping::Webhooks)
        .col_expr(Column::FailingSince, Expr::value(Some(since)))
        .filter(Column::Id.eq(id))
        .filter(Column::FailingSince.is_null())
        .exec(&Housekeeping::Webhooks.on(db))
        .await
        .map(|_| ())
}

/// Disables the tenant's endpoint `id` for `reason` at `at`, if it is enabled; answers whether
/// it was (so only one of concurrent disablers goes on to give up its deliveries).
pub async fn disable<C: Conn>(
    db: &C,
    tenant: Tenant,
    id: WebhookEndpointId,
    reason: &str,
    at: DateTimeUtc,
) -> Result<bool, DbErr> {
    let res = Entity::update_in_org(tenant)
        .col_expr(Column::Enabled, Expr::value(false))
        .col_expr(Column::DisabledReason, Expr::value(Some(reason.to_string())))
        .col_expr(Column::UpdatedAt, Expr::value(at))
        .filter(Column::Id.eq(id))
        .filter(Column::Enabled.eq(true))
        .exec(&tenant.on(db))
        .await?;
    Ok(res.rows_affected == 1)
}
