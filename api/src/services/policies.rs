//! Applying policy: validate and verify a bundle of YAML documents, then store one immutable
//! version per scope it changes (the organization and/or its projects), all in one
//! transaction. An invalid bundle is refused whole, with every diagnostic; nothing is partly
//! applied. Rollback stores an earlier version's documents as a new version.
//!
//! When the policy in force asks for it (`spec.policyChanges.requireApproval`), a person's
//! change is validated the same way and kept as a pending policy change instead; someone else
//! with `policy.write` in its scope approves it (it is then stored as above, in the transaction
//! that marks it applied) or rejects it, and the proposer may withdraw it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use praetor_policy::diag::Severity;
use praetor_policy::{CompileContext, Diagnostic, PolicySet, Source, Tree, VerifyContext};
use praetor_store::{
    Owned, PolicyChangeId, PolicyVersionId, ProjectId, Tenant, group, group_member, org, policy_change, policy_version,
    project, role_binding, user,
};
use serde_json::json;

use super::page::{Page, PageArgs};
use crate::AppState;
use crate::audit::Entry;
use crate::auth::{ActorRef, Principal};
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::error::{Error, Result};
use crate::governance::policy::{action_names, builtins, latest, role_permissions, sources_of};

/// Largest bundle accepted, in bytes over all files.
pub const MAX_BUNDLE_BYTES: usize = 4 * 1024 * 1024;

/// The result of an apply.
pub struct Applied {
    /// New versions, one per scope whose documents changed.
    pub versions: Vec<policy_version::Model>,
    /// Findings of verification that do not block (warnings).
    pub warnings: Vec<Diagnostic>,
    /// The change kept for a second person's approval, when the policy in force asks for one
    /// (then no version is stored yet).
    pub pending: Option<policy_change::Model>,
}

/// Groups of the org with their members' e-mails, and who may propose plans.
async fn verify_context(
    app: &AppState,
    tenant: Tenant,
    org_set: Option<Arc<PolicySet>>,
    actions: BTreeSet<String>,
) -> Result<VerifyContext> {
    let groups = group::all(&app.db, tenant).await?;
    let members = group_member::all(&app.db, tenant).await?;
    let user_ids: Vec<_> = members.iter().map(|m| m.user_id).collect();
    let bindings = role_binding::all(&app.db, tenant).await?;
    let bound_users: Vec<_> =
        bindings.iter().filter(|b| b.subject_kind == "user").map(|b| praetor_store::UserId(b.subject_id)).collect();
    let mut all_ids = user_ids.clone();
    all_ids.extend(bound_users);
    let users: BTreeMap<_, _> = user::by_ids(&app.db, all_ids).await?.into_iter().map(|u| (u.id, u.email)).collect();
    let mut by_group: BTreeMap<String, BTreeSet<String>> =
        groups.iter().map(|g| (g.name.clone(), BTreeSet::new())).collect();
    let group_names: BTreeMap<_, _> = groups.iter().map(|g| (g.id, g.name.clone())).collect();
    for m in &members {
        if let (Some(name), Some(email)) = (group_names.get(&m.group_id), users.get(&m.user_id)) {
            by_group.entry(name.clone()).or_default().insert(email.clone());
        }
    }
    let proposing_roles = ["org_admin", "project_admin", "operator"];
    let mut proposers = BTreeSet::new();
    for b in bindings.iter().filter(|b| proposing_roles.contains(&b.role.as_str())) {
        match b.subject_kind.as_str() {
            "user" => {
                if let Some(e) = users.get(&praetor_store::UserId(b.subject_id)) {
                    proposers.insert(e.clone());
                }
            }
            "group" => {
                if let Some(name) = group_names.get(&praetor_store::GroupId(b.subject_id)) {
                    proposers.extend(by_group.get(name).cloned().unwrap_or_default());
                }
            }
            _ => {}
        }
    }
    Ok(VerifyContext { actions, groups: by_group, proposers, role_permissions: role_permissions(), org_set })
}

