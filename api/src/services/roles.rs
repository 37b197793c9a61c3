//! Role bindings: a role for a user, group or service account, org-wide or in one project.

use praetor_store::{
    GroupId, ProjectId, RoleBindingId, ServiceAccountId, Tenant, group, project, role_binding, service_account,
};
use serde_json::json;

use super::page::{Page, PageArgs};
use super::{users, validate};
use crate::AppState;
use crate::audit::Entry;
use crate::authz::ops;
use crate::authz::{BUILTIN_ROLES, Domain, OrgAccess};
use crate::error::{Error, Result, conflict_means};

/// Who receives a role.
#[derive(Debug, Clone)]
pub enum BindingSubject {
    UserEmail(String),
    Group(GroupId),
    ServiceAccount(ServiceAccountId),
}

/// Roles that only make sense for the whole organization.
const ORG_ONLY_ROLES: &[&str] = &["org_admin", "org_member"];

/// Binds `role` to `subject`, org-wide (`project: None`) or in one project. Needs `role.bind`
/// in that scope, so a project admin can grant roles in their project and nowhere else.
pub async fn bind(
    app: &AppState,
    access: &OrgAccess,
    subject: BindingSubject,
    role: &str,
    project: Option<ProjectId>,
) -> Result<role_binding::Model> {
    check_role(role, project.is_some(), "bound for the whole organization")?;
    if let Some(p) = project {
        project::by_id(&app.db, access.tenant(), p).await?.ok_or_else(|| Error::not_found("project"))?;
    }
    let domain = project.map(Domain::Project).unwrap_or(Domain::Org);
    let permit = access.permit::<ops::RoleBind>(domain)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let org = permit.org_id();
    let (kind, id, label) = resolve_subject(&mut w, access.tenant(), subject).await?;
    let binding = praetor_store::insert(
        w.txn(),
        role_binding::Model {
            id: RoleBindingId::generate(),
            org_id: org,
            subject_kind: kind.into(),
            subject_id: id,
            role: role.into(),
            domain: project.map(|p| p.to_string()).unwrap_or_else(|| "*".into()),
            project_id: project,
            created_at: w.now(),
        },
    )
    .await
    .map_err(conflict_means(&format!("{label} already has role {role} in this scope")))?;
    w.bump_rbac_version(access.tenant()).await?;
    w.audit(
        access.tenant(),
        Entry::new(
            "role.bound",
            binding.id,
            json!({"subjectKind": kind, "subject": label, "role": role, "scope": binding.domain}),
        ),
    )
    .await?;
    w.commit().await?;
    Ok(binding)
}

/// Binds `role` to `user` inside a unit of work already under way (an invitation accepted),
/// unless they have it in that scope already. Audited like [`bind`].
pub async fn bind_user_in(
    w: &mut crate::write::Write<'_>,
    tenant: Tenant,
    role: &str,
    project: Option<ProjectId>,
    user: &praetor_store::user::Model,
) -> Result<()> {
    let domain = project.map(|p| p.to_string()).unwrap_or_else(|| "*".into());
    let existing = role_binding::count_of(w.txn(), tenant, "user", user.id.0, role, &domain).await?;
    if existing > 0 {
        return Ok(());
    }
    let binding = praetor_store::insert(
        w.txn(),
        role_binding::Model {
            id: RoleBindingId::generate(),
            org_id: tenant.org(),
            subject_kind: "user".into(),
            subject_id: user.id.0,
            role: role.into(),
            domain,
            project_id: project,
            created_at: w.now(),
        },
    )
    .await?;
    w.bump_rbac_version(tenant).await?;
    w.audit(
        tenant,
        Entry::new(
            "role.bound",
            binding.id,
            json!({"subjectKind": "user", "subject": user.email, "role": role, "scope": binding.domain}),
        ),
    )
    .await?;
    Ok(())
}

/// Checks that `role` exists and, for a project scope, is not one that only applies to the whole
/// organization (`org_only` completes "`role` can only be …").
pub fn check_role(role: &str, in_project: bool, org_only: &str) -> Result<()> {
    if !BUILTIN_ROLES.contains(&role) {
        return Err(Error::validation(
            "role",
            format!("unknown role `{role}`; known roles: {}", BUILTIN_ROLES.join(", ")),
        ));
    }
    if in_project && ORG_ONLY_ROLES.contains(&role) {
        return Err(Error::validation("project", format!("`{role}` can only be {org_only}")));
    }
    Ok(())
}

