//! Autonomous mode: what happens to a plan that an agent or an integration proposes with no
//! person in its principal chain (an *unattended* plan).
//!
//! - `off`: every unattended plan waits for a person's approval.
//! - `supervised`: unattended plans inside every autonomy limit are approved, but a person
//!   starts them (they are never queued by themselves); a breach asks for approval.
//! - `autonomous`: unattended plans inside every limit, that pass the predictive safety check,
//!   run at once without anyone; any breach falls back to asking for approval.
//!
//! The limits are `maxRisk`, `maxCostPerPlan` and `maxPlansPerHour`. The predictive safety
//! check forecasts the day's spend with the plan (see [`super::budget::forecast`]); a plan that
//! would push the forecast over a budget waits for a person. An approver can pause a project's
//! autonomy at any time: paused, unattended plans need approval as with `off`. Plans with a
//! person in the chain are not affected. Without any autonomy settings nothing changes.

use chrono::{DateTime, Utc};
use praetor_policy::document::{Autonomy, AutonomyMode, Risk};
use serde_json::Value;

use super::budget;
use crate::plan::Stage;
use crate::snapshot::Snapshot;

/// Who answers when autonomy falls back to asking: anyone who may approve in the project.
pub const FALLBACK_GROUP: &str = "*";

/// Whether a principal chain (as conditions see it) has a person in it.
pub fn unattended(principal: &Value) -> bool {
    !principal
        .get("chain")
        .and_then(Value::as_array)
        .is_some_and(|chain| chain.iter().any(|a| a.get("kind").and_then(Value::as_str) == Some("user")))
}

/// What autonomy decided for a plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Autonomy does not apply (a person is in the loop, or no autonomy is configured).
    NotApplicable,
    /// Inside every limit: approved; `run` says whether it starts by itself.
    Within { run: bool, message: String },
    /// A breach: the plan needs a person's approval (`code`, `message`).
    Fallback { code: &'static str, message: String },
}

impl Outcome {
    /// The approval stage a fallback adds.
    pub fn stage() -> Stage {
        Stage {
            name: "autonomy fallback".into(),
            groups: vec![FALLBACK_GROUP.into()],
            count: 1,
            rule: "autonomy".into(),
            allow_earlier_approvers: false,
        }
    }
}

