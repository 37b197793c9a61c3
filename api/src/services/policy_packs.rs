//! Policy packs: versioned policy documents for many organizations.
//!
//! The instance's administrators publish packs every organization may use; an organization
//! the administrators made a parent publishes packs for itself and its children (named
//! `<parent-slug>/<name>`). An organization subscribes to a pack, pinned to a version or
//! following the latest: the version in force is a layer above the organization's own policy,
//! which can only tighten it (every matching rule of every layer counts, the strictest wins).
//!
//! A new version reaches followers only when it takes effect, at least
//! `policy_pack_notice_seconds` after it was published: until then each subscribing
//! organization's administrators see what it changes and how it would decide their recorded
//! decisions (`PolicyPackVersion.impact`). Publishing is audited in every subscribing
//! organization, and each follower's move to the new version is audited in it when it happens
//! (the `policy_packs.advance` job). An organization sees the packs it may use and its own
//! subscriptions, never who else subscribes.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use praetor_policy::{CompileContext, PolicySet, Source, Tree};
use praetor_store::{
    Housekeeping, OrgId, Owned, PolicyPackId, PolicyPackVersionId, Tenant, org, org_parent, policy_pack,
    policy_pack_subscription, policy_pack_version,
};
use serde_json::json;

use super::validate;
use crate::AppState;
use crate::audit::Entry;
use crate::auth::ActorRef;
use crate::authz::{InstanceAdmin, OrgAccess, ops};
use crate::error::{Error, Result};
use crate::governance::policy::{Loaded, builtins};
use crate::write::Write;

