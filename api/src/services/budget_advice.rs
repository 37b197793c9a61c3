//! Adaptive budgets: a project's daily limit recommended from its spending (the method is
//! `praetor_domain::recommend`'s), shown with the evidence, and applied as a new version of the
//! project's policy through the normal path (validation, verification, audit, rollback): by
//! someone with `policy.write` in the project, or — only where the organization's policy says
//! `adaptiveBudget: { apply: automatic, min, max }` — by Praetor once a day ([`adapt_all`], the
//! `budgets.adapt` job), kept within those bounds.
//!
//! The history is the project's budget ledger: each local day of the budget's time zone, as the
//! budget counts it (spending is tracked without a limit too). The recommendation is applied as
//! one generated document, `budget-recommendation.yaml`, beside the project's other documents
//! (replacing an earlier one). Limits combine by the strictest, so when another document of the
//! project sets a lower daily budget, applying a higher one would change nothing: that is refused,
//! naming the document to change instead.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use praetor_domain::decide::budget::{scope_of, specs};
use praetor_domain::recommend::{DEFAULT_HEADROOM, Recommendation, WINDOW_DAYS, recommend};
use praetor_entities::{Housekeeping, Owned, ProjectId, Tenant, TenantScoped, budget_day, org, project};
use praetor_policy::Source;
use praetor_policy::decide::Level;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use super::policies::{self, Applied};
use crate::AppState;
use crate::auth::ActorRef;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::error::{Error, Result};
use crate::governance::budget::{self, Status};
use crate::governance::policy::{Loaded, latest, sources_of};

/// The name of the generated document.
pub const DOCUMENT: &str = "budget-recommendation.yaml";
/// Its policy's name, as other documents and decisions name it.
const POLICY_NAME: &str = "budget-recommendation";

/// A project's budget today, the recommendation and what it was made from.
#[derive(Debug, Clone)]
pub struct Advice {
    pub status: Status,
    pub recommendation: Recommendation,
    /// Each whole past day's spend (the budget's local days), oldest first.
    pub daily: Vec<(String, f64)>,
    /// The organization's own daily limit, which bounds the recommendation.
    pub org_limit: Option<f64>,
}

/// The recommendation for `project`. Needs `project.read`.
pub async fn of_project(app: &AppState, access: &OrgAccess, project: ProjectId) -> Result<Advice> {
    access.read_permit::<ops::ProjectRead>(Domain::Project(project), "project")?;
    Ok(advise(app, access.tenant(), project).await?.0)
}

/// The advice, and the project's policy in force it was made under.
async fn advise(app: &AppState, tenant: Tenant, project: ProjectId) -> Result<(Advice, Arc<Loaded>)> {
    let policy = app.policies.effective(&app.db, tenant, Some(project)).await?;
    let now = app.clock.now();
    let mut status = budget::status(&app.db, tenant, Some(project), &policy.effective, now).await?;
    let (own, org) = specs(&policy.effective);
    let org_limit = org.as_ref().map(|o| o.limit);
    // A project without a budget of its own counts in its organization's unit and alerts.
    if let (None, Some(o)) = (own, org.as_ref()) {
        status.unit = o.unit.clone();
        status.alert_at = o.alert_at.clone();
    }
    let today = NaiveDate::parse_from_str(&status.day, "%Y-%m-%d")
        .map_err(|e| Error::internal(format!("a budget day `{}` unreadable: {e}", status.day)))?;
    let first = today - Duration::days(WINDOW_DAYS);
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let rows = budget_day::Entity::find_in_org(tenant)
        .filter(budget_day::Column::Scope.eq(scope_of(project)))
        .filter(budget_day::Column::Day.gte(day(first)))
        .filter(budget_day::Column::Day.lt(status.day.clone()))
        .order_by_asc(budget_day::Column::Day)
        .all(&app.db)
        .await?;
    // From the first day that spent, every day (a day without a ledger row spent nothing).
    let mut daily = Vec::new();
    if let Some(start) = rows.iter().find(|r| r.spent > 0.0).map(|r| r.day.clone()) {
        let mut d = NaiveDate::parse_from_str(&start, "%Y-%m-%d")
            .map_err(|e| Error::internal(format!("a budget day `{start}` unreadable: {e}")))?;
        while d < today {
            let key = day(d);
            let spent = rows.iter().find(|r| r.day == key).map(|r| r.spent).unwrap_or(0.0);
            daily.push((key, spent));
            d += Duration::days(1);
        }
    }
    let spends: Vec<f64> = daily.iter().map(|(_, s)| *s).collect();
    let recommendation = recommend(&spends, DEFAULT_HEADROOM, org_limit);
    Ok((Advice { status, recommendation, daily, org_limit }, policy))
}