/// Compiles and verifies `sources` for the org (`project: None`, projects' documents included)
/// or for one project. Returns the tree and the non-blocking findings, or every diagnostic.
pub async fn check(
    app: &AppState,
    access: &OrgAccess,
    project: Option<&project::Model>,
    sources: &[Source],
) -> Result<(Tree, Vec<Diagnostic>)> {
    check_in(app, access.org(), project, sources).await
}

/// [`check`] in the organization `org` (a row read under its capability).
async fn check_in(
    app: &AppState,
    org: &org::Model,
    project: Option<&project::Model>,
    sources: &[Source],
) -> Result<(Tree, Vec<Diagnostic>)> {
    let tenant = org.tenant();
    let total: usize = sources.iter().map(|s| s.text.len()).sum();
    if sources.is_empty() {
        return Err(Error::validation("sources", "give at least one document"));
    }
    if total > MAX_BUNDLE_BYTES {
        return Err(Error::validation(
            "sources",
            format!("the bundle is {total} bytes; the limit is {MAX_BUNDLE_BYTES}"),
        ));
    }
    let current_org = match project {
        Some(_) => app
            .policies
            .effective(&app.db, tenant, None)
            .await?
            .effective
            .layers()
            .iter()
            .find(|l| l.level == praetor_policy::Level::Org)
            .map(|l| l.set.clone()),
        None => None,
    };
    let mut ctx = CompileContext { builtins: builtins(), org: Some(org.slug.clone()), ..Default::default() };
    if let Some(o) = &current_org {
        ctx.known_actions = o.actions.iter().map(|(n, a)| (n.clone(), a.spec.params.clone())).collect();
        ctx.state_schema = o.policies.iter().find_map(|p| p.spec.state_schema.clone());
    }
    let owned = sources.to_vec();
    let tree = app.cpu.run(move || Tree::compile(&owned, &ctx)).await?.map_err(Error::PolicyInvalid)?;
    let mut problems = Vec::new();
    if let Some(p) = project {
        let has_base =
            !(tree.base.policies.is_empty() && tree.base.actions.is_empty() && tree.base.templates.is_empty());
        if has_base || tree.projects.keys().any(|k| k != &p.slug) {
            return Err(Error::validation(
                "sources",
                format!("every document applied to project `{}` must say `metadata.project: {}`", p.slug, p.slug),
            ));
        }
    } else {
        let known: BTreeSet<String> = project::all(&app.db, tenant).await?.into_iter().map(|p| p.slug).collect();
        for slug in tree.projects.keys() {
            if !known.contains(slug) {
                return Err(Error::validation(
                    "sources",
                    format!("the bundle has documents for project `{slug}`, which does not exist"),
                ));
            }
        }
    }
    let base_set = if project.is_some() { current_org.clone() } else { Some(Arc::new(tree.base.clone())) };
    let actions = action_names(base_set.as_deref());
    let vctx = verify_context(app, tenant, base_set.clone(), actions).await?;
    let verify_base = project.is_none();
    let (tree, found) = app
        .cpu
        .run(move || {
            let mut found = Vec::new();
            if verify_base {
                found.extend(praetor_policy::verify(&tree.base, &vctx));
            }
            for set in tree.projects.values() {
                found.extend(praetor_policy::verify(set, &vctx));
            }
            (tree, found)
        })
        .await?;
    problems.extend(found);
    if problems.iter().any(|d| d.severity == Severity::Error) {
        return Err(Error::PolicyInvalid(problems));
    }
    Ok((tree, problems))
}

fn render_sources(sources: &[Source]) -> String {
    sources.iter().map(|s| format!("# --- {}\n{}", s.name, s.text)).collect::<Vec<_>>().join("\n")
}

/// Sources as stored (a version's, a proposed change's, a pack version's): canonical JSON
/// `[{name, text}]`.
pub(super) fn sources_json(sources: &[Source]) -> String {
    crate::audit::canonical_json(&serde_json::Value::Array(
        sources.iter().map(|s| json!({"name": s.name, "text": s.text})).collect(),
    ))
}

