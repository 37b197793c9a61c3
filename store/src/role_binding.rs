//! A role granted to a user, group or service account, org-wide or in one project.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_bindings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RoleBindingId,
    pub org_id: OrgId,
    /// `user`, `group` or `service_account`.
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub role: String,
    /// `*` for the whole organization, otherwise the prefixed project id.
    pub domain: String,
    pub project_id: Option<ProjectId>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant RoleBindingId);

// Queries.

/// A person's direct bindings in every organization (housekeeping: where they may enter).
pub async fn of_user_anywhere<C: crate::Conn>(db: &C, user: UserId) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_across_orgs(crate::Housekeeping::Memberships)
        .filter(Column::SubjectKind.eq("user"))
        .filter(Column::SubjectId.eq(user.0))
        .all(&crate::Housekeeping::Memberships.on(db))
        .await
}

/// The tenant's bindings of people (not groups or service accounts).
pub async fn of_users<C: crate::Conn>(db: &C, tenant: crate::Tenant) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant).filter(Column::SubjectKind.eq("user")).all(&tenant.on(db)).await
}

/// How many bindings give `subject_kind`/`subject_id` the role `role` on `domain`.
pub async fn count_of<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    subject_kind: &str,
    subject_id: Uuid,
    role: &str,
    domain: &str,
) -> Result<u64, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant)
        .filter(Column::SubjectKind.eq(subject_kind))
        .filter(Column::SubjectId.eq(subject_id))
        .filter(Column::Role.eq(role))
        .filter(Column::Domain.eq(domain))
        .count(&tenant.on(db))
        .await
}

/// How many bindings give anyone the role `role` on `domain`.
pub async fn count_with_role<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    role: &str,
    domain: &str,
) -> Result<u64, DbErr> {
    use crate::TenantScoped;
    Entity::find_in_org(tenant)
        .filter(Column::Role.eq(role))
        .filter(Column::Domain.eq(domain))
        .count(&tenant.on(db))
        .await
}
