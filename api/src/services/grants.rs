//! Time-boxed role grants: just-in-time access that ends by itself.
//!
//! Someone who may bind roles in a scope (`role.bind`) grants a role to anyone for a bounded
//! time; anyone in the organization may ask for a role for themselves. Policy (`grants:`) sets
//! the longest duration and whether a grant needs a second person's approval; a request for
//! oneself always does. The approver needs `role.bind` in the scope and is neither the requester
//! nor the person who would get the role. A grant counts only between `valid_from` and
//! `valid_until`: the organization's RBAC rules reload when one starts or ends, so expiry holds
//! at the moment of every decision, not only when the cleanup sweep marks it expired.

use chrono::{DateTime, Duration, Utc};
use praetor_domain::GrantStatus;
use praetor_store::{Owned, ProjectId, RoleGrantId, project, role_grant};
use serde_json::json;

use super::roles::BindingSubject;
use super::validate;
use crate::AppState;
use crate::audit::Entry;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::error::{Error, Result};

/// The longest grant when no policy says otherwise.
pub const DEFAULT_MAX_HOURS: i64 = 24;
/// How far ahead a grant may start.
pub const MAX_LEAD_DAYS: i64 = 30;

/// What a grant request asks for.
pub struct Request {
    pub subject: BindingSubject,
    pub role: String,
    pub project: Option<ProjectId>,
    pub from: Option<DateTime<Utc>>,
    pub until: DateTime<Utc>,
    pub reason: String,
}

/// A grant's status as people see it: `pending`, `active` (and inside its interval),
/// `scheduled` (approved, not started), `expired`, `rejected` or `revoked`.
pub fn display_status(g: &role_grant::Model, now: DateTime<Utc>) -> GrantStatus {
    match g.status.as_str() {
        "pending" if g.valid_until <= now => GrantStatus::Expired,
        "pending" => GrantStatus::Pending,
        "active" | "expired" if g.valid_until <= now => GrantStatus::Expired,
        "active" if g.valid_from > now => GrantStatus::Scheduled,
        "active" => GrantStatus::Active,
        "rejected" => GrantStatus::Rejected,
        _ => GrantStatus::Revoked,
    }
}

fn domain_of(project: Option<ProjectId>) -> Domain {
    project.map(Domain::Project).unwrap_or(Domain::Org)
}

/// Grants (or asks for) `req.role`. Returns the grant, `pending` when it needs approval.
pub async fn grant(app: &AppState, access: &OrgAccess, req: Request) -> Result<role_grant::Model> {
    super::roles::check_role(&req.role, req.project.is_some(), "granted org-wide")?;
    if let Some(p) = req.project {
        super::projects::find_by_id(app, access, p).await?;
    }
    let reason = validate::text("reason", &req.reason, 2_000)?;
    if reason.trim().is_empty() {
        return Err(Error::validation("reason", "say why the access is needed"));
    }
    let now = app.clock.now();
    let from = req.from.unwrap_or(now);
    if from < now - Duration::minutes(1) {
        return Err(Error::validation("from", "a grant cannot start in the past"));
    }
    if from > now + Duration::days(MAX_LEAD_DAYS) {
        return Err(Error::validation("from", format!("a grant starts within {MAX_LEAD_DAYS} days")));
    }
    if req.until <= from {
        return Err(Error::validation("until", "must be after the start"));
    }
    let policy = app.policies.effective(&app.db, access.tenant(), req.project).await?;
    let (max, policy_needs_approval) = policy.effective.grants().unwrap_or((Duration::hours(DEFAULT_MAX_HOURS), false));
    if req.until - from > max {
        return Err(Error::validation(
            "until",
            format!("a grant lasts at most {}h here (policy `grants.maxDuration`)", max.num_minutes() as f64 / 60.0),
        ));
    }
    let domain = domain_of(req.project);
    let may_bind = access.may::<ops::RoleBind>(domain);
    let principal = access.principal();
    let mut w = app.write(principal.chain()).await?;
    let org = access.org_id();
    // Without `role.bind` one may only ask for oneself.
    match &req.subject {
        BindingSubject::UserEmail(email) if !may_bind => {
            let email = validate::email("subject.userEmail", email)?;
            if !principal.user().is_some_and(|u| u.email.eq_ignore_ascii_case(&email)) {
                return Err(Error::forbidden(format!(
                    "without `role.bind` in {} you may only ask for access for yourself",
                    if req.project.is_some() { "the project" } else { "the organization" }
                )));
            }
        }
        _ if !may_bind => {
            return Err(Error::forbidden("granting to a group or service account needs `role.bind`"));
        }
        _ => {}
    }
    let (kind, id, label) = super::roles::resolve_subject(&mut w, access.tenant(), req.subject).await?;
    let needs_approval = !may_bind || policy_needs_approval;
    let status = if needs_approval { "pending" } else { "active" };
    let grant = praetor_store::insert(
        w.txn(),
        role_grant::Model {
            id: RoleGrantId::generate(),
            org_id: org,
            subject_kind: kind.into(),
            subject_id: id,
            subject_label: label.clone(),
            role: req.role.clone(),
            domain: req.project.map(|p| p.to_string()).unwrap_or_else(|| "*".into()),
            project_id: req.project,
            valid_from: from,
            valid_until: req.until,
            reason: reason.clone(),
            status: status.into(),
            requested_by: principal.chain_json()?,
            requested_by_subject: principal.rbac_subject(),
            decided_by: None,
            decided_at: None,
            created_at: w.now(),
        },
    )
    .await?;
    if !needs_approval {
        w.bump_rbac_version(access.tenant()).await?;
    }
    let kind_name = if needs_approval { "role.grant_requested" } else { "role.granted_temporarily" };
    w.audit(
        access.tenant(),
        Entry::new(
            kind_name,
            grant.id,
            json!({
                "subjectKind": kind, "subject": label, "role": req.role, "scope": grant.domain,
                "from": from.to_rfc3339(), "until": req.until.to_rfc3339(), "reason": reason,
            }),
        )
        .in_project(grant.project_id),
    )
    .await?;
    w.commit().await?;
    Ok(grant)
}

