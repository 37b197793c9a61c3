//! Kill switches: engage and release, for one project, one organization or the whole instance.
//!
//! Engaging stops everything in scope: no new step starts (the executor asks before each step
//! and while a handler runs), running plans are killed — the step in progress is cancelled and
//! completed steps compensated where defined — and queued plans are held. Releasing either
//! resumes the held plans or cancels them, as the releaser chooses. Who, why and when are in
//! the audit chain of every organization concerned.

use chrono::{DateTime, Utc};
use praetor_store::{Housekeeping, KillSwitchId, OrgId, PlanId, ProjectId, Tenant, job, kill_switch, org, plan};
use serde_json::json;

use crate::AppState;
use crate::audit::Entry;
use crate::auth::{ActorRef, Principal};
use crate::authz::ops;
use crate::authz::{Domain, InstanceAdmin, OrgAccess};
use crate::engine::store;
use crate::error::{Error, Result};
use crate::governance::kill::scope_key;
use praetor_domain::plan::{PlanEvent, PlanStatus};

/// What a switch covers, with the proof that the caller may set it.
pub enum Scope<'a> {
    Global(&'a InstanceAdmin),
    Org(&'a OrgAccess),
    Project(&'a OrgAccess, ProjectId),
}

impl Scope<'_> {
    fn ids(&self) -> (Option<OrgId>, Option<ProjectId>) {
        match self {
            Scope::Global(_) => (None, None),
            Scope::Org(a) => (Some(a.org_id()), None),
            Scope::Project(a, p) => (Some(a.org_id()), Some(*p)),
        }
    }

    /// The organization an org or project switch belongs to, as the caller's access reaches it.
    fn tenant(&self) -> Option<Tenant> {
        match self {
            Scope::Global(_) => None,
            Scope::Org(a) | Scope::Project(a, _) => Some(a.tenant()),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Scope::Global(_) => "global",
            Scope::Org(_) => "org",
            Scope::Project(..) => "project",
        }
    }

    fn principal(&self) -> &Principal {
        match self {
            Scope::Global(ia) => ia.principal(),
            Scope::Org(a) | Scope::Project(a, _) => a.principal(),
        }
    }

    /// Checks that the caller may set this switch (`killswitch.set` in the scope).
    fn authorize(&self) -> Result<()> {
        match self {
            Scope::Global(_) => Ok(()),
            Scope::Org(a) => a.permit::<ops::KillSwitchSet>(Domain::Org).map(|_| ()),
            Scope::Project(a, p) => a.permit::<ops::KillSwitchSet>(Domain::Project(*p)).map(|_| ()),
        }
    }
}

/// What happens to held plans on release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnRelease {
    Resume,
    Cancel,
}

impl OnRelease {
    pub fn as_str(&self) -> &'static str {
        match self {
            OnRelease::Resume => "resume",
            OnRelease::Cancel => "cancel",
        }
    }
}

/// The outcome of setting a switch.
pub struct Changed {
    pub switch: kill_switch::Model,
    /// Running plans woken to be killed (engage), or held plans resumed or cancelled (release).
    pub plans: usize,
}

/// Organizations whose chains record a change of this scope.
async fn orgs_of(app: &AppState, scope: &Scope<'_>) -> Result<Vec<Tenant>> {
    match scope.tenant() {
        Some(t) => Ok(vec![t]),
        // The instance switch concerns every organization.
        None => {
            let ids = org::ids(&app.db, Housekeeping::InstanceKill, None).await?;
            Ok(ids.into_iter().map(|o| Tenant::housekeeping(o, Housekeeping::InstanceKill)).collect())
        }
    }
}

/// Plans in scope with `status` (the sweep spans organizations only for the instance switch).
async fn plans_in(app: &AppState, scope: &Scope<'_>, status: PlanStatus) -> Result<Vec<(Tenant, PlanId)>> {
    let rows = plan::ids_with_status(&app.db, scope.tenant(), scope.ids().1, status.as_str()).await?;
    Ok(rows.into_iter().map(|(o, p)| (Tenant::housekeeping(o, Housekeeping::InstanceKill), p)).collect())
}

/// Moves the jobs of `plans` to run now and wakes the workers.
async fn wake(app: &AppState, plans: &[(Tenant, PlanId)], now: DateTime<Utc>) -> Result<()> {
    let mut by_tenant: std::collections::BTreeMap<OrgId, (Tenant, Vec<PlanId>)> = Default::default();
    for (tenant, plan) in plans {
        by_tenant.entry(tenant.org()).or_insert_with(|| (*tenant, Vec::new())).1.push(*plan);
    }
    for (tenant, ids) in by_tenant.into_values() {
        for chunk in ids.chunks(500) {
            job::run_plans_at(&app.db, tenant, chunk.iter().copied(), now).await?;
        }
    }
    app.wakeup.notify_waiters();
    app.wakeup.notify_one();
    Ok(())
}

