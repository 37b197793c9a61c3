//! Daily budgets, per project and per organization (the organization's caps the sum of its
//! projects).
//!
//! Each budget scope keeps one ledger row per local day (in the budget's time zone, so the day
//! turns over at local midnight whatever DST does). A plan's estimated cost is **reserved** when
//! it is queued — on the project's row and the organization's row together, under their row
//! locks, and only if `spent + reserved + cost` stays within every limit — so however many plans
//! race, no ledger ever promises more than its limit. Each step that succeeds **settles** its
//! actual cost (reserved becomes spent); when the plan ends, what it did not use is released.
//! Crossing an alert threshold (e.g. 80 %) writes an audit entry, once per threshold and day.
//!
//! Lock order, shared by every writer: a plan's row, then the project ledger, then the org
//! ledger, then the audit chain head. Callers that might reserve lock the ledgers before they
//! append anything audited.

use chrono::{DateTime, Utc};
pub use praetor_domain::snapshot::Exceeded;
use praetor_policy::decide::Effective;
use praetor_store::{BudgetDayId, OrgId, Owned, ProjectId, Tenant, budget_day, budget_reservation, plan};
use serde_json::json;

use crate::audit::Entry;
use crate::error::{Error, Result};
use crate::write::Write;
use praetor_domain::snapshot::BudgetState;

pub use praetor_domain::decide::budget::*;

async fn row<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    scope: &str,
    day: &str,
) -> Result<Option<budget_day::Model>> {
    Ok(budget_day::of(db, tenant, scope, day).await?)
}

/// The ledger row of a scope and day, created if missing, locked until the transaction ends.
async fn lock_row<C: praetor_store::Conn>(
    txn: &C,
    tenant: Tenant,
    scope: &str,
    project: Option<ProjectId>,
    day: &str,
    now: DateTime<Utc>,
) -> Result<budget_day::Model> {
    let org = tenant.org();
    let fresh = budget_day::Model {
        id: BudgetDayId::generate(),
        org_id: org,
        scope: scope.to_string(),
        project_id: project,
        day: day.to_string(),
        spent: 0.0,
        reserved: 0.0,
        alerts: "[]".into(),
        forecast_alert: String::new(),
        updated_at: now,
    };
    budget_day::lock_or_insert(txn, tenant, fresh).await?.ok_or_else(|| Error::internal("budget ledger row vanished"))
}

fn state(spec: &Spec, r: Option<&budget_day::Model>, now: DateTime<Utc>) -> BudgetState {
    let (day, start, next) = local_day(spec.tz, now);
    BudgetState {
        level: spec.level.to_string(),
        policy: spec.policy.clone(),
        limit: spec.limit,
        unit: spec.unit.clone(),
        timezone: spec.tz.name().to_string(),
        day,
        spent: r.map(|r| r.spent).unwrap_or(0.0),
        reserved: r.map(|r| r.reserved).unwrap_or(0.0),
        alert_at: spec.alert_at.clone(),
        day_start: start,
        resets_at: next,
    }
}

/// Today's state of the project's and the organization's budgets (those with a limit),
/// project first.
pub async fn states<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    project: ProjectId,
    effective: &Effective,
    now: DateTime<Utc>,
) -> Result<Vec<BudgetState>> {
    let (p, o) = specs(effective);
    let wanted: Vec<(&Spec, String, String)> = [(p.as_ref(), scope_of(project)), (o.as_ref(), ORG_SCOPE.to_string())]
        .into_iter()
        .filter_map(|(spec, scope)| spec.map(|s| (s, scope, local_day(s.tz, now).0)))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    // Both ledgers in one query.
    let scopes = wanted.iter().map(|(_, s, _)| s.clone());
    let rows = budget_day::of_any(db, tenant, scopes, wanted.iter().map(|(_, _, d)| d.clone())).await?;
    Ok(wanted
        .iter()
        .map(|(spec, scope, day)| state(spec, rows.iter().find(|r| &r.scope == scope && &r.day == day), now))
        .collect())
}

/// A budget scope's day as shown to people: spending is tracked even without a limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub limit: Option<f64>,
    pub unit: String,
    pub timezone: String,
    pub policy: Option<String>,
    pub day: String,
    pub spent: f64,
    pub reserved: f64,
    /// When today started.
    pub day_start: DateTime<Utc>,
    pub resets_at: DateTime<Utc>,
    pub alert_at: Vec<f64>,
}