/// A grant the caller may see: their own, or any in a scope where they may read roles.
pub async fn find(app: &AppState, access: &OrgAccess, id: RoleGrantId) -> Result<role_grant::Model> {
    let g = role_grant::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("role grant"))?;
    if g.requested_by_subject != access.principal().rbac_subject() {
        access.read_permit::<ops::RoleRead>(domain_of(g.project_id), "role grant")?;
    }
    Ok(g)
}

/// Why `principal` may not decide on `g` though it may bind roles, if it may not.
fn separation_of_duties(principal: &crate::auth::Principal, g: &role_grant::Model) -> Option<&'static str> {
    if principal.rbac_subject() == g.requested_by_subject {
        return Some("the person who asked for a grant cannot decide on it");
    }
    if g.subject_kind == "user" && principal.user().is_some_and(|u| u.id.0 == g.subject_id) {
        return Some("you cannot approve access for yourself");
    }
    if principal.user().is_none() {
        return Some("only a person can approve access");
    }
    None
}

/// Whether the caller may approve or reject `g` now: it waits for a decision, the caller may
/// bind roles in its scope, and is neither its requester nor its grantee.
pub fn may_decide(access: &OrgAccess, g: &role_grant::Model, now: DateTime<Utc>) -> bool {
    display_status(g, now) == GrantStatus::Pending
        && access.may::<ops::RoleBind>(domain_of(g.project_id))
        && separation_of_duties(access.principal(), g).is_none()
}

