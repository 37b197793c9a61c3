//! How far an organization's rollups have folded its audit chain: every entry up to
//! `audit_seq` is counted, none after it.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rollup_marks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: OrgId,
    pub audit_seq: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

/// The tenant's mark, made at 0 if it has none yet, locked until the transaction `db` ends
/// (so folds of one organization take turns).
pub async fn lock_or_start<C: crate::Conn>(db: &C, tenant: crate::Tenant, now: DateTimeUtc) -> Result<Model, DbErr> {
    use crate::TenantScoped;
    use sea_orm::sea_query::OnConflict;
    use sea_orm::{QuerySelect, Set};
    Entity::insert(ActiveModel { org_id: Set(tenant.org()), audit_seq: Set(0), updated_at: Set(now) })
        .on_conflict(OnConflict::column(Column::OrgId).do_nothing().to_owned())
        .exec_without_returning(&tenant.on(db))
        .await?;
    Entity::find_in_org(tenant)
        .lock_exclusive()
        .one(&tenant.on(db))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("a rollup mark just made".into()))
}

/// Sets how far the tenant's rollups have folded its chain (`now`: when it was set; `None`
/// leaves that as it was).
pub async fn set<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    audit_seq: i64,
    now: Option<DateTimeUtc>,
) -> Result<(), DbErr> {
    use crate::TenantScoped;
    use sea_orm::sea_query::Expr;
    let mut q = Entity::update_in_org(tenant).col_expr(Column::AuditSeq, Expr::value(audit_seq));
    if let Some(now) = now {
        q = q.col_expr(Column::UpdatedAt, Expr::value(now));
    }
    q.exec(&tenant.on(db)).await.map(|_| ())
}
