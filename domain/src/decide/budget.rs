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

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use praetor_policy::decide::{Effective, Level};
use praetor_policy::time::{local_instant, parse_tz};

use crate::ids::ProjectId;
use crate::snapshot::{BudgetState, Exceeded};

/// The ledger scope of an organization's own row.
pub const ORG_SCOPE: &str = "org";

/// A budget as policy sets it (the strictest of a level's policies).
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub level: &'static str,
    pub policy: String,
    pub limit: f64,
    pub unit: String,
    pub tz: Tz,
    pub alert_at: Vec<f64>,
}

/// The project's and the organization's budgets. Instance-wide (pack) budgets cap each
/// organization, so they count at the organization level.
pub fn specs(effective: &Effective) -> (Option<Spec>, Option<Spec>) {
    let mut project: Option<Spec> = None;
    let mut org: Option<Spec> = None;
    for (level, policy, b) in effective.budgets() {
        let Ok(tz) = parse_tz(&b.timezone) else { continue };
        let spec = Spec {
            level: if level == Level::Project { "project" } else { "org" },
            policy,
            limit: b.daily,
            unit: b.unit.clone(),
            tz,
            alert_at: b.alert_at.clone(),
        };
        let slot = if level == Level::Project { &mut project } else { &mut org };
        if slot.as_ref().is_none_or(|s| spec.limit < s.limit) {
            *slot = Some(spec);
        }
    }
    (project, org)
}

/// The local day of `now` in `tz`: its date, its first instant and the next day's.
pub fn local_day(tz: Tz, now: DateTime<Utc>) -> (String, DateTime<Utc>, DateTime<Utc>) {
    let date = now.with_timezone(&tz).date_naive();
    let start = local_instant(tz, date, NaiveTime::MIN).unwrap_or(now);
    let next = date.succ_opt().and_then(|d| local_instant(tz, d, NaiveTime::MIN)).unwrap_or(now + Duration::days(1));
    (date.format("%Y-%m-%d").to_string(), start, next)
}

pub fn tz_of(spec: Option<&Spec>) -> Tz {
    spec.map(|s| s.tz).unwrap_or(Tz::UTC)
}

/// The first budget `cost` does not fit, if any.
pub fn check(states: &[BudgetState], cost: f64) -> Option<Exceeded> {
    states.iter().find(|b| b.spent + b.reserved + cost > b.limit + 1e-9).map(|b| Exceeded {
        level: b.level.clone(),
        policy: b.policy.clone(),
        limit: b.limit,
        spent: b.spent,
        reserved: b.reserved,
        cost,
        unit: b.unit.clone(),
    })
}

/// The day's spend forecast with a plan costing `cost`: what is spent and reserved, the plan,
/// and the rest of the day at the rate spent so far (measured over at least an hour, so one
/// early plan does not extrapolate wildly).
pub fn forecast(b: &BudgetState, cost: f64, now: DateTime<Utc>) -> f64 {
    let elapsed = ((now - b.day_start).num_seconds() as f64 / 3600.0).max(1.0);
    let remaining = ((b.resets_at - now).num_seconds() as f64 / 3600.0).max(0.0);
    b.spent + b.reserved + cost + b.spent / elapsed * remaining
}

/// The ledger scope of a project's row.
pub fn scope_of(project: ProjectId) -> String {
    project.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_day_turns_over_at_local_midnight_across_dst() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 23:30Z on 28 March is 00:30 on 29 March in Berlin (still winter time, UTC+1).
        let (day, start, next) = local_day(berlin, t("2026-03-28T23:30:00Z"));
        assert_eq!(day, "2026-03-29");
        assert_eq!(start, t("2026-03-28T23:00:00Z"));
        // 29 March has 23 hours in Berlin: the next day starts at 22:00Z.
        assert_eq!(next, t("2026-03-29T22:00:00Z"));
        let (day, _, _) = local_day(berlin, t("2026-03-28T22:59:59Z"));
        assert_eq!(day, "2026-03-28");
        // 25 October has 25 hours.
        let (_, start, next) = local_day(berlin, t("2026-10-25T12:00:00Z"));
        assert_eq!(next - start, Duration::hours(25));
    }

    fn budget(limit: f64, spent: f64, reserved: f64) -> BudgetState {
        BudgetState {
            level: "project".into(),
            policy: "p".into(),
            limit,
            unit: "credits".into(),
            timezone: "UTC".into(),
            day: "2026-11-24".into(),
            spent,
            reserved,
            alert_at: vec![],
            day_start: t("2026-11-24T00:00:00Z"),
            resets_at: t("2026-11-25T00:00:00Z"),
        }
    }

    #[test]
    fn a_cost_fits_exactly_up_to_the_limit() {
        assert_eq!(check(&[budget(100.0, 60.0, 30.0)], 10.0), None);
        let x = check(&[budget(100.0, 60.0, 30.0)], 10.5).unwrap();
        assert_eq!((x.limit, x.spent, x.reserved, x.cost), (100.0, 60.0, 30.0, 10.5));
        assert!(x.message().contains("leave 10 for a plan costing 10.50"), "{}", x.message());
        // The organization's budget caps even when the project's has room.
        let mut org = budget(50.0, 45.0, 0.0);
        org.level = "org".into();
        assert_eq!(check(&[budget(100.0, 0.0, 0.0), org], 10.0).unwrap().level, "org");
    }

    #[test]
    fn forecasts_extrapolate_the_days_rate() {
        let b = budget(100.0, 30.0, 0.0);
        // At 06:00, 30 spent in 6 h: 5/h for 18 more hours, plus the plan.
        assert_eq!(forecast(&b, 5.0, t("2026-11-24T06:00:00Z")), 30.0 + 5.0 + 90.0);
        // Early in the day the rate is measured over at least an hour.
        let early = budget(100.0, 2.0, 0.0);
        assert_eq!(forecast(&early, 0.0, t("2026-11-24T00:30:00Z")), 2.0 + 2.0 * 23.5);
    }
}