/// Validates, verifies and stores `sources`. Needs `policy.write` in the organization, or in
/// the project when `project` is given.
pub async fn apply(
    app: &AppState,
    access: &OrgAccess,
    project: Option<&project::Model>,
    sources: Vec<Source>,
    comment: &str,
) -> Result<Applied> {
    let domain = project.map(|p| Domain::Project(p.id)).unwrap_or(Domain::Org);
    let permit = access.permit::<ops::PolicyWrite>(domain)?;
    change(app, access.org(), permit.principal(), project, sources, comment).await
}

/// A person's change to policy (they hold `policy.write` in its scope): stored at once, or,
/// when the policy in force asks for a second person's approval, validated and kept pending.
pub(super) async fn change(
    app: &AppState,
    org_model: &org::Model,
    principal: &Principal,
    project: Option<&project::Model>,
    sources: Vec<Source>,
    comment: &str,
) -> Result<Applied> {
    if !needs_approval(app, org_model.tenant(), project).await? {
        return store(app, org_model, principal.chain(), project, sources, comment).await;
    }
    let comment = super::validate::text("comment", comment, 2_000)?;
    let (_, warnings) = check_in(app, org_model, project, &sources).await?;
    let tenant = org_model.tenant();
    let scope = project.map(|p| p.id);
    let prev = latest(&app.db, tenant, scope).await?;
    let hash = praetor_policy::set::hash_sources(&sources);
    if prev.as_ref().is_some_and(|p| p.hash == hash) {
        // Nothing would change.
        return Ok(Applied { versions: Vec::new(), warnings, pending: None });
    }
    let mut w = app.write(principal.chain()).await?;
    let row = praetor_store::insert(
        w.txn(),
        policy_change::Model {
            id: PolicyChangeId::generate(),
            org_id: tenant.org(),
            project_id: scope,
            sources: sources_json(&sources),
            hash: hash.clone(),
            comment: comment.clone(),
            base_version: prev.as_ref().map(|p| p.version).unwrap_or(0),
            proposed_by: principal.chain_json()?,
            proposed_by_subject: principal.rbac_subject(),
            status: "pending".into(),
            decided_by: None,
            decision_comment: String::new(),
            decided_at: None,
            created_at: w.now(),
        },
    )
    .await?;
    w.audit(
        tenant,
        Entry::new(
            "policy.change_proposed",
            row.id,
            json!({"scope": scope_label(project), "hash": hash, "files": sources.iter().map(|s| s.name.clone()).collect::<Vec<_>>(), "comment": comment}),
        )
        .in_project(scope),
    )
    .await?;
    w.commit().await?;
    Ok(Applied { versions: Vec::new(), warnings, pending: Some(row) })
}

/// Whether the policy in force for the scope asks for a second person's approval of changes.
async fn needs_approval(app: &AppState, tenant: Tenant, project: Option<&project::Model>) -> Result<bool> {
    Ok(app.policies.effective(&app.db, tenant, project.map(|p| p.id)).await?.effective.policy_changes_need_approval())
}

fn scope_label(project: Option<&project::Model>) -> String {
    project.map(|p| p.slug.clone()).unwrap_or_else(|| "org".into())
}

/// Enters the organization of a policy change; the same NOT_FOUND whether it does not exist or
/// lives in an organization the principal cannot enter.
pub async fn enter_change(app: &AppState, principal: &Principal, id: PolicyChangeId) -> Result<OrgAccess> {
    let not_found = || Error::not_found("policy change");
    let org = policy_change::org_of(&app.db, id).await?.ok_or_else(not_found)?;
    super::orgs::enter_by_id(app, principal, org).await.map_err(|e| match e {
        Error::NotFound(_) => not_found(),
        other => other,
    })
}

/// A pending change the caller may see (`policy.read` in its scope); NOT_FOUND otherwise.
pub async fn find_change(app: &AppState, access: &OrgAccess, id: PolicyChangeId) -> Result<policy_change::Model> {
    let c =
        policy_change::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("policy change"))?;
    access.read_permit::<ops::PolicyRead>(c.project_id.map(Domain::Project).unwrap_or(Domain::Org), "policy change")?;
    Ok(c)
}

