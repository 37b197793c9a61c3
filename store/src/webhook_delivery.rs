//! One event to deliver to one endpoint: written in the transaction that made the event (the
//! outbox), then sent by a worker until it succeeds or its retries run out. Its id is the
//! `webhook-id` header, the same on every attempt, so receivers can deduplicate.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: WebhookDeliveryId,
    pub org_id: OrgId,
    pub endpoint_id: WebhookEndpointId,
    pub event_type: String,
    /// The exact body sent: `{"type", "timestamp", "data"}`.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// `pending`, `delivered` or `failed` (retries exhausted or the endpoint disabled).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A worker's claim, lapsing at this time if the worker dies.
    pub locked_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant WebhookDeliveryId);

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{Condition, QueryOrder, QuerySelect};

/// Up to `limit` of an endpoint's deliveries, newest first, before `before`; only those in
/// `status` when given.
pub async fn newest_of_endpoint<C: Conn>(
    db: &C,
    tenant: Tenant,
    endpoint: WebhookEndpointId,
    status: Option<&str>,
    before: Option<WebhookDeliveryId>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut q =
        Entity::find_in_org(tenant).filter(Column::EndpointId.eq(endpoint)).order_by_desc(Column::Id).limit(limit);
    if let Some(s) = status {
        q = q.filter(Column::Status.eq(s));
    }
    if let Some(b) = before {
        q = q.filter(Column::Id.lt(b));
    }
    q.all(&tenant.on(db)).await
}

/// Which deliveries are due: what [`any_due`] looks for and [`claim`] takes.
#[derive(Debug, Clone, Copy)]
pub struct Due<'a> {
    /// The status of a delivery still to send.
    pub pending: &'a str,
    /// Due by this time, and not claimed past it.
    pub now: DateTimeUtc,
    /// Endpoints to leave alone (sending as much as they may already).
    pub busy: &'a [WebhookEndpointId],
    /// Only this organization's (a node dedicated to one, `worker.org_id`).
    pub only_org: Option<OrgId>,
}

/// Deliveries in status `pending`, due by `now`, not held by a live claim, of endpoints not
/// `busy`, in any organization or only `only_org`'s (housekeeping: the deliverer).
fn due(d: Due<'_>) -> sea_orm::Select<Entity> {
    let mut q = Entity::find_across_orgs(Housekeeping::Webhooks)
        .filter(Column::Status.eq(d.pending))
        .filter(Column::NextAttemptAt.lte(d.now))
        .filter(Condition::any().add(Column::LockedUntil.is_null()).add(Column::LockedUntil.lt(d.now)));
    if !d.busy.is_empty() {
        q = q.filter(Column::EndpointId.is_not_in(d.busy.iter().copied()));
    }
    if let Some(org) = d.only_org {
        q = q.filter(Column::OrgId.eq(org));
    }
    q
}

/// Whether any delivery is due (a plain read: an idle node's poll takes no write lock).
pub async fn any_due<C: Conn>(db: &C, due_now: Due<'_>) -> Result<bool, DbErr> {
    let first: Option<WebhookDeliveryId> =
        due(due_now).select_only().column(Column::Id).into_tuple().one(&Housekeeping::Webhooks.on(db)).await?;
    Ok(first.is_some())
}

/// Claims up to `limit` due deliveries, those due longest first, until `until`, in the
/// transaction `db`; deliveries other nodes hold locked are skipped (`SKIP LOCKED` on
/// PostgreSQL), so two nodes never claim the same. Answers them as they were before the claim.
pub async fn claim<C: Conn>(db: &C, due_now: Due<'_>, limit: u64, until: DateTimeUtc) -> Result<Vec<Model>, DbErr> {
    use sea_orm::sea_query::{LockBehavior, LockType};
    let rows = due(due_now)
        .order_by_asc(Column::NextAttemptAt)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&Housekeeping::Webhooks.on(db))
        .await?;
    if !rows.is_empty() {
        Entity::update_across_orgs(Housekeeping::Webhooks)
            .col_expr(Column::LockedUntil, Expr::value(Some(until)))
            .filter(Column::Id.is_in(rows.iter().map(|d| d.id)))
            .exec(&Housekeeping::Webhooks.on(db))
            .await?;
    }
    Ok(rows)
}