/// Decides autonomy for a plan costing `cost` with overall `risk` (`low` … `critical`).
pub fn decide(
    settings: &Autonomy,
    configured: bool,
    snap: &Snapshot,
    cost: f64,
    risk: Risk,
    now: DateTime<Utc>,
) -> Outcome {
    if !configured || !snap.autonomy.unattended {
        return Outcome::NotApplicable;
    }
    let fallback = |code, message: String| Outcome::Fallback { code, message };
    if let Some((by, reason)) = &snap.autonomy.paused {
        return fallback("AUTONOMY_PAUSED", format!("autonomy is paused by {by}: {reason}"));
    }
    if settings.mode == AutonomyMode::Off {
        return fallback("AUTONOMY_OFF", "autonomy is off: unattended plans need a person's approval".into());
    }
    if let Some(max) = settings.max_risk
        && risk > max
    {
        return fallback(
            "AUTONOMY_RISK",
            format!("the plan's risk is {risk}, above the {} that may run unattended", max.as_str()),
        );
    }
    if let Some(max) = settings.max_cost_per_plan
        && cost > max + 1e-9
    {
        return fallback("AUTONOMY_COST", format!("the plan costs {cost}, above the {max} an unattended plan may"));
    }
    if let Some(max) = settings.max_plans_per_hour
        && snap.autonomy.plans_this_hour >= max
    {
        return fallback(
            "AUTONOMY_RATE",
            format!(
                "{} unattended plans in the last hour; at most {max} may run unattended",
                snap.autonomy.plans_this_hour
            ),
        );
    }
    for b in &snap.budgets {
        let f = budget::forecast(b, cost, now);
        if f > b.limit + 1e-9 {
            return fallback(
                "FORECAST_OVER_BUDGET",
                format!(
                    "with this plan the day's spend is forecast at {f:.1} {}, over the {} budget of {}",
                    b.unit, b.level, b.limit
                ),
            );
        }
    }
    match settings.mode {
        AutonomyMode::Autonomous => Outcome::Within {
            run: true,
            message: "inside every autonomy limit and the spend forecast: runs unattended".into(),
        },
        _ => Outcome::Within {
            run: false,
            message: "inside every autonomy limit (supervised: a person starts it)".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{AutonomyState, BudgetState};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn settings(mode: AutonomyMode) -> Autonomy {
        Autonomy { mode, max_risk: Some(Risk::Medium), max_cost_per_plan: Some(10.0), max_plans_per_hour: Some(3) }
    }

    fn snap() -> Snapshot {
        Snapshot {
            autonomy: AutonomyState { unattended: true, paused: None, plans_this_hour: 0 },
            ..Default::default()
        }
    }

    const NOON: &str = "2026-11-24T12:00:00Z";

    #[test]
    fn people_in_the_loop_are_not_affected() {
        let human = serde_json::json!({"chain": [{"kind": "user"}, {"kind": "agent"}]});
        let bot = serde_json::json!({"chain": [{"kind": "service_account"}]});
        assert!(!unattended(&human));
        assert!(unattended(&bot));
        let mut s = snap();
        s.autonomy.unattended = false;
        let o = decide(&settings(AutonomyMode::Off), true, &s, 1.0, Risk::Low, t(NOON));
        assert_eq!(o, Outcome::NotApplicable);
        assert_eq!(
            decide(&settings(AutonomyMode::Off), false, &snap(), 1.0, Risk::Low, t(NOON)),
            Outcome::NotApplicable
        );
    }

    #[test]
    fn each_breach_falls_back_with_its_code() {
        let auto = settings(AutonomyMode::Autonomous);
        let code = |o: Outcome| match o {
            Outcome::Fallback { code, .. } => code,
            other => panic!("expected a fallback, got {other:?}"),
        };
        assert!(matches!(decide(&auto, true, &snap(), 10.0, Risk::Medium, t(NOON)), Outcome::Within { run: true, .. }));
        assert_eq!(code(decide(&auto, true, &snap(), 1.0, Risk::High, t(NOON))), "AUTONOMY_RISK");
        assert_eq!(code(decide(&auto, true, &snap(), 10.5, Risk::Low, t(NOON))), "AUTONOMY_COST");
        let mut busy = snap();
        busy.autonomy.plans_this_hour = 3;
        assert_eq!(code(decide(&auto, true, &busy, 1.0, Risk::Low, t(NOON))), "AUTONOMY_RATE");
        let mut paused = snap();
        paused.autonomy.paused = Some(("carol".into(), "incident".into()));
        assert_eq!(code(decide(&auto, true, &paused, 1.0, Risk::Low, t(NOON))), "AUTONOMY_PAUSED");
        assert_eq!(code(decide(&settings(AutonomyMode::Off), true, &snap(), 1.0, Risk::Low, t(NOON))), "AUTONOMY_OFF");
        let supervised = decide(&settings(AutonomyMode::Supervised), true, &snap(), 1.0, Risk::Low, t(NOON));
        assert!(matches!(supervised, Outcome::Within { run: false, .. }));
    }

    #[test]
    fn a_plan_that_pushes_the_forecast_over_budget_waits() {
        let auto = settings(AutonomyMode::Autonomous);
        let mut s = snap();
        s.budgets.push(BudgetState {
            level: "project".into(),
            policy: "p".into(),
            limit: 100.0,
            unit: "credits".into(),
            timezone: "UTC".into(),
            day: "2026-11-24".into(),
            spent: 50.0,
            reserved: 0.0,
            alert_at: vec![],
            day_start: t("2026-11-24T00:00:00Z"),
            resets_at: t("2026-11-25T00:00:00Z"),
        });
        // 50 in 12 hours: 50 more by midnight at that rate; with a plan of 1 that is 101.
        match decide(&auto, true, &s, 1.0, Risk::Low, t(NOON)) {
            Outcome::Fallback { code, message } => {
                assert_eq!(code, "FORECAST_OVER_BUDGET");
                assert!(message.contains("101.0"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // Half that spend leaves room: 25 + 25 + 5.
        s.budgets[0].spent = 25.0;
        assert!(matches!(decide(&auto, true, &s, 5.0, Risk::Low, t(NOON)), Outcome::Within { .. }));
        // A plan of 49 on top of 50 spent fits the budget itself but not the forecast.
        s.budgets[0].spent = 50.0;
        assert!(matches!(decide(&auto, true, &s, 0.0, Risk::Low, t(NOON)), Outcome::Within { .. }));
    }
}
