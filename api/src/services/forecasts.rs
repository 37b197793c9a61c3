//! Budget forecasts: each budget's day projected to its reset from what is spent and reserved and
//! the hourly spend of its last 14 days in the rollups (the method is
//! `praetor_domain::forecast`'s). Read by `Project.budgetForecast` / `Org.budgetForecast`;
//! checked after each reservation for the budgets it reserved against ([`watch`]), and every
//! minute by the scheduler for every budget that spent today (what spending alone, or a new
//! policy, changed): when a forecast says the budget runs out before its reset,
//! `budget.forecast_exhaustion` is audited (and so reaches webhooks and the `budgetAlerts`
//! subscription) once that day; if the forecast falls back under the limit,
//! `budget.forecast_cleared`. The minute's run also gives `/metrics` its budget gauges.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use praetor_domain::forecast::{Forecast, MAX_DAYS, Today, forecast};
use praetor_domain::rollup::{ALL_PROJECTS, Granularity};
use praetor_store::{Owned, ProjectId, Tenant, budget_day};
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{governance, rollups};
use crate::AppState;
use crate::audit::Entry;
use crate::auth::ActorRef;
use crate::authz::OrgAccess;
use crate::error::Result;
use crate::governance::budget::{self, Status};

/// The forecast of a budget whose day is `status`, in `project` (or the organization's).
pub async fn of(app: &AppState, tenant: Tenant, project: Option<ProjectId>, status: &Status) -> Result<Forecast> {
    let scope = project.map(|p| p.to_string()).unwrap_or_else(|| ALL_PROJECTS.to_string());
    let from = status.day_start - Duration::days(MAX_DAYS);
    let history: Vec<(DateTime<Utc>, f64)> =
        rollups::series(&app.db, tenant, &scope, Granularity::Hour, from, status.day_start)
            .await?
            .into_iter()
            .map(|(at, b)| (at, b.spend()))
            .collect();
    let today = Today {
        limit: status.limit,
        spent: status.spent,
        reserved: status.reserved,
        day_start: status.day_start,
        resets_at: status.resets_at,
        now: app.clock.now(),
    };
    Ok(forecast(today, &history))
}

/// Today's budget of a project (`Some`) or of the organization, and its forecast.
pub async fn budget_forecast(
    app: &AppState,
    access: &OrgAccess,
    project: Option<ProjectId>,
) -> Result<(Status, Forecast)> {
    let status = governance::budget(app, access, project).await?;
    let f = of(app, access.tenant(), project, &status).await?;
    Ok((status, f))
}

/// `exhausted at 15:40 UTC, 2 h 20 min before the reset`.
pub fn exhaustion_message(at: DateTime<Utc>, resets_at: DateTime<Utc>) -> String {
    let left = (resets_at - at).num_minutes().max(0);
    let before = match (left / 60, left % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    };
    format!("exhausted at {} UTC, {before} before the reset", at.format("%H:%M"))
}

/// Checks the forecast of every budget that spent today (of the node's organization only, on
/// a node dedicated to one) and raises or clears its alert. Answers how many changed.
pub async fn alert(app: &AppState) -> Result<u64> {
    let now = app.clock.now();
    // Ledgers touched in the last day: any budget spending today is among them.
    let everywhere = budget_day::Budgets::Everywhere { only: app.config.worker.only_org() };
    let mut changed = 0;
    let mut figures = Vec::new();
    for row in budget_day::updated_since(&app.db, everywhere, now - Duration::days(1)).await? {
        let (figure, alerted) = check(app, &row, ActorRef::system("scheduler", "praetor scheduler")).await?;
        figures.extend(figure);
        changed += u64::from(alerted);
    }
    crate::metrics::gauges::set_budgets(app, figures);
    Ok(changed)
}

/// Looks at the budgets reserved against as they are touched, until `shutdown`: a short pause
/// gathers a burst of reservations, then each budget touched is checked once.
pub fn watch(app: Arc<AppState>, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = app.budgets_touched.wakeup.notified() => {}
            }
            tokio::time::sleep(std::time::Duration::from_millis(GATHER_MS)).await;
            for (tenant, project) in app.budgets_touched.take() {
                if let Err(e) = check_budget(&app, tenant, project).await {
                    tracing::warn!(org = %tenant.org(), ?project, "checking a budget's forecast: {e}");
                }
            }
        }
    })
}

