//! Organizations: creation (instance administrators) and entry (membership check).

use std::collections::BTreeSet;

use praetor_store::{Housekeeping, OrgId, Owned, RoleBindingId, group_member, org, role_binding};
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
    let org = praetor_store::insert(
        w.txn(),
        org::Model { id: OrgId::generate(), slug, name, rbac_version: 0, created_at: w.now(), local_accounts: true },
    )
    .await?;
    w.audit(org.tenant(), Entry::new("org.created", org.id, json!({"slug": org.slug, "name": org.name}))).await?;
    // The creator administers the new organization.
    if let Subject::User(user) = &principal.subject {
        let binding = praetor_store::insert(
            w.txn(),
            role_binding::Model {
                id: RoleBindingId::generate(),
                org_id: org.id,
                subject_kind: "user".into(),
                subject_id: user.id.0,
                role: "org_admin".into(),
                domain: "*".into(),
                project_id: None,
                created_at: w.now(),
            },
        )
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
    Ok(org::ids(&app.db, why, app.config.worker.only_org()).await?)
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
            let org = org::by_slug(&app.db, Housekeeping::Locate, slug)
                .await?
                .ok_or_else(|| Error::not_found("organization"))?;
            app.authz.rows.keep(since, &org);
            org
        }
    };
    app.authz.enter(principal, org).await
}

pub async fn enter_by_id(app: &AppState, principal: &Principal, id: OrgId) -> Result<OrgAccess> {
    let org = org::find(&app.db, Housekeeping::Locate, id).await?.ok_or_else(|| Error::not_found("organization"))?;
    app.authz.enter(principal, org).await
}

/// The organizations a person belongs to, by a role binding or a group membership.
pub async fn memberships<C: praetor_store::Conn>(db: &C, user: praetor_store::UserId) -> Result<BTreeSet<OrgId>> {
    let mut ids = BTreeSet::new();
    for b in role_binding::of_user_anywhere(db, user).await? {
        ids.insert(b.org_id);
    }
    for m in group_member::of_user_anywhere(db, user).await? {
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
    let orgs = org::with_ids(&app.db, Housekeeping::Memberships, ids).await?;
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