/// The subject of a binding or grant in `org`: its kind, id and the name people know it by.
/// A user is provisioned by e-mail if unknown; a group or service account of another
/// organization is NOT_FOUND.
pub async fn resolve_subject(
    w: &mut crate::write::Write<'_>,
    tenant: Tenant,
    subject: BindingSubject,
) -> Result<(&'static str, uuid::Uuid, String)> {
    let _org = tenant.org();
    Ok(match subject {
        BindingSubject::UserEmail(email) => {
            let email = validate::email("subject.userEmail", &email)?;
            let u = users::find_or_provision(w, tenant, &email).await?;
            ("user", u.id.0, u.email)
        }
        BindingSubject::Group(g) => {
            let g = group::by_id(w.txn(), tenant, g).await?.ok_or_else(|| Error::not_found("group"))?;
            ("group", g.id.0, g.name)
        }
        BindingSubject::ServiceAccount(sa) => {
            let sa = service_account::by_id(w.txn(), tenant, sa)
                .await?
                .ok_or_else(|| Error::not_found("service account"))?;
            ("service_account", sa.id.0, sa.name)
        }
    })
}

/// Removes a binding. Needs `role.bind` in the binding's scope. The organization's last
/// org-wide administrator cannot be removed, so an org can never lock itself out.
pub async fn unbind(app: &AppState, access: &OrgAccess, id: RoleBindingId) -> Result<role_binding::Model> {
    let binding = find(app, access, id).await?;
    let domain = binding.project_id.map(Domain::Project).unwrap_or(Domain::Org);
    let permit = access.permit::<ops::RoleBind>(domain)?;
    let mut w = app.write(permit.principal().chain()).await?;
    if binding.role == "org_admin" && binding.domain == "*" {
        let admins = role_binding::count_with_role(w.txn(), access.tenant(), "org_admin", "*").await?;
        if admins <= 1 {
            return Err(Error::Conflict("this is the organization's last administrator binding".into()));
        }
    }
    role_binding::delete(w.txn(), access.tenant(), binding.id).await?;
    w.bump_rbac_version(access.tenant()).await?;
    w.audit(
        access.tenant(),
        Entry::new(
            "role.unbound",
            binding.id,
            json!({"subjectKind": binding.subject_kind, "subject": binding.subject_id.to_string(), "role": binding.role, "scope": binding.domain}),
        ),
    )
    .await?;
    w.commit().await?;
    Ok(binding)
}

pub async fn find(app: &AppState, access: &OrgAccess, id: RoleBindingId) -> Result<role_binding::Model> {
    let b = role_binding::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("role binding"))?;
    let domain = b.project_id.map(Domain::Project).unwrap_or(Domain::Org);
    access.read_permit::<ops::RoleRead>(domain, "role binding")?;
    Ok(b)
}

/// Bindings the principal may read: all of them with `role.read` org-wide, otherwise those of
/// the projects where it has `role.read`.
pub async fn list(
    app: &AppState,
    access: &OrgAccess,
    args: PageArgs<RoleBindingId>,
) -> Result<Page<role_binding::Model>> {
    // Bindings are few per org; filtering after the read keeps the rule in one place.
    let rows: Vec<_> = role_binding::all(&app.db, access.tenant())
        .await?
        .into_iter()
        .filter(|b| args.after.is_none_or(|a| b.id > a))
        .filter(|b| access.may::<ops::RoleRead>(b.project_id.map(Domain::Project).unwrap_or(Domain::Org)))
        .take(args.fetch_limit() as usize)
        .collect();
    Ok(Page::from_overfetch(rows, args.first))
}

/// How people know a binding's subject: a user's e-mail, a group's or service account's name.
pub async fn subject_label(app: &AppState, access: &OrgAccess, b: &role_binding::Model) -> Result<String> {
    let label = match b.subject_kind.as_str() {
        // Users are global; this one is bound in the caller's organization.
        "user" => praetor_store::user::by_id(&app.db, praetor_store::UserId(b.subject_id)).await?.map(|u| u.email),
        "group" => group::by_id(&app.db, access.tenant(), GroupId(b.subject_id)).await?.map(|g| g.name),
        _ => service_account::by_id(&app.db, access.tenant(), ServiceAccountId(b.subject_id)).await?.map(|sa| sa.name),
    };
    Ok(label.unwrap_or_else(|| "(removed)".into()))
}
