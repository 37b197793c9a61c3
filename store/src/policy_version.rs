//! An immutable version of the policy documents of one scope (the org, or one project).
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: PolicyVersionId,
    pub org_id: OrgId,
    pub project_id: Option<ProjectId>,
    /// `org` or the prefixed project id.
    pub scope: String,
    /// `org`, or the project's slug: how the version is named in labels like `org@3+web@2`.
    pub label: String,
    /// 1, 2, 3 … per scope; the highest is in force.
    pub version: i64,
    /// SHA-256 of the canonical sources.
    pub hash: String,
    /// JSON array of `{name, text}`: the YAML files exactly as applied.
    #[sea_orm(column_type = "Text")]
    pub sources: String,
    #[sea_orm(column_type = "Text")]
    pub author: String,
    /// Unified diff against the previous version.
    #[sea_orm(column_type = "Text")]
    pub diff: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant PolicyVersionId);

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::{QueryOrder, QuerySelect};

/// The newest version of `scope`.
pub async fn newest<C: Conn>(db: &C, tenant: Tenant, scope: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::Scope.eq(scope)).order_by_desc(Column::Version).one(&tenant.on(db)).await
}

/// The newest version's number of each of `scopes` that has one: one statement, no documents.
pub async fn newest_numbers<C: Conn>(db: &C, tenant: Tenant, scopes: &[&str]) -> Result<Vec<(String, i64)>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait as _};
    Entity::find_in_org(tenant)
        .select_only()
        .column(Column::Scope)
        .column_as(Expr::col(Column::Version).max(), "version")
        .filter(Column::Scope.is_in(scopes.iter().copied()))
        .group_by(Column::Scope)
        .into_tuple()
        .all(&tenant.on(db))
        .await
}

/// Version `n` of `scope`.
pub async fn number<C: Conn>(db: &C, tenant: Tenant, scope: &str, n: i64) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::Scope.eq(scope)).filter(Column::Version.eq(n)).one(&tenant.on(db)).await
}

/// Up to `limit` versions of `scope` before version `before`, newest first.
pub async fn newest_first<C: Conn>(
    db: &C,
    tenant: Tenant,
    scope: &str,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_in_org(tenant).filter(Column::Scope.eq(scope)).order_by_desc(Column::Version);
    if let Some(b) = before {
        q = q.filter(Column::Version.lt(b));
    }
    q.limit(limit).all(&tenant.on(db)).await
}
