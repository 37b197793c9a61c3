//! The people of an organization: everyone with a role binding or a group membership in it,
//! with their direct roles and their groups.

use std::collections::BTreeSet;

use praetor_store::{ProjectId, UserId, group, group_member, role_binding, user};

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
    let bindings = role_binding::of_users(&app.db, access.tenant()).await?;
    let memberships = group_member::all(&app.db, access.tenant()).await?;
    let mut ids: BTreeSet<UserId> = bindings.iter().map(|b| UserId(b.subject_id)).collect();
    ids.extend(memberships.iter().map(|m| m.user_id));
    // Users are global; the ids come from this organization's bindings and memberships only.
    let after = args.after;
    let ids: Vec<UserId> = ids.into_iter().filter(|id| after.is_none_or(|a| *id > a)).collect();
    let mut users = user::by_ids(&app.db, ids).await?;
    users.truncate(args.fetch_limit() as usize);
    let groups = group::all(&app.db, access.tenant()).await?;
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
