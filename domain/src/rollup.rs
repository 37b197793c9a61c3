//! Rollups, the pure part: what an organization's activity adds up to per hour and per day, in
//! a project or across all of them. A [`Fact`] is one counted thing (a plan proposed or
//! finished, a step run, a refusal, an approval, a chat message, a kill switch released); a
//! [`Bucket`] is the sum of the facts of one scope and period. Buckets only ever add, in any
//! order and any grouping — counts are integers and spend is kept in millionths — so folding a
//! log in many small runs gives exactly what one run over all of it gives, and a query over a
//! range merges the buckets in it. Latencies are kept as a histogram with fixed bounds, so
//! percentiles of any range come from merged buckets (as the upper bound of the bucket the
//! percentile falls in).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

use crate::PlanStatus;

/// Who a plan was proposed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// A person, with no agent in the chain.
    Human,
    /// An agent (for a person or not).
    Agent,
    /// A service account: an integration's API key, an inbound trigger, a schedule.
    Integration,
}

impl Origin {
    pub fn as_str(&self) -> &'static str {
        match self {
            Origin::Human => "human",
            Origin::Agent => "agent",
            Origin::Integration => "integration",
        }
    }

    /// The origin of a principal chain: its actors' kinds, first to last.
    pub fn of_chain<'a>(kinds: impl IntoIterator<Item = &'a str>) -> Origin {
        let kinds: Vec<&str> = kinds.into_iter().collect();
        if kinds.contains(&"agent") {
            Origin::Agent
        } else if kinds.first() == Some(&"user") {
            Origin::Human
        } else {
            Origin::Integration
        }
    }
}

/// One counted thing.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    Proposed {
        origin: Origin,
    },
    /// A plan reached a terminal status.
    Finished {
        status: PlanStatus,
    },
    /// A step ran to its end; `cost` what it spent.
    Step {
        failed: bool,
        cost: f64,
    },
    /// A proposal refused, or proposed and denied, with the code that refused it.
    Refused {
        code: String,
    },
    /// An approval given, `latency_seconds` after it was asked for (when known).
    Approved {
        latency_seconds: Option<f64>,
    },
    ChatMessage,
    ChatSession,
    KillSwitchEngaged,
    /// A kill switch released after being engaged `seconds`.
    KillSwitchReleased {
        seconds: f64,
    },
}

/// The upper bounds, in seconds, of the latency histogram's buckets (the last is unbounded).
pub const LATENCY_BOUNDS: [f64; 15] =
    [1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, 604800.0];

/// Counts of latencies by bucket: `counts[i]` for latencies up to `LATENCY_BOUNDS[i]`, the last
/// for longer ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    #[serde(default)]
    pub counts: Vec<u64>,
}

impl Histogram {
    pub fn add(&mut self, seconds: f64) {
        let i = LATENCY_BOUNDS.iter().position(|b| seconds <= *b).unwrap_or(LATENCY_BOUNDS.len());
        if self.counts.len() <= LATENCY_BOUNDS.len() {
            self.counts.resize(LATENCY_BOUNDS.len() + 1, 0);
        }
        self.counts[i] += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `q` quantile (0..=1) as the upper bound of the bucket it falls in; `None` when
    /// empty, and the last finite bound for the unbounded bucket.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(LATENCY_BOUNDS[i.min(LATENCY_BOUNDS.len() - 1)]);
            }
        }
        LATENCY_BOUNDS.last().copied()
    }
}

/// The sum of the facts of one scope and period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Bucket {
    pub plans_proposed: u64,
    /// Plans that reached each terminal status.
    pub plans_finished: BTreeMap<String, u64>,
    /// Plans proposed, by origin (`human`, `agent`, `integration`).
    pub origins: BTreeMap<String, u64>,
    pub steps_run: u64,
    pub steps_failed: u64,
    /// Spend in millionths of the budget unit (exact under any order of addition).
    pub spend_micros: i64,
    pub refusals: BTreeMap<String, u64>,
    pub approvals: u64,
    pub approval_latency: Histogram,
    pub chat_messages: u64,
    pub chat_sessions: u64,
    pub kill_switches_engaged: u64,
    pub kill_switch_seconds: u64,
}

