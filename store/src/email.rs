//! An e-mail to one person about one notification: written with the notification, then sent
//! by a mailer until the SMTP server takes it or its retries run out.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "emails")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: EmailId,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub notification_id: NotificationId,
    #[sea_orm(column_type = "Text")]
    pub to_address: String,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// The plain-text body.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `pending`, `sent` or `failed` (retries exhausted, or refused for good).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A mailer's claim, lapsing at this time if it dies.
    pub locked_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant EmailId);

// Queries.

use crate::{Conn, Housekeeping, TenantScoped};
use sea_orm::sea_query::Expr;
use sea_orm::{Condition, QueryOrder, QuerySelect};

/// Claims up to `limit` e-mails due at `now` in any organization (or only `only_org`'s) until
/// `until`: pending, and not claimed by a mailer whose claim still holds. Claims other nodes
/// hold are skipped (`SKIP LOCKED` on PostgreSQL).
pub async fn claim_due<C: Conn>(
    db: &C,
    only_org: Option<OrgId>,
    now: DateTimeUtc,
    until: DateTimeUtc,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    use sea_orm::sea_query::{LockBehavior, LockType};
    let mut q = Entity::find_across_orgs(Housekeeping::Notifications)
        .filter(Column::Status.eq("pending"))
        .filter(Column::NextAttemptAt.lte(now))
        .filter(Condition::any().add(Column::LockedUntil.is_null()).add(Column::LockedUntil.lt(now)))
        .order_by_asc(Column::NextAttemptAt)
        .limit(limit);
    if let Some(org) = only_org {
        q = q.filter(Column::OrgId.eq(org));
    }
    let rows = q
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&Housekeeping::Notifications.on(db))
        .await?;
    if !rows.is_empty() {
        Entity::update_across_orgs(Housekeeping::Notifications)
            .col_expr(Column::LockedUntil, Expr::value(until))
            .filter(Column::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&Housekeeping::Notifications.on(db))
            .await?;
    }
    Ok(rows)
}

/// Records an attempt's outcome: `status` (`sent`, `failed`, or `pending` to retry at `next`).
pub async fn record<C: Conn>(
    db: &C,
    row: &Model,
    status: &str,
    next: DateTimeUtc,
    error: Option<String>,
    now: DateTimeUtc,
) -> Result<(), DbErr> {
    let finished = (status != "pending").then_some(now);
    Entity::update_in_org(crate::Owned::tenant(row))
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::Attempts, Expr::value(row.attempts + 1))
        .col_expr(Column::NextAttemptAt, Expr::value(next))
        .col_expr(Column::LockedUntil, Expr::value(Option::<DateTimeUtc>::None))
        .col_expr(Column::LastError, Expr::value(error))
        .col_expr(Column::FinishedAt, Expr::value(finished))
        .filter(Column::Id.eq(row.id))
        .exec(&(crate::Owned::tenant(row)).on(db))
        .await
        .map(|_| ())
}

/// Deletes finished e-mails older than `cutoff`.
pub async fn delete_finished_before<C: Conn>(db: &C, cutoff: DateTimeUtc) -> Result<u64, DbErr> {
    Ok(Entity::delete_across_orgs(Housekeeping::Notifications)
        .filter(Column::Status.ne("pending"))
        .filter(Column::FinishedAt.lt(cutoff))
        .exec(&Housekeeping::Notifications.on(db))
        .await?
        .rows_affected)
}