/// The organization's policy changes the caller may read, newest first (only pending ones when
/// `pending_only`).
pub async fn changes(app: &AppState, access: &OrgAccess, pending_only: bool) -> Result<Vec<policy_change::Model>> {
    Ok(policy_change::newest(&app.db, access.tenant(), pending_only, 200)
        .await?
        .into_iter()
        .filter(|c| access.may::<ops::PolicyRead>(c.project_id.map(Domain::Project).unwrap_or(Domain::Org)))
        .collect())
}

/// Why the caller may not decide the change now, if they may not: it is not pending, they
/// lack `policy.write` in its scope, or they proposed it (they may only withdraw it).
pub fn may_not_decide(access: &OrgAccess, c: &policy_change::Model, approve: bool) -> Option<String> {
    if c.status == "superseded" {
        return Some("the change was superseded by a later change to this policy: propose it again".into());
    }
    if c.status != "pending" {
        return Some(format!("the change is {}, not pending", c.status));
    }
    if !access.may::<ops::PolicyWrite>(c.project_id.map(Domain::Project).unwrap_or(Domain::Org)) {
        return Some("missing permission `policy.write` for this policy".into());
    }
    if approve && access.principal().rbac_subject() == c.proposed_by_subject {
        return Some(
            "You cannot approve your own policy change: someone else with policy.write must approve it".into(),
        );
    }
    None
}

/// [`may_not_decide`] as the error a decision answers: CONFLICT when the change is no longer
/// pending, FORBIDDEN when the caller may not decide it.
fn decidable(access: &OrgAccess, c: &policy_change::Model, approve: bool) -> Result<()> {
    match may_not_decide(access, c, approve) {
        None => Ok(()),
        Some(why) if c.status != "pending" => Err(Error::Conflict(why)),
        Some(why) => Err(Error::forbidden(why)),
    }
}

/// Approves a pending change: its documents are stored as new versions, in the transaction
/// that marks it applied. Refused (CONFLICT) when another change landed in its scope since it
/// was proposed, so nobody approves a change against a policy they did not see.
pub async fn approve_change(
    app: &AppState,
    access: &OrgAccess,
    id: PolicyChangeId,
    comment: &str,
) -> Result<(policy_change::Model, Applied)> {
    let comment = super::validate::text("comment", comment, 2_000)?;
    let c = find_change(app, access, id).await?;
    decidable(access, &c, true)?;
    let project = match c.project_id {
        Some(p) => Some(project::by_id(&app.db, access.tenant(), p).await?.ok_or_else(|| Error::not_found("project"))?),
        None => None,
    };
    let sources = sources_of_change(&c)?;
    let author: Vec<ActorRef> =
        crate::error::stored(format_args!("the proposer of policy change {}", c.id), &c.proposed_by)?;
    let decision = Decision { change: &c, approver: access.principal().chain(), comment: &comment };
    let applied = store_as(app, access.org(), author, project.as_ref(), sources, &c.comment, Some(decision)).await?;
    let done =
        policy_change::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("policy change"))?;
    Ok((done, applied))
}

/// Rejects a pending change (or, by its proposer, withdraws it).
pub async fn reject_change(
    app: &AppState,
    access: &OrgAccess,
    id: PolicyChangeId,
    comment: &str,
) -> Result<policy_change::Model> {
    let comment = super::validate::text("comment", comment, 2_000)?;
    let c = find_change(app, access, id).await?;
    decidable(access, &c, false)?;
    let principal = access.principal();
    let withdrawn = principal.rbac_subject() == c.proposed_by_subject;
    let mut w = app.write(principal.chain()).await?;
    let fresh =
        policy_change::lock(w.txn(), access.tenant(), id).await?.ok_or_else(|| Error::not_found("policy change"))?;
    if fresh.status != "pending" {
        return Err(Error::Conflict(format!("the change is {}, not pending", fresh.status)));
    }
    let mut next = fresh.clone();
    next.status = if withdrawn { "withdrawn" } else { "rejected" }.into();
    next.decided_by = Some(principal.chain_json()?);
    next.decision_comment = comment.clone();
    next.decided_at = Some(w.now());
    let row = praetor_store::update(w.txn(), &fresh, next).await?;
    let kind = if withdrawn { "policy.change_withdrawn" } else { "policy.change_rejected" };
    w.audit(
        access.tenant(),
        Entry::new(kind, id, json!({"hash": row.hash, "comment": comment})).in_project(row.project_id),
    )
    .await?;
    w.commit().await?;
    Ok(row)
}