/// The generated document setting `daily` as the project's budget, in the budget's unit, time
/// zone and alert thresholds as they are now.
fn document(org: &str, project: &str, daily: f64, status: &Status) -> String {
    let alerts = status.alert_at.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ");
    format!(
        "# Generated by Praetor from the project's spending (applyBudgetRecommendation).\n\
         apiVersion: praetor.dev/v1\n\
         kind: Policy\n\
         metadata:\n  name: {POLICY_NAME}\n  org: {org}\n  project: {project}\n\
         \x20 description: \"daily limit recommended from the 95th percentile of past days' spend\"\n\
         spec:\n  budget:\n    daily: {daily}\n    unit: \"{unit}\"\n    timezone: \"{tz}\"\n    alertAt: [{alerts}]\n",
        unit = status.unit.replace('"', ""),
        tz = status.timezone,
    )
}

/// Applies the recommendation `daily` (the value the caller was shown) as a new version of the
/// project's policy. Needs `policy.write` in the project; refused with `CONFLICT` when the
/// recommendation has changed since, or another document of the project sets a lower limit.
pub async fn apply(
    app: &AppState,
    access: &OrgAccess,
    project: &project::Model,
    daily: f64,
    comment: &str,
) -> Result<Applied> {
    let permit = access.permit::<ops::PolicyWrite>(Domain::Project(project.id))?;
    let (advice, policy) = advise(app, access.tenant(), project.id).await?;
    let Some(recommended) = advice.recommendation.recommended else {
        return Err(Error::Conflict(format!("no recommendation to apply: {}", advice.recommendation.reason)));
    };
    if (recommended - daily).abs() > 1e-9 {
        return Err(Error::Conflict(format!(
            "the recommendation is now {recommended} {unit}, not {daily}: look at it again before applying",
            unit = advice.status.unit
        )));
    }
    if let Some(conflict) = stricter(&policy, daily) {
        return Err(Error::Conflict(conflict));
    }
    let note = note(&advice, daily, comment);
    let author = permit.principal().chain();
    write(app, access.org(), author, project, daily, &advice, &note).await
}

/// Another document of the project setting a daily budget below `daily`: applying `daily`
/// would change nothing (the strictest limit applies), so it is said which one to change.
fn stricter(policy: &Loaded, daily: f64) -> Option<String> {
    policy
        .effective
        .budgets()
        .into_iter()
        .find(|(level, name, b)| *level == Level::Project && name != POLICY_NAME && b.daily < daily)
        .map(|(_, name, b)| {
            format!(
                "policy `{name}` of the project sets a daily budget of {}; the strictest limit applies, so change it there",
                b.daily
            )
        })
}

/// The version's comment: the figures the limit came from, and the applier's words.
fn note(advice: &Advice, daily: f64, comment: &str) -> String {
    let r = &advice.recommendation;
    format!(
        "budget recommendation applied: {daily} {unit} a day (p50 {:.2}, p95 {:.2}, max {:.2} over {} days){}{}",
        r.p50,
        r.p95,
        r.max,
        r.days,
        if comment.trim().is_empty() { "" } else { ": " },
        comment.trim(),
        unit = advice.status.unit,
    )
}

/// Stores the project's documents with the generated one setting `daily`, as `author`.
async fn write(
    app: &AppState,
    org: &org::Model,
    author: Vec<ActorRef>,
    project: &project::Model,
    daily: f64,
    advice: &Advice,
    note: &str,
) -> Result<Applied> {
    let mut sources: Vec<Source> = match latest(&app.db, org.tenant(), Some(project.id)).await? {
        Some(v) => sources_of(&v)?.into_iter().filter(|s| s.name != DOCUMENT).collect(),
        None => Vec::new(),
    };
    sources.push(Source::new(DOCUMENT.to_string(), document(&org.slug, &project.slug, daily, &advice.status)));
    policies::store(app, org, author, Some(project), sources, note).await
}