/// The budget of a project (`Some`) or of the organization (`None`) today.
pub async fn status<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    project: Option<ProjectId>,
    effective: &Effective,
    now: DateTime<Utc>,
) -> Result<Status> {
    let _org = tenant.org();
    let (p, o) = specs(effective);
    let spec = if project.is_some() { p } else { o };
    let tz = tz_of(spec.as_ref());
    let (day, start, next) = local_day(tz, now);
    let scope = project.map(scope_of).unwrap_or_else(|| ORG_SCOPE.to_string());
    let r = row(db, tenant, &scope, &day).await?;
    Ok(Status {
        limit: spec.as_ref().map(|s| s.limit),
        unit: spec.as_ref().map(|s| s.unit.clone()).unwrap_or_else(|| "credits".into()),
        timezone: tz.name().to_string(),
        policy: spec.as_ref().map(|s| s.policy.clone()),
        day,
        spent: r.as_ref().map(|r| r.spent).unwrap_or(0.0),
        reserved: r.as_ref().map(|r| r.reserved).unwrap_or(0.0),
        day_start: start,
        resets_at: next,
        alert_at: spec.map(|s| s.alert_at).unwrap_or_default(),
    })
}

/// Locks the project's and the organization's ledgers for today (in that order), for a
/// transaction that may reserve. Call before anything in the transaction is audited.
pub async fn lock_ledgers<C: praetor_store::Conn>(
    txn: &C,
    tenant: Tenant,
    project: ProjectId,
    effective: &Effective,
    now: DateTime<Utc>,
) -> Result<(budget_day::Model, budget_day::Model)> {
    let _org = tenant.org();
    let (p, o) = specs(effective);
    let (pday, _, _) = local_day(tz_of(p.as_ref()), now);
    let (oday, _, _) = local_day(tz_of(o.as_ref()), now);
    let prow = lock_row(txn, tenant, &scope_of(project), Some(project), &pday, now).await?;
    let orow = lock_row(txn, tenant, ORG_SCOPE, None, &oday, now).await?;
    Ok((prow, orow))
}

/// What happened to a reservation request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reserved {
    /// Held on the ledgers (or nothing to hold: a free plan).
    Yes,
    No(Exceeded),
}

/// Reserves `plan`'s estimated cost for today, if every budget has room. Free plans reserve
/// nothing. Alerts for thresholds crossed are audited in `w`.
pub async fn reserve(w: &mut Write<'_>, plan: &plan::Model, effective: &Effective) -> Result<Reserved> {
    let cost = plan.cost.max(0.0);
    if cost <= 0.0 {
        return Ok(Reserved::Yes);
    }
    let now = w.now();
    let held = match hold(w.txn(), plan.tenant(), plan.project_id, effective, cost, now).await? {
        Ok(held) => held,
        Err(x) => return Ok(Reserved::No(x)),
    };
    praetor_store::insert(
        w.txn(),
        budget_reservation::Model {
            plan_id: plan.id,
            org_id: plan.org_id,
            project_id: plan.project_id,
            project_day: held.project_day,
            org_day: held.org_day,
            amount: cost,
            estimated: cost,
            settled: 0.0,
            created_at: now,
        },
    )
    .await?;
    for crossing in held.crossed {
        audit_crossing(w, crossing, plan).await?;
    }
    w.budget_reserved(plan.tenant(), Some(plan.project_id));
    w.budget_reserved(plan.tenant(), None);
    Ok(Reserved::Yes)
}

/// A threshold a ledger change crossed.
pub struct Crossing {
    spec: Spec,
    org: OrgId,
    scope: String,
    day: String,
    threshold: f64,
    spent: f64,
    reserved: f64,
}

/// What [`hold`] took.
pub struct Held {
    pub project_day: String,
    pub org_day: String,
    pub crossed: Vec<Crossing>,
}

/// Adds `cost` to today's reserved amount of the project's and the organization's ledgers if
/// every budget has room (the admission half of a reservation, under the ledgers' row locks).
pub async fn hold<C: praetor_store::Conn>(
    txn: &C,
    tenant: Tenant,
    project: ProjectId,
    effective: &Effective,
    cost: f64,
    now: DateTime<Utc>,
) -> Result<std::result::Result<Held, Exceeded>> {
    let _org = tenant.org();
    let (p, o) = specs(effective);
    let (prow, orow) = lock_ledgers(txn, tenant, project, effective, now).await?;
    for (spec, r) in [(&p, &prow), (&o, &orow)] {
        if let Some(spec) = spec
            && let Some(x) = check(&[state(spec, Some(r), now)], cost)
        {
            return Ok(Err(x));
        }
    }
    let mut held = Held { project_day: prow.day.clone(), org_day: orow.day.clone(), crossed: Vec::new() };
    for (spec, r) in [(p, prow), (o, orow)] {
        let (spent, reserved) = (r.spent, r.reserved + cost);
        held.crossed.extend(update(txn, r, spent, reserved, spec.as_ref(), now).await?);
    }
    Ok(Ok(held))
}