/// The documents of a change, as proposed.
pub fn sources_of_change(c: &policy_change::Model) -> Result<Vec<Source>> {
    crate::governance::policy::stored_sources(format_args!("policy change {}", c.id), &c.sources)
}

/// What changes against the scope's newest version, as a unified diff.
pub async fn change_diff(app: &AppState, c: &policy_change::Model) -> Result<String> {
    let old = match latest(&app.db, c.tenant(), c.project_id).await? {
        Some(v) => render_sources(&sources_of(&v)?),
        None => String::new(),
    };
    let new = render_sources(&sources_of_change(c)?);
    Ok(unified_diff(&old, &new, "in force", "proposed"))
}

/// A unified diff of two renderings of a scope's documents, with three lines of context.
fn unified_diff(old: &str, new: &str, from: &str, to: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(from, to).to_string()
}

/// The approval a store completes: the change, who approves it and what they said.
pub(super) struct Decision<'a> {
    change: &'a policy_change::Model,
    approver: Vec<ActorRef>,
    comment: &'a str,
}

/// Validates, verifies and stores `sources` as `author` (the principal chain recorded as the
/// versions' author and in their audit entries). Only [`apply`], with a `policy.write` permit,
/// and what the organization's own policy allows Praetor to apply by itself (adaptive budgets)
/// come here.
pub(super) async fn store(
    app: &AppState,
    org_model: &org::Model,
    author: Vec<ActorRef>,
    project: Option<&project::Model>,
    sources: Vec<Source>,
    comment: &str,
) -> Result<Applied> {
    store_as(app, org_model, author, project, sources, comment, None).await
}

