//! Organizations: creation (instance administrators) and entry (membership check).

use std::collections::BTreeSet;

use praetor_entities::{Housekeeping, OrgId, Owned, RoleBindingId, TenantScoped, group_member, org, role_binding};
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::validate;
use crate::AppState;
use crate::audit::Entry;
use crate::auth::{Principal, Subject};
use crate::authz::{InstanceAdmin, OrgAccess};
use crate::error::{Error, Result};

pub async fn create(app: &AppState, admin: &InstanceAdmin, slug: &str, name: &str) -> Result<org::Model> {
    let slug = validate::slug("slug", slug)?;
    let name = validate::name("name", name)?;
    let principal = admin.principal();
    let mut w = app.write(principal.chain()).await?;
    let org = org::ActiveModel {
        id: Set(OrgId::generate()),
        slug: Set(slug),
        name: Set(name),
        rbac_version: Set(0),
        created_at: Set(w.now()),
        local_accounts: Set(true),
    }
    .insert(w.txn())
    .await?;
    w.audit(org.tenant(), Entry::new("org.created", org.id, json!({"slug": org.slug, "name": org.name}))).await?;
    // The creator administers the new organization.
    if let Subject::User(user) = &principal.subject {
        let binding = role_binding::ActiveModel {
            id: Set(RoleBindingId::generate()),
            org_id: Set(org.id),
            subject_kind: Set("user".into()),
            subject_id: Set(user.id.0),
            role: Set("org_admin".into()),
            domain: Set("*".into()),
            project_id: Set(None),
            created_at: Set(w.now()),
        }
        .insert(w.txn())
        .await?;
        w.audit(
            org.tenant(),
            Entry::new(
                "role.bound",
                binding.id,
                json!({"subject": user.id.to_string(), "role": "org_admin", "scope": "org"}),
            ),
        )
        .await?;
    }
    w.commit().await?;
    Ok(org)
}

/// The organizations a timed job of this node works on, as the housekeeping `why`: every one,
/// or on a node dedicated to one organization (`worker.org_id`), that one.
pub async fn served_here(app: &AppState, why: Housekeeping) -> Result<Vec<OrgId>> {
    let mut q = org::Entity::find_across_orgs(why).select_only().column(org::Column::Id);
    if let Some(only) = app.config.worker.only_org() {
        q = q.filter(org::Column::Id.eq(only));
    }
    Ok(q.into_tuple().all(&app.db).await?)
}

/// Enters the organization named `slug`; NOT_FOUND if it does not exist or the principal is
/// not a member (the two are indistinguishable on purpose). Its row is kept by
/// `app.authz.rows` between changes.
pub async fn enter_by_slug(app: &AppState, principal: &Principal, slug: &str) -> Result<OrgAccess> {
    let slug = slug.trim();
    let org = match app.authz.rows.get(slug) {
        Some(org) => org,
        None => {
            let since = app.authz.rows.epoch();
            let org = org::Entity::find_across_orgs(Housekeeping::Locate)
                .filter(org::Column::Slug.eq(slug))
                .one(&app.db)
                .await?
                .ok_or_else(|| Error::not_found("organization"))?;
            app.authz.rows.keep(since, &org);
            org
        }
    };
    app.authz.enter(principal, org).await
}

pub async fn enter_by_id(app: &AppState, principal: &Principal, id: OrgId) -> Result<OrgAccess> {
    let org = org::Entity::find_across_orgs(Housekeeping::Locate)
        .filter(org::Column::Id.eq(id))
        .one(&app.db)
        .await?
        .ok_or_else(|| Error::not_found("organization"))?;
    app.authz.enter(principal, org).await
}

/// The organizations a person belongs to, by a role binding or a group membership.
pub async fn memberships<C: sea_orm::ConnectionTrait>(
    db: &C,
    user: praetor_entities::UserId,
) -> Result<BTreeSet<OrgId>> {
    let mut ids = BTreeSet::new();
    for b in role_binding::Entity::find_across_orgs(Housekeeping::Memberships)
        .filter(role_binding::Column::SubjectKind.eq("user"))
        .filter(role_binding::Column::SubjectId.eq(user.0))
        .all(db)
        .await?
    {
        ids.insert(b.org_id);
    }
    for m in group_member::Entity::find_across_orgs(Housekeeping::Memberships)
        .filter(group_member::Column::UserId.eq(user))
        .all(db)
        .await?
    {
        ids.insert(m.org_id);
    }
    Ok(ids)
}

/// The organizations the principal belongs to, by slug.
pub async fn list_for(app: &AppState, principal: &Principal) -> Result<Vec<OrgAccess>> {
    // A principal's own memberships are looked up by subject, across orgs: this is the one read
    // that must span tenants, and it only ever returns the caller's own.
    let mut ids = match &principal.subject {
        Subject::User(u) => memberships(&app.db, u.id).await?,
        Subject::ServiceAccount(sa) => BTreeSet::from([sa.org_id]),
        Subject::Agent(_) => BTreeSet::new(),
    };
    if let Some(key_org) = principal.key_org {
        ids.retain(|id| *id == key_org);
    }
    let orgs = org::Entity::find_across_orgs(Housekeeping::Memberships)
        .filter(org::Column::Id.is_in(ids))
        .order_by_asc(org::Column::Slug)
        .all(&app.db)
        .await?;
    let mut out = Vec::with_capacity(orgs.len());
    for org in orgs {
        // Membership through a group whose only role was removed still lists the org; entering
        // re-checks, and an org the principal cannot enter is simply left out.
        if let Ok(access) = app.authz.enter(principal, org).await {
            out.push(access);
        }
    }
    Ok(out)
}