async fn audit_crossing(w: &mut Write<'_>, c: Crossing, plan: &plan::Model) -> Result<()> {
    let subject = if c.scope == ORG_SCOPE { c.org.to_string() } else { c.scope.clone() };
    w.audit(
        plan.tenant(),
        Entry::new(
            "budget.threshold_crossed",
            subject,
            json!({
                "level": c.spec.level, "policy": c.spec.policy, "threshold": c.threshold, "limit": c.spec.limit,
                "spent": c.spent, "reserved": c.reserved, "day": c.day, "unit": c.spec.unit,
                "plan": plan.id.to_string(),
            }),
        )
        .in_project(plan.project_id),
    )
    .await
}

/// Writes a ledger row's new figures; returns the alert thresholds they cross (once per day).
async fn update<C: praetor_store::Conn>(
    txn: &C,
    r: budget_day::Model,
    spent: f64,
    reserved: f64,
    spec: Option<&Spec>,
    now: DateTime<Utc>,
) -> Result<Vec<Crossing>> {
    let mut raised: Vec<f64> = crate::error::stored("the alerts of a budget ledger", &r.alerts)?;
    let mut crossed = Vec::new();
    if let Some(spec) = spec {
        for t in &spec.alert_at {
            let committed = spent + reserved;
            if committed >= spec.limit * t - 1e-9 && !raised.iter().any(|x| (x - t).abs() < 1e-9) {
                raised.push(*t);
                crossed.push(Crossing {
                    spec: spec.clone(),
                    org: r.org_id,
                    scope: r.scope.clone(),
                    day: r.day.clone(),
                    threshold: *t,
                    spent,
                    reserved,
                });
            }
        }
    }
    let active_before = r.clone();
    let mut active = r.clone();
    active.spent = spent;
    active.reserved = reserved.max(0.0);
    active.alerts = serde_json::to_string(&raised).unwrap_or_else(|_| "[]".into());
    active.updated_at = now;
    praetor_store::update(txn, &active_before, active).await?;
    Ok(crossed)
}

/// Settles a step's actual cost (`cost`) and, when `finished`, releases what the plan did not
/// use. Plans that reserved nothing have nothing to settle. Runs before the transaction audits
/// anything (see the lock order above).
pub async fn settle(w: &mut Write<'_>, plan: &plan::Model, cost: f64, finished: bool) -> Result<()> {
    let Some(res) = budget_reservation::of_plan(w.txn(), plan.tenant(), plan.id).await? else {
        return Ok(());
    };
    if cost <= 0.0 && !finished {
        return Ok(());
    }
    let now = w.now();
    let take = cost.max(0.0).min(res.amount);
    let release = if finished { res.amount - take } else { 0.0 };
    let policy = w.app().policies.effective(w.txn(), plan.tenant(), Some(plan.project_id)).await?;
    let (p, o) = specs(&policy.effective);
    let prow =
        lock_row(w.txn(), plan.tenant(), &scope_of(plan.project_id), Some(plan.project_id), &res.project_day, now)
            .await?;
    let orow = lock_row(w.txn(), plan.tenant(), ORG_SCOPE, None, &res.org_day, now).await?;
    let mut crossed = Vec::new();
    for (spec, r) in [(p, prow), (o, orow)] {
        let spent = r.spent + cost.max(0.0);
        let reserved = r.reserved - take - release;
        crossed.extend(update(w.txn(), r, spent, reserved, spec.as_ref(), now).await?);
    }
    for c in crossed {
        audit_crossing(w, c, plan).await?;
    }
    if finished {
        budget_reservation::delete_of_plan(w.txn(), plan.tenant(), res.plan_id).await?;
    } else {
        let active_before = res.clone();
        let mut active = res.clone();
        active.amount = res.amount - take;
        active.settled = res.settled + cost.max(0.0);
        praetor_store::update(w.txn(), &active_before, active).await?;
    }
    Ok(())
}