/// [`store`], completing `decision` (an approved change) in the same transaction: the write is
/// the approver's, the versions' author the proposer.
async fn store_as(
    app: &AppState,
    org_model: &org::Model,
    author: Vec<ActorRef>,
    project: Option<&project::Model>,
    sources: Vec<Source>,
    comment: &str,
    decision: Option<Decision<'_>>,
) -> Result<Applied> {
    let comment = super::validate::text("comment", comment, 2_000)?;
    let (tree, warnings) = check_in(app, org_model, project, &sources).await?;
    let tenant = org_model.tenant();
    let org = tenant.org();
    let projects: BTreeMap<String, ProjectId> =
        project::all(&app.db, tenant).await?.into_iter().map(|p| (p.slug, p.id)).collect();
    // The scopes this bundle sets: the org (when applied to the org) and each project it names.
    let mut scopes: Vec<(Option<ProjectId>, String)> = Vec::new();
    match project {
        Some(p) => scopes.push((Some(p.id), p.slug.clone())),
        None => {
            scopes.push((None, "org".to_string()));
            for slug in tree.projects.keys() {
                if let Some(id) = projects.get(slug) {
                    scopes.push((Some(*id), slug.clone()));
                }
            }
        }
    }
    let hash = praetor_policy::set::hash_sources(&sources);
    // A project named by an organization's bundle whose own documents did not change keeps
    // its version: the bundle changed elsewhere.
    if project.is_none() {
        let mut kept = Vec::new();
        for (scope_project, label) in &scopes {
            if scope_project.is_some() && same_part(app, tenant, *scope_project, &tree, label).await? {
                kept.push(label.clone());
            }
        }
        scopes.retain(|(_, label)| !kept.contains(label));
    }
    let text = render_sources(&sources);
    let stored = sources_json(&sources);
    let author_json = crate::audit::canonical_json(&serde_json::to_value(&author).unwrap_or_default());
    let mut w = match &decision {
        Some(d) => app.write(d.approver.clone()).await?,
        None => app.write(author).await?,
    };
    if let Some(d) = &decision {
        let fresh = policy_change::lock(w.txn(), tenant, d.change.id)
            .await?
            .ok_or_else(|| Error::not_found("policy change"))?;
        if fresh.status != "pending" {
            return Err(Error::Conflict(format!("the change is {}, not pending", fresh.status)));
        }
        let now_version = latest(w.txn(), tenant, fresh.project_id).await?.map(|v| v.version).unwrap_or(0);
        if now_version != fresh.base_version {
            return Err(Error::Conflict(format!(
                "the policy changed since this change was proposed (version {now_version}, not {}): propose it again",
                fresh.base_version
            )));
        }
        let mut next = fresh.clone();
        next.status = "applied".into();
        next.decided_by = Some(crate::audit::canonical_json(&serde_json::to_value(&d.approver).unwrap_or_default()));
        next.decision_comment = d.comment.to_string();
        next.decided_at = Some(w.now());
        praetor_store::update(w.txn(), &fresh, next).await?;
        w.audit(
            tenant,
            Entry::new("policy.change_approved", fresh.id, json!({"hash": fresh.hash, "comment": d.comment}))
                .in_project(fresh.project_id),
        )
        .await?;
    }
    let mut versions = Vec::new();
    for (scope_project, label) in scopes {
        let prev = latest(w.txn(), tenant, scope_project).await?;
        if prev.as_ref().is_some_and(|p| p.hash == hash) {
            continue;
        }
        let old_text = match &prev {
            Some(p) => render_sources(&sources_of(p)?),
            None => String::new(),
        };
        let diff = unified_diff(&old_text, &text, "previous", "applied");
        let v = praetor_store::insert(
            w.txn(),
            policy_version::Model {
                id: PolicyVersionId::generate(),
                org_id: org,
                project_id: scope_project,
                scope: scope_project.map(|p| p.to_string()).unwrap_or_else(|| "org".into()),
                label: label.clone(),
                version: prev.as_ref().map(|p| p.version + 1).unwrap_or(1),
                hash: hash.clone(),
                sources: stored.clone(),
                author: author_json.clone(),
                diff,
                comment: comment.clone(),
                created_at: w.now(),
            },
        )
        .await
        .map_err(|e| match Error::from(e) {
            Error::Conflict(_) => {
                Error::Conflict("another policy change was applied at the same time; try again".into())
            }
            other => other,
        })?;
        w.audit(
            tenant,
            Entry::new(
                "policy.applied",
                v.id,
                json!({"scope": label, "version": v.version, "hash": v.hash, "files": sources.iter().map(|s| s.name.clone()).collect::<Vec<_>>(), "warnings": warnings.len(), "comment": comment}),
            )
            .in_project(scope_project),
        )
        .await?;
        versions.push(v);
    }
    // Proposals against what was in force before are superseded: none can be approved now.
    let decided = decision.as_ref().map(|d| d.change.id);
    for v in &versions {
        for stale in policy_change::pending_of_scope(w.txn(), tenant, v.project_id).await? {
            if Some(stale.id) == decided {
                continue;
            }
            let mut next = stale.clone();
            next.status = "superseded".into();
            next.decided_at = Some(w.now());
            praetor_store::update(w.txn(), &stale, next).await?;
            w.audit(
                tenant,
                Entry::new("policy.change_superseded", stale.id, json!({"hash": stale.hash, "by": v.id.to_string()}))
                    .in_project(stale.project_id),
            )
            .await?;
        }
    }
    w.commit().await?;
    Ok(Applied { versions, warnings, pending: None })
}

/// Whether the project's own part of `tree` is what its newest version holds, compiled
/// against the organization's documents of `tree` (as it will be once they are in force).
async fn same_part(
    app: &AppState,
    tenant: Tenant,
    project: Option<ProjectId>,
    tree: &Tree,
    label: &str,
) -> Result<bool> {
    let Some(prev) = latest(&app.db, tenant, project).await? else { return Ok(false) };
    let Some(new) = tree.projects.get(label).map(PolicySet::content_hash) else { return Ok(false) };
    let base = tree.base.clone();
    let old = app
        .cpu
        .run(move || crate::governance::policy::compile_stored(&prev, Some(&base)).map(|s| s.content_hash()))
        .await?;
    // A stored version that no longer compiles is replaced.
    Ok(old.is_ok_and(|h| h == new))
}