/// Engages (`engaged`) or releases the switch of `scope`.
pub async fn set(
    app: &AppState,
    scope: Scope<'_>,
    engaged: bool,
    reason: &str,
    on_release: OnRelease,
) -> Result<Changed> {
    scope.authorize()?;
    let reason = super::validate::text("reason", reason, 2_000)?;
    if engaged && reason.trim().is_empty() {
        return Err(Error::validation("reason", "say why the kill switch is engaged"));
    }
    let key = {
        let (o, p) = scope.ids();
        scope_key(o, p)
    };
    let chain = scope.principal().chain();
    let orgs = orgs_of(app, &scope).await?;
    let by = chain.last().cloned().unwrap_or_else(|| ActorRef::system("unknown", "unknown"));
    // Released cancelling: the held plans are cancelled while the switch still holds them, so
    // no worker can start one in between (those queued meanwhile are cancelled after).
    let mut cancelled = 0;
    if !engaged && on_release == OnRelease::Cancel {
        let row = kill_switch::by_scope_key(&app.db, &key).await?;
        if row.is_some_and(|k| k.engaged) {
            let held = plans_in(app, &scope, PlanStatus::Queued).await?;
            cancelled = cancel_held(app, &held, &by, &reason).await?;
        }
    }
    let mut w = app.write(chain.clone()).await?;
    let now = w.now();
    let existing = kill_switch::by_scope_key(w.txn(), &key).await?;
    if !engaged && !existing.as_ref().is_some_and(|k| k.engaged) {
        return Err(Error::Conflict("this kill switch is not engaged".into()));
    }
    let (o, p) = scope.ids();
    let before = existing.clone().unwrap_or_else(|| kill_switch::Model {
        id: KillSwitchId::generate(),
        scope_key: key.clone(),
        scope: scope.name().into(),
        org_id: o,
        project_id: p,
        engaged: false,
        reason: String::new(),
        actor: String::new(),
        engaged_at: None,
        released_at: None,
        release_mode: None,
        updated_at: now,
    });
    let mut next = before.clone();
    next.engaged = engaged;
    next.actor = scope.principal().chain_json()?;
    next.updated_at = now;
    if engaged {
        next.reason = reason.clone();
        next.engaged_at = Some(now);
        next.released_at = None;
        next.release_mode = None;
    } else {
        next.released_at = Some(now);
        next.release_mode = Some(on_release.as_str().into());
    }
    let switch = match existing {
        None => praetor_store::insert(w.txn(), next).await?,
        Some(_) => praetor_store::update(w.txn(), &before, next).await?,
    };
    let kind = if engaged { "killswitch.engaged" } else { "killswitch.released" };
    for org in &orgs {
        let payload = json!({
            "scope": scope.name(), "project": p.map(|p| p.to_string()), "reason": reason,
            "onRelease": (!engaged).then(|| on_release.as_str()),
        });
        w.audit(*org, Entry::new(kind, switch.id, payload).in_project(p)).await?;
    }
    w.commit().await?;
    app.kills.invalidate();

    let plans = if engaged {
        // Running plans are woken (a timer may hold them for hours) so the engine kills them now.
        let running = plans_in(app, &scope, PlanStatus::Running).await?;
        wake(app, &running, now).await?;
        running.len()
    } else {
        let held = plans_in(app, &scope, PlanStatus::Queued).await?;
        match on_release {
            OnRelease::Resume => {
                wake(app, &held, now).await?;
                held.len()
            }
            OnRelease::Cancel => cancelled + cancel_held(app, &held, &by, &reason).await?,
        }
    };
    Ok(Changed { switch, plans })
}

/// Cancels the plans held by a switch being released; how many were still queued, and so
/// cancelled.
async fn cancel_held(app: &AppState, held: &[(Tenant, PlanId)], by: &ActorRef, reason: &str) -> Result<usize> {
    let mut cancelled = 0;
    for (org, plan) in held {
        cancelled += usize::from(cancel_one(app, *org, *plan, by, reason).await?);
    }
    Ok(cancelled)
}

/// Cancels one held plan (its own transaction, in the plan's org), if it is still queued.
async fn cancel_one(app: &AppState, tenant: Tenant, id: PlanId, by: &ActorRef, reason: &str) -> Result<bool> {
    let mut w = app.write(vec![by.clone()]).await?;
    let Some(mut p) = plan::lock(w.txn(), tenant, id).await? else {
        return Ok(false);
    };
    let mut view = store::view(w.txn(), &p).await?;
    if view.status != PlanStatus::Queued {
        return Ok(false);
    }
    let why =
        if reason.is_empty() { "held by the kill switch, cancelled on release".to_string() } else { reason.into() };
    store::append(&mut w, &mut p, &mut view, vec![PlanEvent::Cancelled { by: by.clone(), reason: why }]).await?;
    w.commit().await?;
    Ok(true)
}

/// The switch row of a scope, engaged or not.
pub async fn find(
    app: &AppState,
    org: Option<OrgId>,
    project: Option<ProjectId>,
) -> Result<Option<kill_switch::Model>> {
    Ok(kill_switch::by_scope_key(&app.db, &scope_key(org, project)).await?)
}