/// How long the forecast check waits for more reservations once woken.
const GATHER_MS: u64 = 200;

/// Checks the forecast of `project`'s budget today (`None`: the organization's).
async fn check_budget(app: &AppState, tenant: Tenant, project: Option<ProjectId>) -> Result<()> {
    let now = app.clock.now();
    let which = budget_day::Budgets::Of(tenant, project);
    for row in budget_day::updated_since(&app.db, which, now - Duration::days(1)).await? {
        check(app, &row, ActorRef::system("forecasts", "praetor budget forecasts")).await?;
    }
    Ok(())
}

/// Checks the budget of ledger `row`: its figures for `/metrics` (none for yesterday's ledger or
/// a budget without a limit), and whether `actor` raised or cleared its alert now.
async fn check(
    app: &AppState,
    row: &budget_day::Model,
    actor: ActorRef,
) -> Result<(Option<crate::metrics::gauges::Budget>, bool)> {
    let now = app.clock.now();
    let tenant = row.tenant();
    let policy = app.policies.effective(&app.db, tenant, row.project_id).await?;
    let status = budget::status(&app.db, tenant, row.project_id, &policy.effective, now).await?;
    // Yesterday's ledger, or a budget without a limit: nothing to say.
    let Some(limit) = status.limit.filter(|_| status.day == row.day) else {
        return Ok((None, false));
    };
    let f = of(app, tenant, row.project_id, &status).await?;
    let runs_out = f.exhausts_at.filter(|at| *at < status.resets_at);
    let figure = crate::metrics::gauges::Budget {
        org: tenant.org(),
        project: row.project_id,
        unit: status.unit.clone(),
        spent: status.spent,
        limit,
        projected: f.projected,
        exhausting: runs_out.is_some(),
    };
    let next = match (row.forecast_alert.as_str(), runs_out) {
        ("", Some(_)) => "raised",
        ("raised", None) => "cleared",
        _ => return Ok((Some(figure), false)),
    };
    let mut w = app.write(vec![actor]).await?;
    // Another node (or check) may have said it first: only the one whose update lands speaks.
    if !budget_day::swap_forecast_alert(w.txn(), tenant, row.id, &row.forecast_alert, next).await? {
        return Ok((Some(figure), false));
    }
    let level = if row.project_id.is_some() { "project" } else { "org" };
    let mut payload = json!({
        "level": level, "project": row.project_id.map(|p| p.to_string()), "day": status.day,
        "limit": status.limit, "unit": status.unit, "spent": status.spent, "reserved": status.reserved,
        "projected": f.projected, "resetsAt": status.resets_at, "confidence": f.confidence,
        "method": f.method.as_str(),
    });
    let kind = match runs_out {
        Some(at) => {
            payload["exhaustsAt"] = json!(at);
            payload["message"] = json!(exhaustion_message(at, status.resets_at));
            "budget.forecast_exhaustion"
        }
        None => {
            payload["message"] = json!("the forecast falls back within the limit");
            "budget.forecast_cleared"
        }
    };
    let subject = row.project_id.map(|p| p.to_string()).unwrap_or_else(|| tenant.org().to_string());
    w.audit(tenant, Entry::new(kind, subject, payload).in_project(row.project_id)).await?;
    w.commit().await?;
    Ok((Some(figure), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhaustion_is_said_with_the_time_left() {
        let reset = DateTime::parse_from_rfc3339("2027-01-13T00:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(
            exhaustion_message(reset - Duration::minutes(140), reset),
            "exhausted at 21:40 UTC, 2 h 20 min before the reset"
        );
        assert_eq!(
            exhaustion_message(reset - Duration::hours(2), reset),
            "exhausted at 22:00 UTC, 2 h before the reset"
        );
        assert_eq!(
            exhaustion_message(reset - Duration::minutes(5), reset),
            "exhausted at 23:55 UTC, 5 min before the reset"
        );
    }
}