/// Stores version `n` of a scope's documents again, as its newest version.
pub async fn rollback(
    app: &AppState,
    access: &OrgAccess,
    project: Option<&project::Model>,
    n: i64,
    comment: &str,
) -> Result<policy_version::Model> {
    let domain = project.map(|p| Domain::Project(p.id)).unwrap_or(Domain::Org);
    access.permit::<ops::PolicyWrite>(domain)?;
    let target = crate::governance::policy::by_number(&app.db, access.tenant(), project.map(|p| p.id), n).await?;
    let sources = sources_of(&target)?;
    let note = if comment.trim().is_empty() {
        format!("rollback to version {n}")
    } else {
        format!("rollback to version {n}: {comment}")
    };
    let applied = apply(app, access, project, sources, &note).await?;
    if let Some(pending) = applied.pending {
        // Nothing is in force yet: the rollback waits like any other change.
        return Err(Error::ApprovalRequired(format!(
            "policy changes here need a second person's approval: the rollback to version {n} is pending as {}",
            pending.id
        )));
    }
    let label = project.map(|p| p.slug.clone()).unwrap_or_else(|| "org".into());
    applied
        .versions
        .into_iter()
        .find(|v| v.label == label)
        .ok_or_else(|| Error::Conflict(format!("version {n} is already the one in force")))
}

/// The versions of a scope, newest first. Needs `policy.read`.
pub async fn list(
    app: &AppState,
    access: &OrgAccess,
    project: Option<ProjectId>,
    args: PageArgs<i64>,
) -> Result<Page<policy_version::Model>> {
    access.read_permit::<ops::PolicyRead>(project.map(Domain::Project).unwrap_or(Domain::Org), "policy")?;
    let scope = project.map(|p| p.to_string()).unwrap_or_else(|| "org".into());
    let rows = policy_version::newest_first(&app.db, access.tenant(), &scope, args.after, args.fetch_limit()).await?;
    Ok(Page::from_overfetch(rows, args.first))
}

/// Sources given as `(name, text)` pairs, named for diagnostics.
pub fn named_sources(items: Vec<(String, String)>) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for (i, (name, text)) in items.into_iter().enumerate() {
        let name = if name.trim().is_empty() { format!("source-{}.yaml", i + 1) } else { name };
        if name.len() > 200 {
            return Err(Error::validation(format!("sources[{i}].name"), "at most 200 characters"));
        }
        out.push(Source::new(name, text));
    }
    Ok(out)
}

/// How `action` with `params` would be decided in `project` now, with every rule consulted.
/// Needs `policy.read` in the project.
pub async fn explain(
    app: &AppState,
    access: &OrgAccess,
    project: &project::Model,
    action: &str,
    params: serde_json::Value,
) -> Result<(Arc<crate::governance::policy::Loaded>, crate::governance::pipeline::StepDecision, praetor_policy::Decision)>
{
    access.read_permit::<ops::PolicyRead>(Domain::Project(project.id), "project")?;
    let policy = app.policies.effective(&app.db, access.tenant(), Some(project.id)).await?;
    let now = app.clock.now();
    let step = praetor_domain::plan::Step {
        id: "explain".into(),
        action: action.to_string(),
        params,
        when: None,
        on_failure: Default::default(),
    };
    let step = super::plans::prepare_steps(&policy.effective, vec![step], None, None, now)?.remove(0);
    let state = crate::engine::store::current_state(&app.db, access.tenant(), project.id).await?;
    let groups = super::plans::groups_of(app, access, access.principal()).await?;
    let principal = crate::governance::pipeline::principal_value(access.principal(), &groups);
    let steps = std::slice::from_ref(&step);
    let request = crate::governance::load::For {
        tenant: access.tenant(),
        project: project.id,
        effective: &policy.effective,
        principal: &principal,
        steps,
        phase: praetor_domain::snapshot::Phase::Propose,
        now,
    };
    let gov = crate::governance::load::snapshot(&app.db, Some(&app.kills), &request).await?;
    let rights = crate::governance::pipeline::rights_of(access, project.id, steps);
    let ctx = crate::governance::pipeline::DecisionContext {
        org: access.org_id(),
        project: project.id,
        state: &state,
        now,
        policy: policy.clone(),
        principal: principal.clone(),
        rights: &rights,
        gov: &gov,
        plan: None,
    };
    let decision = crate::governance::pipeline::decide(crate::metrics::Stage::Explain, &ctx, steps);
    // The rules consulted come from the same decision: nothing is evaluated twice.
    let traces = decision.steps.first().and_then(|s| s.rules.clone()).unwrap_or_else(|| praetor_policy::Decision {
        effect: praetor_policy::document::Effect::Allow,
        approvals: Vec::new(),
        reasons: Vec::new(),
        decided_by: None,
    });
    let plan_checks = decision.checks.clone();
    let plan_approvals = decision.approvals.clone();
    let mut step_decision = decision.steps.into_iter().next().ok_or_else(|| Error::internal("no decision"))?;
    // The explanation covers the whole decision: the plan-level checks (budget, autonomy) too.
    for c in plan_checks {
        step_decision.verdict = step_decision.verdict.max(c.verdict);
        step_decision.checks.push(c);
    }
    for a in plan_approvals {
        if !step_decision.approvals.contains(&a) {
            step_decision.approvals.push(a);
        }
    }
    Ok((policy, step_decision, traces))
}

