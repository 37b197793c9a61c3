//! Something one person is told of: written by the notifier from an entry of an organization's
//! audit chain (one per person per entry), shown in the app until read.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: NotificationId,
    pub org_id: OrgId,
    pub user_id: UserId,
    /// The audit entry it was made from.
    pub audit_seq: i64,
    /// `approval_waiting`, `plan_approved`, … (see the server's `notifications::Kind`).
    pub kind: String,
    /// `approvals`, `my_plans`, `access_requests` or `kill_switches`.
    pub category: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// A path in the web app.
    #[sea_orm(column_type = "Text")]
    pub link: String,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Housekeeping, TenantScoped};
use sea_orm::sea_query::Expr;
use sea_orm::{QueryOrder, QuerySelect};

/// A person's notifications in the organizations `orgs` (those they belong to).
fn of_user(user: UserId, orgs: &[OrgId]) -> sea_orm::Select<Entity> {
    Entity::find_across_orgs(Housekeeping::Notifications)
        .filter(Column::UserId.eq(user))
        .filter(Column::OrgId.is_in(orgs.iter().copied()))
}

/// Up to `limit` of the person's notifications in `orgs`, newest first, before `before`; only
/// unread ones when `unread_only`.
pub async fn newest<C: Conn>(
    db: &C,
    user: UserId,
    orgs: &[OrgId],
    unread_only: bool,
    before: Option<NotificationId>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut q = of_user(user, orgs).order_by_desc(Column::Id).limit(limit);
    if unread_only {
        q = q.filter(Column::ReadAt.is_null());
    }
    if let Some(b) = before {
        q = q.filter(Column::Id.lt(b));
    }
    q.all(&Housekeeping::Notifications.on(db)).await
}

/// How many of the person's notifications in `orgs` are unread.
pub async fn unread<C: Conn>(db: &C, user: UserId, orgs: &[OrgId]) -> Result<u64, DbErr> {
    of_user(user, orgs).filter(Column::ReadAt.is_null()).count(&Housekeeping::Notifications.on(db)).await
}

/// Marks the person's unread notifications in `orgs` read at `now`: those of `ids`, or all.
/// Returns how many it marked.
pub async fn mark_read<C: Conn>(
    db: &C,
    user: UserId,
    orgs: &[OrgId],
    ids: Option<Vec<NotificationId>>,
    now: DateTimeUtc,
) -> Result<u64, DbErr> {
    let mut q = Entity::update_across_orgs(Housekeeping::Notifications)
        .col_expr(Column::ReadAt, Expr::value(now))
        .filter(Column::UserId.eq(user))
        .filter(Column::OrgId.is_in(orgs.iter().copied()))
        .filter(Column::ReadAt.is_null());
    if let Some(ids) = ids {
        q = q.filter(Column::Id.is_in(ids));
    }
    Ok(q.exec(&Housekeeping::Notifications.on(db)).await?.rows_affected)
}

/// Deletes notifications read before `cutoff`, and unread ones made before `unread_cutoff`.
pub async fn delete_old<C: Conn>(db: &C, cutoff: DateTimeUtc, unread_cutoff: DateTimeUtc) -> Result<u64, DbErr> {
    use sea_orm::Condition;
    Ok(Entity::delete_across_orgs(Housekeeping::Notifications)
        .filter(
            Condition::any()
                .add(Column::ReadAt.lt(cutoff))
                .add(Condition::all().add(Column::ReadAt.is_null()).add(Column::CreatedAt.lt(unread_cutoff))),
        )
        .exec(&Housekeeping::Notifications.on(db))
        .await?
        .rows_affected)
}
