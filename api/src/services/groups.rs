//! Groups and their members. Roles bound to a group apply to its members.

use praetor_store::{GroupId, group, group_member, user};
use serde_json::json;

use super::page::{Page, PageArgs};
use super::{users, validate};
use crate::AppState;
use crate::audit::Entry;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess, Permit};
use crate::error::{Error, Result, conflict_means};

/// Needs `group.create` in the organization.
pub async fn create(
    app: &AppState,
    permit: &Permit<ops::GroupCreate>,
    name: &str,
    description: &str,
) -> Result<group::Model> {
    let name = validate::slug("name", name)?;
    let description = validate::text("description", description, 2_000)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let g = praetor_store::insert(
        w.txn(),
        group::Model { id: GroupId::generate(), org_id: permit.org_id(), name, description, created_at: w.now() },
    )
    .await
    .map_err(conflict_means("a group with this name already exists in the organization"))?;
    w.audit(permit.tenant(), Entry::new("group.created", g.id, json!({"name": g.name}))).await?;
    w.commit().await?;
    Ok(g)
}

pub async fn find(app: &AppState, access: &OrgAccess, id: GroupId) -> Result<group::Model> {
    access.read_permit::<ops::GroupRead>(Domain::Org, "group")?;
    group::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("group"))
}

/// Adds the user with `email` (provisioned if new) to the group. Needs `group.manage`.
pub async fn add_member(
    app: &AppState,
    permit: &Permit<ops::GroupManage>,
    group_id: GroupId,
    email: &str,
) -> Result<(group::Model, user::Model)> {
    let email = validate::email("email", email)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let g = group::by_id(w.txn(), permit.tenant(), group_id).await?.ok_or_else(|| Error::not_found("group"))?;
    let u = users::find_or_provision(&mut w, permit.tenant(), &email).await?;
    praetor_store::insert(
        w.txn(),
        group_member::Model {
            group_id: g.id,
            user_id: u.id,
            org_id: permit.org_id(),
            source: None,
            created_at: w.now(),
        },
    )
    .await
    .map_err(conflict_means(&format!("{email} is already a member of {}", g.name)))?;
    w.bump_rbac_version(permit.tenant()).await?;
    w.audit(
        permit.tenant(),
        Entry::new("group.member_added", g.id, json!({"group": g.name, "user": u.id.to_string(), "email": u.email})),
    )
    .await?;
    w.commit().await?;
    Ok((g, u))
}

/// Removes a member. Needs `group.manage`.
pub async fn remove_member(
    app: &AppState,
    permit: &Permit<ops::GroupManage>,
    group_id: GroupId,
    email: &str,
) -> Result<group::Model> {
    let email = validate::email("email", email)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let g = group::by_id(w.txn(), permit.tenant(), group_id).await?.ok_or_else(|| Error::not_found("group"))?;
    let u = users::find_by_email(w.txn(), &email).await?.ok_or_else(|| Error::not_found("group member"))?;
    if group_member::remove(w.txn(), permit.tenant(), g.id, u.id).await? == 0 {
        return Err(Error::not_found("group member"));
    }
    w.bump_rbac_version(permit.tenant()).await?;
    w.audit(
        permit.tenant(),
        Entry::new("group.member_removed", g.id, json!({"group": g.name, "user": u.id.to_string()})),
    )
    .await?;
    w.commit().await?;
    Ok(g)
}

pub async fn list(app: &AppState, access: &OrgAccess, args: PageArgs<GroupId>) -> Result<Page<group::Model>> {
    access.read_permit::<ops::GroupRead>(Domain::Org, "group")?;
    let rows = group::page(&app.db, access.tenant(), args.after, args.fetch_limit()).await?;
    Ok(Page::from_overfetch(rows, args.first))
}

/// Members of a group (the caller has already read the group).
pub async fn members(app: &AppState, access: &OrgAccess, group: GroupId) -> Result<Vec<user::Model>> {
    let ids: Vec<_> =
        group_member::of_group(&app.db, access.tenant(), group).await?.into_iter().map(|m| m.user_id).collect();
    let mut users = user::by_ids(&app.db, ids).await?;
    users.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(users)
}