/// How recorded decisions would change under `policy`: the last `limit` decisions of the
/// projects given, each re-decided with the principal, plan and state it recorded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Impact {
    pub checked: u64,
    pub newly_denied: u64,
    pub newly_allowed: u64,
    pub newly_needing_approval: u64,
    pub unchanged: u64,
}

pub async fn impact(
    app: &AppState,
    access: &OrgAccess,
    project: ProjectId,
    policy: &crate::governance::policy::Loaded,
    limit: u64,
) -> Result<Impact> {
    use praetor_store::decision;
    let rows = decision::latest_of_project(&app.db, access.tenant(), project, limit).await?;
    let inputs = rows.iter().map(crate::governance::pipeline::read_recorded).collect::<Result<Vec<_>>>()?;
    let wanted: BTreeSet<i64> = inputs.iter().flatten().map(|r| r.project_seq).collect();
    let changes = match wanted.iter().max() {
        Some(max) => crate::engine::replay::project_changes(&app.db, access.tenant(), project, Some(*max)).await?,
        None => Vec::new(),
    };
    let policy = Arc::new(policy.clone());
    // Folding states and re-deciding is CPU work: off the async threads.
    app.cpu.run(move || re_decide(&rows, &inputs, &changes, &wanted, policy)).await?
}

/// Each recorded decision made again under `policy`: the same pipeline, the recorded inputs.
fn re_decide(
    rows: &[praetor_store::decision::Model],
    inputs: &[Option<crate::governance::pipeline::Recorded>],
    changes: &[praetor_store::plan_event::Model],
    wanted: &BTreeSet<i64>,
    policy: Arc<crate::governance::policy::Loaded>,
) -> Result<Impact> {
    use crate::governance::pipeline::Verdict;
    let states = crate::engine::replay::states_at(changes, wanted)?;
    let mut out = Impact::default();
    let empty = praetor_domain::state::empty();
    for (d, input) in rows.iter().zip(inputs) {
        // Recorded before decisions carried their inputs: it cannot be made again.
        let Some(input) = input else { continue };
        let state = states.get(&input.project_seq).unwrap_or(&empty);
        let again = input.decide_again(d.org_id, d.project_id, policy.clone(), state);
        out.checked += 1;
        let before = d.verdict.as_str();
        match (before, again.verdict) {
            (b, Verdict::Denied) if b != "denied" => out.newly_denied += 1,
            (b, Verdict::Allowed) if b != "allowed" => out.newly_allowed += 1,
            ("allowed", Verdict::NeedsApproval) => out.newly_needing_approval += 1,
            _ => out.unchanged += 1,
        }
    }
    Ok(out)
}