impl Bucket {
    pub fn add(&mut self, fact: &Fact) {
        match fact {
            Fact::Proposed { origin } => {
                self.plans_proposed += 1;
                *self.origins.entry(origin.as_str().to_string()).or_default() += 1;
            }
            Fact::Finished { status } => *self.plans_finished.entry(status.as_str().to_string()).or_default() += 1,
            Fact::Step { failed, cost } => {
                self.steps_run += 1;
                if *failed {
                    self.steps_failed += 1;
                }
                self.spend_micros += micros(*cost);
            }
            Fact::Refused { code } => *self.refusals.entry(code.clone()).or_default() += 1,
            Fact::Approved { latency_seconds } => {
                self.approvals += 1;
                if let Some(s) = latency_seconds {
                    self.approval_latency.add(*s);
                }
            }
            Fact::ChatMessage => self.chat_messages += 1,
            Fact::ChatSession => self.chat_sessions += 1,
            Fact::KillSwitchEngaged => self.kill_switches_engaged += 1,
            Fact::KillSwitchReleased { seconds } => self.kill_switch_seconds += seconds.max(0.0).round() as u64,
        }
    }

    pub fn merge(&mut self, other: &Bucket) {
        let add_map = |a: &mut BTreeMap<String, u64>, b: &BTreeMap<String, u64>| {
            for (k, v) in b {
                *a.entry(k.clone()).or_default() += v;
            }
        };
        self.plans_proposed += other.plans_proposed;
        add_map(&mut self.plans_finished, &other.plans_finished);
        add_map(&mut self.origins, &other.origins);
        self.steps_run += other.steps_run;
        self.steps_failed += other.steps_failed;
        self.spend_micros += other.spend_micros;
        add_map(&mut self.refusals, &other.refusals);
        self.approvals += other.approvals;
        self.approval_latency.merge(&other.approval_latency);
        self.chat_messages += other.chat_messages;
        self.chat_sessions += other.chat_sessions;
        self.kill_switches_engaged += other.kill_switches_engaged;
        self.kill_switch_seconds += other.kill_switch_seconds;
    }

    /// Spend in the budget unit.
    pub fn spend(&self) -> f64 {
        self.spend_micros as f64 / 1_000_000.0
    }

    pub fn finished(&self, status: PlanStatus) -> u64 {
        self.plans_finished.get(status.as_str()).copied().unwrap_or(0)
    }
}

fn micros(cost: f64) -> i64 {
    if cost.is_finite() { (cost * 1_000_000.0).round() as i64 } else { 0 }
}

/// How long a bucket spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Granularity {
    Hour,
    /// A UTC day.
    Day,
}

impl Granularity {
    pub const ALL: [Granularity; 2] = [Granularity::Hour, Granularity::Day];

