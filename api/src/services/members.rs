//! The people of an organization: everyone with a role binding or a group membership in it,
//! with their direct roles and their groups.

use std::collections::BTreeSet;

use praetor_entities::{ProjectId, Shared, TenantScoped, UserId, group, group_member, role_binding, user};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

use super::page::{Page, PageArgs};
use crate::AppState;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::error::Result;

/// A member and how they belong.
pub struct Member {
    pub user: user::Model,
    /// Direct bindings: (role, `org` or the project's id).
    /// Direct bindings: the role, and the project for a project binding.
    pub roles: Vec<(String, Option<ProjectId>)>,
    /// Names of the groups they are in.
    pub groups: Vec<String>,
}

/// Members of the organization, by user id. Needs `org.read`.
pub async fn list(app: &AppState, access: &OrgAccess, args: PageArgs<UserId>) -> Result<Page<Member>> {
    access.read_permit::<ops::OrgRead>(Domain::Org, "organization")?;
    let _org = access.org_id();
    let bindings = role_binding::Entity::find_in_org(access.tenant())
        .filter(role_binding::Column::SubjectKind.eq("user"))
        .all(&app.db)
        .await?;
    let memberships = group_member::Entity::find_in_org(access.tenant()).all(&app.db).await?;
    let mut ids: BTreeSet<UserId> = bindings.iter().map(|b| UserId(b.subject_id)).collect();
    ids.extend(memberships.iter().map(|m| m.user_id));
    // Users are global; the ids come from this organization's bindings and memberships only.
    let mut q = user::Entity::find_shared().filter(user::Column::Id.is_in(ids)).order_by_asc(user::Column::Id);
    if let Some(a) = args.after {
        q = q.filter(user::Column::Id.gt(a));
    }
    let users = q.limit(args.fetch_limit()).all(&app.db).await?;
    let groups = group::Entity::find_in_org(access.tenant()).all(&app.db).await?;
    let page = Page::from_overfetch(users, args.first);
    let items = page
        .items
        .into_iter()
        .map(|u| Member {
            roles: bindings.iter().filter(|b| b.subject_id == u.id.0).map(|b| (b.role.clone(), b.project_id)).collect(),
            groups: memberships
                .iter()
                .filter(|m| m.user_id == u.id)
                .filter_map(|m| groups.iter().find(|g| g.id == m.group_id).map(|g| g.name.clone()))
                .collect(),
            user: u,
        })
        .collect();
    Ok(Page { items, has_next: page.has_next })
}
