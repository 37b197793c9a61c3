//! How far the notifier has read an organization's audit chain: every entry up to `audit_seq`
//! has had its notifications written, none after it. An organization without one (made after
//! notifications were) is read from its first entry.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_cursors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: OrgId,
    pub audit_seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::QuerySelect;
use sea_orm::sea_query::Expr;

/// Cursors behind their chain's head, in any organization or only `only_org`'s.
fn behind_q(only_org: Option<OrgId>) -> sea_orm::Select<Entity> {
    let mut q = Entity::find_across_orgs(Housekeeping::Notifications).filter(Expr::cust(
        r#""notification_cursors"."audit_seq" < (SELECT "audit_heads"."seq" FROM "audit_heads" WHERE "audit_heads"."org_id" = "notification_cursors"."org_id")"#,
    ));
    if let Some(org) = only_org {
        q = q.filter(Column::OrgId.eq(org));
    }
    q
}

/// Whether any chain has entries the notifier has not read: a cursor behind its head, or a
/// chain without a cursor (a plain read: an idle node's poll takes no write lock).
pub async fn any_behind<C: Conn>(db: &C, only_org: Option<OrgId>) -> Result<bool, DbErr> {
    let first: Option<OrgId> = behind_q(only_org)
        .select_only()
        .column(Column::OrgId)
        .into_tuple()
        .one(&Housekeeping::Notifications.on(db))
        .await?;
    Ok(first.is_some() || has_missing(db, only_org).await?)
}

/// Whether any chain with entries has no cursor yet.
pub async fn has_missing<C: Conn>(db: &C, only_org: Option<OrgId>) -> Result<bool, DbErr> {
    Ok(!missing(db, only_org).await?.is_empty())
}

/// Up to `limit` cursors behind their chains (a plain read).
pub async fn behind<C: Conn>(db: &C, only_org: Option<OrgId>, limit: u64) -> Result<Vec<Model>, DbErr> {
    behind_q(only_org).limit(limit).all(&Housekeeping::Notifications.on(db)).await
}

/// Organizations whose chain has entries but no cursor.
async fn missing<C: Conn>(db: &C, only_org: Option<OrgId>) -> Result<Vec<OrgId>, DbErr> {
    use crate::audit_head;
    let mut q = audit_head::Entity::find_across_orgs(Housekeeping::Notifications)
        .select_only()
        .column(audit_head::Column::OrgId)
        .filter(Expr::cust(
            r#"NOT EXISTS (SELECT 1 FROM "notification_cursors" WHERE "notification_cursors"."org_id" = "audit_heads"."org_id")"#,
        ));
    if let Some(org) = only_org {
        q = q.filter(audit_head::Column::OrgId.eq(org));
    }
    q.into_tuple().all(&Housekeeping::Notifications.on(db)).await
}

/// Gives every chain without a cursor one at its start (its entries are then read).
pub async fn start_missing<C: Conn>(db: &C, only_org: Option<OrgId>) -> Result<(), DbErr> {
    use sea_orm::sea_query::OnConflict;
    for org in missing(db, only_org).await? {
        Entity::insert(ActiveModel { org_id: sea_orm::Set(org), audit_seq: sea_orm::Set(0) })
            .on_conflict(OnConflict::column(Column::OrgId).do_nothing().to_owned())
            .exec_without_returning(&Tenant::housekeeping(org, Housekeeping::Notifications).on(db))
            .await?;
    }
    Ok(())
}

/// The tenant's cursor, locked until the transaction `db` ends; none if another node holds it
/// (`SKIP LOCKED` on PostgreSQL), so one organization's chain is written by one node at a time.
pub async fn lock<C: Conn>(db: &C, tenant: Tenant) -> Result<Option<Model>, DbErr> {
    use sea_orm::sea_query::{LockBehavior, LockType};
    Entity::find_in_org(tenant).lock_with_behavior(LockType::Update, LockBehavior::SkipLocked).one(&tenant.on(db)).await
}

/// Moves the tenant's cursor to `audit_seq`.
pub async fn set<C: Conn>(db: &C, tenant: Tenant, audit_seq: i64) -> Result<(), DbErr> {
    Entity::update_in_org(tenant)
        .col_expr(Column::AuditSeq, Expr::value(audit_seq))
        .exec(&tenant.on(db))
        .await
        .map(|_| ())
}