/// Praetor, as the versions it applies by itself name their author.
fn adaptive_actor() -> ActorRef {
    ActorRef::system("budgets", "praetor adaptive budgets")
}

/// What one run of [`adapt_all`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Adapted {
    /// Projects whose limit was applied.
    pub applied: u64,
    /// Projects whose policy allows it and whose limit already was the recommendation.
    pub unchanged: u64,
    /// Projects it could not be done for (logged, each with why).
    pub failed: u64,
}

/// In every organization served here, applies each project's recommendation where the policy
/// in force says adaptive budgets apply by themselves, kept within its bounds. A project with no
/// recommendation yet, or whose limit already is the one to apply, is left as it is; one with a
/// stricter document of its own too (applying would change nothing).
pub async fn adapt_all(app: &AppState) -> Result<Adapted> {
    let mut done = Adapted::default();
    for org_id in super::orgs::served_here(app, Housekeeping::Sweep).await? {
        let tenant = Tenant::housekeeping(org_id, Housekeeping::Sweep);
        let Some(org) = org::Entity::find_in_org(tenant).one(&app.db).await? else {
            continue;
        };
        for project in project::Entity::find_in_org(tenant).all(&app.db).await? {
            match adapt(app, &org, &project).await {
                Ok(Some(true)) => done.applied += 1,
                Ok(Some(false)) => done.unchanged += 1,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(org = %org.slug, project = %project.slug, "applying a budget recommendation: {e}");
                    done.failed += 1;
                }
            }
        }
    }
    Ok(done)
}

/// Applies `project`'s recommendation if its policy says so: `Some(true)` when a version was
/// stored, `Some(false)` when the limit already was the one to apply, `None` when there was
/// nothing to apply.
async fn adapt(app: &AppState, org: &org::Model, project: &project::Model) -> Result<Option<bool>> {
    let (advice, policy) = advise(app, org.tenant(), project.id).await?;
    let (Some((lo, hi)), Some(recommended)) = (policy.effective.adaptive_budget(), advice.recommendation.recommended)
    else {
        return Ok(None);
    };
    let daily = recommended.clamp(lo, hi);
    let in_force = policy
        .effective
        .budgets()
        .into_iter()
        .find(|(level, name, _)| *level == Level::Project && name == POLICY_NAME)
        .map(|(_, _, b)| b.daily);
    if in_force.is_some_and(|d| (d - daily).abs() < 1e-9) {
        return Ok(Some(false));
    }
    if let Some(conflict) = stricter(&policy, daily) {
        tracing::info!(org = %org.slug, project = %project.slug, "budget recommendation not applied: {conflict}");
        return Ok(None);
    }
    let bounded = if daily == recommended { String::new() } else { format!(", recommended {recommended}") };
    let comment = format!("applied by itself, as the policy allows, within {lo}..{hi}{bounded}");
    write(app, org, vec![adaptive_actor()], project, daily, &advice, &note(&advice, daily, &comment)).await?;
    Ok(Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_document_is_a_valid_project_policy() {
        let status = Status {
            limit: Some(50.0),
            unit: "usd".into(),
            timezone: "Europe/Berlin".into(),
            policy: None,
            day: "2027-01-10".into(),
            spent: 0.0,
            reserved: 0.0,
            day_start: chrono::DateTime::UNIX_EPOCH,
            resets_at: chrono::DateTime::UNIX_EPOCH,
            alert_at: vec![0.8, 0.95],
        };
        let text = document("acme", "web", 96.0, &status);
        let parsed = praetor_policy::load::parse(&Source::new(DOCUMENT.to_string(), text.clone()));
        let parsed = parsed.unwrap_or_else(|d| panic!("{d:?}\n{text}"));
        let praetor_policy::document::Document::Policy(doc) = &parsed[0].document else { panic!("{text}") };
        assert_eq!((doc.metadata.org.as_deref(), doc.metadata.project.as_deref()), (Some("acme"), Some("web")));
        let b = doc.spec.budget.as_ref().unwrap();
        assert_eq!((b.daily, b.unit.as_str(), b.timezone.as_str()), (96.0, "usd", "Europe/Berlin"));
        assert_eq!(b.alert_at, vec![0.8, 0.95]);
    }
}
