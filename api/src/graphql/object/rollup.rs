//! Rollups as the API shows them: one point per hour or UTC day (or a range's total).

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_domain::PlanStatus;
use praetor_domain::rollup::{Bucket, Granularity};

use super::ProjectObject;

/// How long each point of a rollup series spans.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "RollupGranularity", remote = "praetor_domain::rollup::Granularity")]
pub enum GranularityGql {
    Hour,
    /// A UTC day.
    Day,
}

#[derive(SimpleObject)]
pub struct RefusalCount {
    pub code: String,
    pub count: u64,
}

/// What happened in one period: plans by final status and by who proposed them, steps, spend,
/// refusals by code, approvals and how long they took, chat, kill switches.
#[derive(SimpleObject)]
pub struct RollupPoint {
    /// The start of the period.
    pub start: DateTime<Utc>,
    pub plans_proposed: u64,
    pub plans_succeeded: u64,
    pub plans_failed: u64,
    pub plans_cancelled: u64,
    pub plans_rejected: u64,
    pub plans_expired: u64,
    pub plans_killed: u64,
    /// Plans proposed by people (no agent in the chain).
    pub by_humans: u64,
    /// Plans proposed by agents, for a person or not.
    pub by_agents: u64,
    /// Plans proposed by service accounts: integrations, inbound triggers, schedules.
    pub by_integrations: u64,
    pub steps_run: u64,
    pub steps_failed: u64,
    /// Spend in the budget unit.
    pub spend: f64,
    /// Proposals refused, or denied, by code, most first.
    pub refusals: Vec<RefusalCount>,
    pub approvals: u64,
    /// The median time from an approval being asked for to its being given: the upper bound
    /// of the histogram bucket it falls in (1 s, 5 s, 15 s, 30 s, 1 min, … 1 week).
    pub approval_latency_p50_seconds: Option<f64>,
    pub approval_latency_p95_seconds: Option<f64>,
    pub chat_messages: u64,
    pub chat_sessions: u64,
    pub kill_switches_engaged: u64,
    /// Seconds kill switches released in the period had been engaged.
    pub kill_switch_seconds: u64,
}

impl RollupPoint {
    pub fn new(start: DateTime<Utc>, b: &Bucket) -> Self {
        let origin = |o: &str| b.origins.get(o).copied().unwrap_or(0);
        let mut refusals: Vec<RefusalCount> =
            b.refusals.iter().map(|(code, count)| RefusalCount { code: code.clone(), count: *count }).collect();
        refusals.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
        Self {
            start,
            plans_proposed: b.plans_proposed,
            plans_succeeded: b.finished(PlanStatus::Succeeded),
            plans_failed: b.finished(PlanStatus::Failed),
            plans_cancelled: b.finished(PlanStatus::Cancelled),
            plans_rejected: b.finished(PlanStatus::Rejected),
            plans_expired: b.finished(PlanStatus::Expired),
            plans_killed: b.finished(PlanStatus::Killed),
            by_humans: origin("human"),
            by_agents: origin("agent"),
            by_integrations: origin("integration"),
            steps_run: b.steps_run,
            steps_failed: b.steps_failed,
            spend: b.spend(),
            refusals,
            approvals: b.approvals,
            approval_latency_p50_seconds: b.approval_latency.quantile(0.5),
            approval_latency_p95_seconds: b.approval_latency.quantile(0.95),
            chat_messages: b.chat_messages,
            chat_sessions: b.chat_sessions,
            kill_switches_engaged: b.kill_switches_engaged,
            kill_switch_seconds: b.kill_switch_seconds,
        }
    }

    /// Points of a series, with empty periods between `from` and `to` filled in, so charts
    /// show gaps as zero.
    pub fn series(
        granularity: Granularity,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        points: Vec<(DateTime<Utc>, Bucket)>,
    ) -> Vec<Self> {
        let step = match granularity {
            Granularity::Hour => chrono::Duration::hours(1),
            Granularity::Day => chrono::Duration::days(1),
        };
        let mut stored = points.into_iter().peekable();
        let mut out = Vec::new();
        let mut at = granularity.start(from);
        let empty = Bucket::default();
        while at < to {
            match stored.peek() {
                Some((start, b)) if *start == at => {
                    out.push(Self::new(at, b));
                    stored.next();
                }
                _ => out.push(Self::new(at, &empty)),
            }
            at += step;
        }
        out
    }
}

/// One project's total over a range (`project` is null for the organization's own activity
/// outside any project: kill switches of the whole organization, for one).
#[derive(SimpleObject)]
pub struct ProjectRollup {
    pub project: Option<ProjectObject>,
    pub totals: RollupPoint,
}

/// One organization's total over a range.
#[derive(SimpleObject)]
pub struct OrgRollup {
    pub slug: String,
    pub name: String,
    pub totals: RollupPoint,
}

/// Every organization's rollups: the instance's series and each organization's total.
#[derive(SimpleObject)]
pub struct InstanceRollups {
    pub points: Vec<RollupPoint>,
    pub orgs: Vec<OrgRollup>,
}