/// Who publishes a version.
pub enum Publisher<'a> {
    /// An instance administrator: a pack for every organization.
    Instance(&'a InstanceAdmin),
    /// An organization's administrator (`policy.write` in it): a pack for it and its children.
    Org(&'a OrgAccess),
    /// The operator's command line on the database: a pack for every organization.
    Operator,
}

/// A version to publish.
pub struct Publish {
    /// The pack's name (without the parent's prefix, which is added).
    pub name: String,
    /// The pack's title, on its first version (kept after).
    pub title: String,
    pub description: String,
    pub sources: Vec<Source>,
    pub notes: String,
    /// When it takes effect for followers; default: `policy_pack_notice_seconds` from now.
    pub effective_at: Option<DateTime<Utc>>,
}

/// A pack and one of its versions.
pub struct Published {
    pub pack: policy_pack::Model,
    pub version: policy_pack_version::Model,
}

/// Publishes a new version of a pack (creating the pack with its first version), tells every
/// subscribing organization in its audit chain, and, when the version takes effect at once
/// (a notice of 0), moves the followers on to it in the same transaction.
pub async fn publish(app: &AppState, publisher: Publisher<'_>, input: Publish) -> Result<Published> {
    let (owner, actor, prefix): (Option<&org::Model>, Vec<ActorRef>, String) = match &publisher {
        Publisher::Instance(admin) => (None, admin.principal().chain(), String::new()),
        Publisher::Org(access) => {
            let permit = access.permit::<ops::PolicyWrite>(crate::authz::Domain::Org)?;
            (Some(access.org()), permit.principal().chain(), format!("{}/", access.org().slug))
        }
        Publisher::Operator => (None, vec![ActorRef::system("cli", "praetor policy pack publish")], String::new()),
    };
    let name = format!("{prefix}{}", validate::slug("name", &input.name)?);
    let notes = validate::text("notes", &input.notes, 2_000)?;
    let description = validate::text("description", &input.description, 2_000)?;
    let sources = checked_sources(app, input.sources).await?;
    let now = app.clock.now();
    let notice = Duration::seconds(app.config.policy_pack_notice_seconds.min(i64::MAX as u64) as i64);
    let effective_at = match input.effective_at {
        None => now + notice,
        Some(at) if at < now + notice => {
            return Err(Error::validation(
                "effectiveAt",
                format!(
                    "a new version takes effect at least {} second(s) after it is published \
                     (policy_pack_notice_seconds), so that subscribing organizations see its impact first",
                    notice.num_seconds()
                ),
            ));
        }
        Some(at) => at,
    };
    let hash = praetor_policy::set::hash_sources(&sources);
    let existing = policy_pack::by_name(&app.db, &name).await?;
    if let Some(pack) = &existing {
        if pack.owner_org_id != owner.map(|o| o.id) {
            // Names carry the owner's prefix, so only the instance's administrators and the
            // operator share a namespace; an org never learns of another's pack this way.
            return Err(Error::forbidden(format!("the pack {name} is not yours to publish")));
        }
        if let Some(newest) = policy_pack_version::newest(&app.db, pack.id).await?
            && newest.hash == hash
        {
            return Err(Error::validation(
                "sources",
                format!("these documents are version {} of {name} already", newest.version),
            ));
        }
    }
    let publisher_json = crate::audit::canonical_json(&serde_json::to_value(&actor).unwrap_or_default());
    let mut w = app.write(actor).await?;
    let pack = match existing {
        Some(p) => p,
        None => {
            let title = validate::name("title", if input.title.trim().is_empty() { &name } else { &input.title })?;
            let pack = praetor_store::insert(
                w.txn(),
                policy_pack::Model {
                    id: PolicyPackId::generate(),
                    name: name.clone(),
                    title,
                    description,
                    owner_org_id: owner.map(|o| o.id),
                    created_by: publisher_json.clone(),
                    created_at: w.now(),
                },
            )
            .await
            .map_err(crate::error::conflict_means("a policy pack of this name exists already"))?;
            if let Some(o) = owner {
                w.audit(o.tenant(), Entry::new("policy_pack.created", pack.id, json!({"pack": pack.name}))).await?;
            }
            pack
        }
    };
    let number = policy_pack_version::newest(w.txn(), pack.id).await?.map(|v| v.version).unwrap_or(0) + 1;
    let version = praetor_store::insert(
        w.txn(),
        policy_pack_version::Model {
            id: PolicyPackVersionId::generate(),
            pack_id: pack.id,
            version: number,
            hash: hash.clone(),
            sources: super::policies::sources_json(&sources),
            notes: notes.clone(),
            published_by: publisher_json,
            published_at: w.now(),
            effective_at,
        },
    )
    .await
    .map_err(crate::error::conflict_means("another version of this pack was published at the same time"))?;
    let subscribers = policy_pack_subscription::of_pack(w.txn(), pack.id).await?;
    let told = |s: Option<&policy_pack_subscription::Model>| {
        json!({
            "pack": pack.name,
            "version": number,
            "hash": hash,
            "effective_at": effective_at,
            "notes": notes,
            "follows_latest": s.map(|s| s.pinned_version.is_none()),
        })
    };
    if let Some(o) = owner
        && !subscribers.iter().any(|s| s.org_id == o.id)
    {
        w.audit(o.tenant(), Entry::new("policy_pack.published", version.id, told(None))).await?;
    }
    for s in &subscribers {
        w.audit(s.tenant(), Entry::new("policy_pack.published", version.id, told(Some(s)))).await?;
    }
    if effective_at <= w.now() {
        move_followers(&mut w, pack.id, number).await?;
    }
    w.commit().await?;
    Ok(Published { pack, version })
}

/// Compiles a pack's documents: they must compile on their own (as the instance-wide layer)
/// and name no organization and no project, since many organizations use them.
async fn checked_sources(app: &AppState, sources: Vec<Source>) -> Result<Vec<Source>> {
    if sources.is_empty() {
        return Err(Error::validation("sources", "give at least one document"));
    }
    let total: usize = sources.iter().map(|s| s.text.len()).sum();
    if total > super::policies::MAX_BUNDLE_BYTES {
        return Err(Error::validation(
            "sources",
            format!("the pack is {total} bytes; the limit is {}", super::policies::MAX_BUNDLE_BYTES),
        ));
    }
    let owned = sources.clone();
    let tree = app
        .cpu
        .run(move || {
            let ctx = CompileContext { builtins: builtins(), ..Default::default() };
            Tree::compile(&owned, &ctx)
        })
        .await?
        .map_err(Error::PolicyInvalid)?;
    if let Some(slug) = tree.projects.keys().next() {
        return Err(Error::validation(
            "sources",
            format!("a pack's documents name no project, and one names `{slug}` (metadata.project)"),
        ));
    }
    if let Some(p) = tree.base.policies.iter().find(|p| p.org.is_some()) {
        return Err(Error::validation(
            "sources",
            format!(
                "a pack's documents name no organization, and {} names `{}` (metadata.org) at {}:{}",
                p.name,
                p.org.clone().unwrap_or_default(),
                p.origin.file,
                p.origin.line
            ),
        ));
    }
    Ok(sources)
}

/// The organizations whose packs `tenant` may use: its own and its parent's.
async fn owners_for(app: &AppState, tenant: Tenant) -> Result<Vec<OrgId>> {
    let mut owners = vec![tenant.org()];
    owners.extend(org_parent::of(&app.db, tenant).await?);
    Ok(owners)
}

/// The packs the organization may use (the instance's, its parent's and its own) and those it
/// subscribes to (a former parent's stay until it ends the subscription), by name. Needs
/// `policy.read`.
pub async fn visible(app: &AppState, access: &OrgAccess) -> Result<Vec<policy_pack::Model>> {
    access.read_permit::<ops::PolicyRead>(crate::authz::Domain::Org, "org")?;
    let mut packs = policy_pack::of_owners(&app.db, &owners_for(app, access.tenant()).await?).await?;
    let subscribed = policy_pack_subscription::of_org(&app.db, access.tenant()).await?;
    let missing: Vec<PolicyPackId> =
        subscribed.iter().map(|s| s.pack_id).filter(|id| !packs.iter().any(|p| p.id == *id)).collect();
    if !missing.is_empty() {
        packs.extend(policy_pack::by_ids(&app.db, missing).await?);
        packs.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(packs)
}

/// One pack the organization may use or subscribes to; NOT_FOUND alike whether it does not
/// exist or is not the organization's to use.
pub async fn find_visible(app: &AppState, access: &OrgAccess, id: PolicyPackId) -> Result<policy_pack::Model> {
    let not_found = || Error::not_found(format!("policy pack {id}"));
    let pack = policy_pack::by_id(&app.db, id).await?.ok_or_else(not_found)?;
    match pack.owner_org_id {
        None => Ok(pack),
        Some(owner) if owners_for(app, access.tenant()).await?.contains(&owner) => Ok(pack),
        Some(_) if policy_pack_subscription::one(&app.db, access.tenant(), id).await?.is_some() => Ok(pack),
        Some(_) => Err(not_found()),
    }
}

/// The organization's subscription to `pack`, if it has one.
pub async fn subscription(
    app: &AppState,
    access: &OrgAccess,
    pack: PolicyPackId,
) -> Result<Option<policy_pack_subscription::Model>> {
    Ok(policy_pack_subscription::one(&app.db, access.tenant(), pack).await?)
}

/// The organization's subscriptions, by pack name. Needs `policy.read`.
pub async fn subscriptions(app: &AppState, access: &OrgAccess) -> Result<Vec<policy_pack_subscription::Model>> {
    access.read_permit::<ops::PolicyRead>(crate::authz::Domain::Org, "org")?;
    Ok(policy_pack_subscription::of_org(&app.db, access.tenant()).await?)
}

/// Subscribes the organization to a pack it may use, pinned to version `pin` or (`None`)
/// following the latest; changes the pin of a subscription it has. The version chosen is in
/// force at once: the newest one when following (the administrator looked at its impact
/// first; later versions reach followers when they take effect). Needs `policy.write` in the
/// organization.
pub async fn subscribe(
    app: &AppState,
    access: &OrgAccess,
    pack: PolicyPackId,
    pin: Option<i64>,
) -> Result<policy_pack_subscription::Model> {
    let permit = access.permit::<ops::PolicyWrite>(crate::authz::Domain::Org)?;
    let pack = find_visible(app, access, pack).await?;
    let version = match pin {
        Some(n) => policy_pack_version::number(&app.db, pack.id, n)
            .await?
            .ok_or_else(|| Error::validation("version", format!("{} has no version {n}", pack.name)))?,
        None => policy_pack_version::newest(&app.db, pack.id)
            .await?
            .ok_or_else(|| Error::validation("pack", format!("{} has no version yet", pack.name)))?,
    };
    let tenant = access.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let before = policy_pack_subscription::one(w.txn(), tenant, pack.id).await?;
    let row = policy_pack_subscription::Model {
        org_id: tenant.org(),
        pack_id: pack.id,
        pack_name: pack.name.clone(),
        pinned_version: pin,
        version_in_force: version.version,
        created_at: before.as_ref().map(|b| b.created_at).unwrap_or(w.now()),
        updated_at: w.now(),
    };
    let row = match &before {
        Some(b) => praetor_store::update(w.txn(), b, row).await?,
        None => praetor_store::insert(w.txn(), row)
            .await
            .map_err(crate::error::conflict_means("the organization subscribed to this pack at the same time"))?,
    };
    w.audit(
        tenant,
        Entry::new(
            if before.is_some() { "policy_pack.subscription_changed" } else { "policy_pack.subscribed" },
            pack.id,
            json!({
                "pack": pack.name,
                "pinned_version": pin,
                "version_in_force": row.version_in_force,
                "previous_version": before.as_ref().map(|b| b.version_in_force),
            }),
        ),
    )
    .await?;
    w.commit().await?;
    Ok(row)
}

/// Ends the organization's subscription to a pack: its rules no longer apply. Needs
/// `policy.write` in the organization.
pub async fn unsubscribe(app: &AppState, access: &OrgAccess, pack: PolicyPackId) -> Result<()> {
    let permit = access.permit::<ops::PolicyWrite>(crate::authz::Domain::Org)?;
    let pack = find_visible(app, access, pack).await?;
    let tenant = access.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let Some(before) = policy_pack_subscription::one(w.txn(), tenant, pack.id).await? else {
        return Err(Error::not_found(format!("a subscription to {}", pack.name)));
    };
    policy_pack_subscription::delete(w.txn(), tenant, pack.id).await?;
    w.audit(
        tenant,
        Entry::new(
            "policy_pack.unsubscribed",
            pack.id,
            json!({"pack": pack.name, "version_in_force": before.version_in_force}),
        ),
    )
    .await?;
    w.commit().await
}

/// Moves every follower of `pack` behind `version` on to it, auditing the move in each.
async fn move_followers(w: &mut Write<'_>, pack: PolicyPackId, version: i64) -> Result<usize> {
    let behind = policy_pack_subscription::followers_behind(w.txn(), pack, version).await?;
    for s in &behind {
        let mut next = s.clone();
        next.version_in_force = version;
        next.updated_at = w.now();
        praetor_store::update(w.txn(), s, next).await?;
        w.audit(
            s.tenant(),
            Entry::new(
                "policy_pack.version_in_force",
                pack,
                json!({"pack": s.pack_name, "version": version, "previous_version": s.version_in_force}),
            ),
        )
        .await?;
    }
    Ok(behind.len())
}

/// The scheduler's job: every subscription that follows a pack's latest version moves on to
/// the newest version in effect. Answers how many moved.
pub async fn advance(app: &AppState) -> Result<usize> {
    let now = app.clock.now();
    let mut moved = 0;
    for (pack, version) in policy_pack_version::effective_heads(&app.db, now).await? {
        if policy_pack_subscription::followers_behind(&app.db, pack, version).await?.is_empty() {
            continue;
        }
        let mut w = app.write(vec![ActorRef::system("scheduler", "policy_packs.advance")]).await?;
        moved += move_followers(&mut w, pack, version).await?;
        w.commit().await?;
    }
    Ok(moved)
}

/// The effective policy of a project of the organization with `version` of `pack` in force:
/// what the version would decide there.
pub async fn candidate(
    app: &AppState,
    access: &OrgAccess,
    project: praetor_store::ProjectId,
    pack: &policy_pack::Model,
    version: i64,
) -> Result<Arc<Loaded>> {
    app.policies
        .effective_with_pack(&app.db, access.tenant(), Some(project), (pack.id, pack.name.clone(), version))
        .await
}

/// The compiled documents of a version (for the rules it changes).
pub async fn set_of(app: &AppState, pack: PolicyPackId, version: i64) -> Result<Arc<PolicySet>> {
    app.policies.pack_set(&app.db, pack, version).await
}

/// Sets (or with `None` removes) an organization's parent: the parent's packs become the
/// child's to use. One level: a parent has no parent, and a child is no parent. Audited in the
/// child and in the parent. Instance administrators only.
pub async fn set_parent(
    app: &AppState,
    admin: &InstanceAdmin,
    child: &org::Model,
    parent: Option<&org::Model>,
) -> Result<()> {
    let child_t = Tenant::housekeeping(child.id, Housekeeping::PolicyPacks);
    if let Some(p) = parent {
        if p.id == child.id {
            return Err(Error::validation("parent", "an organization cannot be its own parent"));
        }
        let parent_t = Tenant::housekeeping(p.id, Housekeeping::PolicyPacks);
        if org_parent::of(&app.db, parent_t).await?.is_some() {
            return Err(Error::validation("parent", format!("{} has a parent itself (one level only)", p.slug)));
        }
        if org_parent::has_children(&app.db, child.id).await? {
            return Err(Error::validation("org", format!("{} is a parent itself (one level only)", child.slug)));
        }
    }
    let mut w = app.write(admin.principal().chain()).await?;
    let before = org_parent::of(w.txn(), child_t).await?;
    org_parent::delete(w.txn(), child_t).await?;
    if let Some(p) = parent {
        praetor_store::insert(
            w.txn(),
            org_parent::Model { org_id: child.id, parent_org_id: p.id, created_at: w.now() },
        )
        .await?;
        w.audit(
            Tenant::housekeeping(p.id, Housekeeping::PolicyPacks),
            Entry::new("org.child_added", child.id, json!({"child": child.slug})),
        )
        .await?;
    }
    if let Some(old) = before
        && parent.is_none_or(|p| p.id != old)
    {
        w.audit(
            Tenant::housekeeping(old, Housekeeping::PolicyPacks),
            Entry::new("org.child_removed", child.id, json!({"child": child.slug})),
        )
        .await?;
    }
    w.audit(child_t, Entry::new("org.parent_set", child.id, json!({"parent": parent.map(|p| p.slug.clone())}))).await?;
    w.commit().await
}
