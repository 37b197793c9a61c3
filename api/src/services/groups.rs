//! Groups and their members. Roles bound to a group apply to its members.

use praetor_entities::{GroupId, Shared, TenantScoped, group, group_member, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, QueryOrder, QuerySelect, Set};
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
    let g = group::ActiveModel {
        id: Set(GroupId::generate()),
        org_id: Set(permit.org_id()),
        name: Set(name),
        description: Set(description),
        created_at: Set(w.now()),
    }
    .insert(w.txn())
    .await
    .map_err(conflict_means("a group with this name already exists in the organization"))?;
    w.audit(permit.tenant(), Entry::new("group.created", g.id, json!({"name": g.name}))).await?;
    w.commit().await?;
    Ok(g)
}

pub async fn find(app: &AppState, access: &OrgAccess, id: GroupId) -> Result<group::Model> {
    access.read_permit::<ops::GroupRead>(Domain::Org, "group")?;
    group::Entity::find_in_org(access.tenant())
        .filter(group::Column::Id.eq(id))
        .one(&app.db)
        .await?
        .ok_or_else(|| Error::not_found("group"))
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
    let g = group::Entity::find_in_org(permit.tenant())
        .filter(group::Column::Id.eq(group_id))
        .one(w.txn())
        .await?
        .ok_or_else(|| Error::not_found("group"))?;
    let u = users::find_or_provision(&mut w, permit.tenant(), &email).await?;
    group_member::ActiveModel {
        group_id: Set(g.id),
        user_id: Set(u.id),
        org_id: Set(permit.org_id()),
        source: Set(None),
        created_at: Set(w.now()),
    }
    .insert(w.txn())
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
    let g = group::Entity::find_in_org(permit.tenant())
        .filter(group::Column::Id.eq(group_id))
        .one(w.txn())
        .await?
        .ok_or_else(|| Error::not_found("group"))?;
    let u = users::find_by_email(w.txn(), &email).await?.ok_or_else(|| Error::not_found("group member"))?;
    let res = group_member::Entity::delete_in_org(permit.tenant())
        .filter(group_member::Column::GroupId.eq(g.id))
        .filter(group_member::Column::UserId.eq(u.id))
        .exec(w.txn())
        .await?;
    if res.rows_affected == 0 {
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
    let mut q = group::Entity::find_in_org(access.tenant()).order_by_asc(group::Column::Id);
    if let Some(a) = args.after {
        q = q.filter(group::Column::Id.gt(a));
    }
    let rows = q.limit(args.fetch_limit()).all(&app.db).await?;
    Ok(Page::from_overfetch(rows, args.first))
}

/// Members of a group (the caller has already read the group).
pub async fn members(app: &AppState, access: &OrgAccess, group: GroupId) -> Result<Vec<user::Model>> {
    let ids: Vec<_> = group_member::Entity::find_in_org(access.tenant())
        .filter(group_member::Column::GroupId.eq(group))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    Ok(user::Entity::find_shared()
        .filter(user::Column::Id.is_in(ids))
        .order_by_asc(user::Column::Email)
        .all(&app.db)
        .await?)
}
