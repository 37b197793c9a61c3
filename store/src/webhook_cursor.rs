//! How far the webhook deliverer has read an organization's audit chain: every entry up to
//! `audit_seq` has had its deliveries written, none after it. Made when the organization's
//! first endpoint is, at that endpoint's own entry.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_cursors")]
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
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{QuerySelect, Set};

/// Starts the tenant's cursor at `audit_seq` unless it has one (which is then at or before it).
pub async fn start<C: Conn>(db: &C, tenant: Tenant, audit_seq: i64) -> Result<(), DbErr> {
    Entity::insert(ActiveModel { org_id: Set(tenant.org()), audit_seq: Set(audit_seq) })
        .on_conflict(OnConflict::column(Column::OrgId).do_nothing().to_owned())
        .exec_without_returning(&tenant.on(db))
        .await
        .map(|_| ())
}

/// Cursors behind their chain's head, in any organization or only `only_org`'s.
fn behind(only_org: Option<OrgId>) -> sea_orm::Select<Entity> {
    let mut q = Entity::find_across_orgs(Housekeeping::Webhooks).filter(Expr::cust(
        r#""webhook_cursors"."audit_seq" < (SELECT "audit_heads"."seq" FROM "audit_heads" WHERE "audit_heads"."org_id" = "webhook_cursors"."org_id")"#,
    ));
    if let Some(org) = only_org {
        q = q.filter(Column::OrgId.eq(org));
    }
    q
}

/// Whether any cursor is behind its chain (a plain read: an idle node's poll takes no write
/// lock).
pub async fn any_behind<C: Conn>(db: &C, only_org: Option<OrgId>) -> Result<bool, DbErr> {
    let first: Option<OrgId> =
        behind(only_org).select_only().column(Column::OrgId).into_tuple().one(&Housekeeping::Webhooks.on(db)).await?;
    Ok(first.is_some())
}

/// Locks up to `limit` cursors behind their chains until the transaction `db` ends; cursors
/// another node holds are skipped (`SKIP LOCKED` on PostgreSQL), so one organization's chain is
/// read by one node at a time.
pub async fn lock_behind<C: Conn>(db: &C, only_org: Option<OrgId>, limit: u64) -> Result<Vec<Model>, DbErr> {
    use sea_orm::sea_query::{LockBehavior, LockType};
    behind(only_org)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&Housekeeping::Webhooks.on(db))
        .await
}

/// Moves the tenant's cursor to `audit_seq`.
pub async fn set<C: Conn>(db: &C, tenant: Tenant, audit_seq: i64) -> Result<(), DbErr> {
    Entity::update_in_org(tenant)
        .col_expr(Column::AuditSeq, Expr::value(audit_seq))
        .exec(&tenant.on(db))
        .await
        .map(|_| ())
}