/// Gives claimed deliveries back unsent, in any organization (housekeeping: the deliverer).
pub async fn release<C: Conn>(db: &C, ids: &[WebhookDeliveryId]) -> Result<(), DbErr> {
    Entity::update_across_orgs(Housekeeping::Webhooks)
        .col_expr(Column::LockedUntil, Expr::value(Option::<DateTimeUtc>::None))
        .filter(Column::Id.is_in(ids.iter().copied()))
        .exec(&Housekeeping::Webhooks.on(db))
        .await
        .map(|_| ())
}

/// An update that leaves deliveries `failed` at `at`, unclaimed.
fn given_up(q: sea_orm::UpdateMany<Entity>, failed: &str, at: DateTimeUtc) -> sea_orm::UpdateMany<Entity> {
    q.col_expr(Column::Status, Expr::value(failed))
        .col_expr(Column::FinishedAt, Expr::value(Some(at)))
        .col_expr(Column::LockedUntil, Expr::value(Option::<DateTimeUtc>::None))
}

/// Gives up these deliveries, in any organization, at `at`: status `failed`, unclaimed
/// (housekeeping: the deliverer, for deliveries whose endpoint is gone or disabled).
pub async fn give_up<C: Conn>(
    db: &C,
    ids: impl IntoIterator<Item = WebhookDeliveryId>,
    failed: &str,
    at: DateTimeUtc,
) -> Result<(), DbErr> {
    given_up(Entity::update_across_orgs(Housekeeping::Webhooks), failed, at)
        .filter(Column::Id.is_in(ids))
        .exec(&Housekeeping::Webhooks.on(db))
        .await
        .map(|_| ())
}

/// Gives up an endpoint's deliveries in status `pending`, at `at`: status `failed`, unclaimed.
pub async fn give_up_pending_of<C: Conn>(
    db: &C,
    tenant: Tenant,
    endpoint: WebhookEndpointId,
    pending: &str,
    failed: &str,
    at: DateTimeUtc,
) -> Result<(), DbErr> {
    given_up(Entity::update_in_org(tenant), failed, at)
        .filter(Column::EndpointId.eq(endpoint))
        .filter(Column::Status.eq(pending))
        .exec(&tenant.on(db))
        .await
        .map(|_| ())
}

/// Marks these deliveries, in any organization, `delivered` at `at`: one attempt more (counted
/// by the database, not read and written back), unclaimed (housekeeping: the deliverer).
pub async fn mark_delivered<C: Conn>(
    db: &C,
    ids: impl IntoIterator<Item = WebhookDeliveryId>,
    delivered: &str,
    at: DateTimeUtc,
) -> Result<(), DbErr> {
    Entity::update_across_orgs(Housekeeping::Webhooks)
        .col_expr(Column::Status, Expr::value(delivered))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::FinishedAt, Expr::value(Some(at)))
        .col_expr(Column::LockedUntil, Expr::value(Option::<DateTimeUtc>::None))
        .filter(Column::Id.is_in(ids))
        .exec(&Housekeeping::Webhooks.on(db))
        .await
        .map(|_| ())
}

/// Deletes an endpoint's deliveries.
pub async fn delete_of_endpoint<C: Conn>(db: &C, tenant: Tenant, endpoint: WebhookEndpointId) -> Result<(), DbErr> {
    Entity::delete_in_org(tenant).filter(Column::EndpointId.eq(endpoint)).exec(&tenant.on(db)).await.map(|_| ())
}

/// Deletes the deliveries not in status `pending` that finished before `before`, across
/// organizations or in `only` one (housekeeping: webhook retention); answers how many went.
pub async fn delete_finished_before<C: Conn>(
    db: &C,
    pending: &str,
    before: DateTimeUtc,
    only: Option<OrgId>,
) -> Result<u64, DbErr> {
    let mut q = Entity::delete_across_orgs(Housekeeping::Webhooks)
        .filter(Column::Status.ne(pending))
        .filter(Column::FinishedAt.lt(before));
    if let Some(org) = only {
        q = q.filter(Column::OrgId.eq(org));
    }
    Ok(q.exec(&Housekeeping::Webhooks.on(db)).await?.rows_affected)
}