/// Approves or rejects a pending grant. Needs `role.bind` in its scope; the requester and the
/// person who would get the role cannot decide.
pub async fn decide(
    app: &AppState,
    access: &OrgAccess,
    id: RoleGrantId,
    approve: bool,
    comment: &str,
) -> Result<role_grant::Model> {
    let comment = validate::text("comment", comment, 2_000)?;
    let g = find(app, access, id).await?;
    let permit = access.permit::<ops::RoleBind>(domain_of(g.project_id))?;
    let principal = permit.principal();
    if let Some(why) = separation_of_duties(principal, &g) {
        return Err(Error::forbidden(why));
    }
    let mut w = app.write(principal.chain()).await?;
    let fresh =
        role_grant::lock(w.txn(), access.tenant(), g.id).await?.ok_or_else(|| Error::not_found("role grant"))?;
    if fresh.status != "pending" {
        return Err(Error::Conflict(format!("the grant is {}, not waiting for a decision", fresh.status)));
    }
    if fresh.valid_until <= w.now() {
        return Err(Error::Conflict("the grant's time is already over".into()));
    }
    let active_before = fresh.clone();
    let mut active = fresh.clone();
    active.status = if approve { "active" } else { "rejected" }.into();
    active.decided_by = Some(principal.chain_json()?);
    active.decided_at = Some(w.now());
    // The access starts when it is approved, for as long as was asked, unless the request
    // asked for a start still to come: time spent waiting for an approver is not taken off it.
    if approve && fresh.valid_from < w.now() {
        active.valid_from = w.now();
        active.valid_until = w.now() + (fresh.valid_until - fresh.valid_from);
    }
    let g = praetor_store::update(w.txn(), &active_before, active).await?;
    if approve {
        w.bump_rbac_version(access.tenant()).await?;
    }
    let kind = if approve { "role.grant_approved" } else { "role.grant_rejected" };
    w.audit(
        access.tenant(),
        Entry::new(
            kind,
            g.id,
            json!({"subject": g.subject_label, "role": g.role, "scope": g.domain, "comment": comment,
                   "from": g.valid_from.to_rfc3339(), "until": g.valid_until.to_rfc3339()}),
        )
        .in_project(g.project_id),
    )
    .await?;
    w.commit().await?;
    Ok(g)
}

/// Ends a grant early. Needs `role.bind` in its scope.
pub async fn revoke(app: &AppState, access: &OrgAccess, id: RoleGrantId, reason: &str) -> Result<role_grant::Model> {
    let reason = validate::text("reason", reason, 2_000)?;
    let g = find(app, access, id).await?;
    let permit = access.permit::<ops::RoleBind>(domain_of(g.project_id))?;
    let mut w = app.write(permit.principal().chain()).await?;
    if !matches!(g.status.as_str(), "active" | "pending") || g.valid_until <= w.now() {
        return Err(Error::Conflict("the grant is already over".into()));
    }
    let active_before = g.clone();
    let mut active = g.clone();
    active.status = "revoked".into();
    active.decided_by = Some(permit.principal().chain_json()?);
    active.decided_at = Some(w.now());
    let g = praetor_store::update(w.txn(), &active_before, active).await?;
    w.bump_rbac_version(access.tenant()).await?;
    w.audit(
        access.tenant(),
        Entry::new("role.grant_revoked", g.id, json!({"subject": g.subject_label, "role": g.role, "reason": reason})),
    )
    .await?;
    w.commit().await?;
    Ok(g)
}

/// Grants the caller may see, newest first: every grant of the scopes where they may read
/// roles, and their own requests. `open` keeps only pending, scheduled and active ones.
pub async fn list(app: &AppState, access: &OrgAccess, open: bool, first: u64) -> Result<Vec<role_grant::Model>> {
    let now = app.clock.now();
    let me = access.principal().rbac_subject();
    Ok(role_grant::newest(&app.db, access.tenant(), open.then_some(now), 1_000)
        .await?
        .into_iter()
        .filter(|g| g.requested_by_subject == me || access.may::<ops::RoleRead>(domain_of(g.project_id)))
        .take(first as usize)
        .collect())
}

/// Marks grants whose time is over as expired, with an audit entry each (housekeeping: RBAC
/// stopped counting them the moment they ended).
pub async fn expire_due(app: &AppState) -> Result<u64> {
    let now = app.clock.now();
    // Across organizations; each grant is then handled inside its own.
    let due = role_grant::ended(&app.db, now, app.config.worker.only_org(), 100).await?;
    let mut n = 0;
    for g in due {
        let actor = vec![crate::auth::ActorRef::engine()];
        let mut w = app.write(actor).await?;
        if !role_grant::swap_status(w.txn(), g.tenant(), g.id, "active", "expired").await? {
            continue;
        }
        w.bump_rbac_version(g.tenant()).await?;
        w.audit(
            g.tenant(),
            Entry::new(
                "role.grant_expired",
                g.id,
                json!({"subject": g.subject_label, "role": g.role, "scope": g.domain, "until": g.valid_until.to_rfc3339()}),
            ),
        )
        .await?;
        w.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// The project a grant applies to, if it exists (for display).
pub async fn project_of(app: &AppState, g: &role_grant::Model) -> Result<Option<project::Model>> {
    match g.project_id {
        None => Ok(None),
        Some(p) => Ok(project::by_id(&app.db, g.tenant(), p).await?),
    }
}