    pub fn as_str(&self) -> &'static str {
        match self {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The start of the bucket `at` falls in.
    pub fn start(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let span = match self {
            Granularity::Hour => Duration::hours(1),
            Granularity::Day => Duration::days(1),
        };
        at.duration_trunc(span).unwrap_or(at)
    }
}

/// The scope of an organization's totals across its projects.
pub const ALL_PROJECTS: &str = "*";
/// The scope of what happened in the organization outside any project.
pub const ORG_ONLY: &str = "org";

/// Where a fact counts: a bucket of one scope (a project's id, [`ORG_ONLY`] or
/// [`ALL_PROJECTS`]), granularity and start.
pub type Key = (String, Granularity, DateTime<Utc>);

/// Folds `facts` — each with its scope (a project's id, or [`ORG_ONLY`]) and instant — into
/// buckets: each fact counts in its scope's hour and day and in the organization's totals.
pub fn fold<'a>(facts: impl IntoIterator<Item = (&'a str, DateTime<Utc>, &'a Fact)>) -> BTreeMap<Key, Bucket> {
    let mut out: BTreeMap<Key, Bucket> = BTreeMap::new();
    for (scope, at, fact) in facts {
        for g in Granularity::ALL {
            for s in [scope, ALL_PROJECTS] {
                out.entry((s.to_string(), g, g.start(at))).or_default().add(fact);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    fn below(g: &mut StdRng, n: u64) -> u64 {
        g.random_range(0..n)
    }

    fn fact(g: &mut StdRng) -> Fact {
        match below(g, 9) {
            0 => Fact::Proposed { origin: [Origin::Human, Origin::Agent, Origin::Integration][below(g, 3) as usize] },
            1 => Fact::Finished {
                status: [PlanStatus::Succeeded, PlanStatus::Failed, PlanStatus::Rejected][below(g, 3) as usize],
            },
            2 => Fact::Step { failed: below(g, 4) == 0, cost: below(g, 1000) as f64 / 7.0 },
            3 => Fact::Refused {
                code: ["RATE_LIMITED", "BUDGET_EXCEEDED", "POLICY_DENIED"][below(g, 3) as usize].into(),
            },
            4 => Fact::Approved { latency_seconds: (below(g, 5) > 0).then(|| below(g, 100_000) as f64) },
            5 => Fact::ChatMessage,
            6 => Fact::ChatSession,
            7 => Fact::KillSwitchEngaged,
            _ => Fact::KillSwitchReleased { seconds: below(g, 7200) as f64 },
        }
    }

    /// Folding a log in runs of any size and merging into what is stored gives exactly what
    /// one fold over the whole log gives.
    #[test]
    fn incremental_folds_equal_a_full_recount() {
        let base = DateTime::parse_from_rfc3339("2026-11-30T22:00:00Z").unwrap().with_timezone(&Utc);
        for seed in 1..200u64 {
            let mut g = StdRng::seed_from_u64(seed);
            let n = 1 + below(&mut g, 300) as usize;
            let log: Vec<(String, DateTime<Utc>, Fact)> = (0..n)
                .map(|_| {
                    let scope = ["prj_a", "prj_b", ORG_ONLY][below(&mut g, 3) as usize].to_string();
                    let at = base + Duration::seconds(below(&mut g, 3 * 86_400) as i64);
                    (scope, at, fact(&mut g))
                })
                .collect();
            let whole = fold(log.iter().map(|(s, at, f)| (s.as_str(), *at, f)));
            let mut stored: BTreeMap<Key, Bucket> = BTreeMap::new();
            let mut rest = &log[..];
            while !rest.is_empty() {
                let take = 1 + below(&mut g, 40) as usize;
                let (run, next) = rest.split_at(take.min(rest.len()));
                for (key, bucket) in fold(run.iter().map(|(s, at, f)| (s.as_str(), *at, f))) {
                    stored.entry(key).or_default().merge(&bucket);
                }
                rest = next;
            }
            assert_eq!(stored, whole, "seed {seed}");
            // The organization's totals are the sum of its scopes, hour by hour and day by day.
            let days: Vec<&Bucket> = whole
                .iter()
                .filter(|((s, g, _), _)| s == ALL_PROJECTS && *g == Granularity::Day)
                .map(|(_, b)| b)
                .collect();
            let proposed: u64 = days.iter().map(|b| b.plans_proposed).sum();
            let counted = log.iter().filter(|(_, _, f)| matches!(f, Fact::Proposed { .. })).count() as u64;
            assert_eq!(proposed, counted, "seed {seed}");
        }
    }

    #[test]
    fn percentiles_come_from_merged_histograms() {
        let mut a = Histogram::default();
        for s in [0.5, 3.0, 40.0, 90.0] {
            a.add(s);
        }
        let mut b = Histogram::default();
        b.add(3000.0);
        a.merge(&b);
        assert_eq!(a.total(), 5);
        assert_eq!(a.quantile(0.5), Some(60.0));
        assert_eq!(a.quantile(0.95), Some(3600.0));
        assert_eq!(Histogram::default().quantile(0.5), None);
        let mut long = Histogram::default();
        long.add(1e9);
        assert_eq!(long.quantile(0.5), Some(604800.0));
    }

    #[test]
    fn origins_of_chains() {
        assert_eq!(Origin::of_chain(["user"]), Origin::Human);
        assert_eq!(Origin::of_chain(["user", "agent"]), Origin::Agent);
        assert_eq!(Origin::of_chain(["service_account"]), Origin::Integration);
        assert_eq!(Origin::of_chain(["service_account", "agent"]), Origin::Agent);
    }
}
