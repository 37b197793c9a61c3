//! Rate limits: at most N matching invocations per minute and per hour, per principal, project,
//! organization, or across all agents of an organization.
//!
//! A limit is an exact sliding window: an admitted invocation counts for one period from the
//! moment it was admitted, and the next is refused while N already count. Proposals and
//! executions are counted separately (a plan of one deploy uses one proposal slot and, when it
//! runs, one execution slot). Hits live in the database, so limits hold across restarts and
//! across every server process sharing it (the store counts them, under a per-key lock, and
//! records the hit in one transaction). Here: which limits count an invocation, under which
//! key, and how a period's hits count it — pure functions the pipeline calls.

use chrono::{DateTime, Duration, Utc};
use praetor_policy::decide::{Effective, Level};
use praetor_policy::document::{Limit, LimitScope};
use serde_json::Value;

use crate::ids::{OrgId, ProjectId};
use crate::snapshot::Phase;

/// The longest period a limit counts over; older hits are pruned.
pub const LONGEST: i64 = 3600;

/// A limit that applies to one invocation, with the key it counts under.
#[derive(Debug, Clone, PartialEq)]
pub struct Applicable {
    /// `org:deploy-rate` — the level and the limit's name.
    pub name: String,
    pub scope: LimitScope,
    /// What is counted, without the phase: `org_…/org:deploy-rate/project:prj_…`.
    pub base: String,
    pub per_minute: Option<u32>,
    pub per_hour: Option<u32>,
}

impl Applicable {
    pub fn key(&self, phase: Phase) -> String {
        format!("{}/{}", self.base, phase.as_str())
    }

    /// `(period name, length, max)` of each period the limit sets.
    pub fn periods(&self) -> Vec<(&'static str, Duration, u32)> {
        let mut out = Vec::new();
        if let Some(n) = self.per_minute {
            out.push(("minute", Duration::seconds(60), n));
        }
        if let Some(n) = self.per_hour {
            out.push(("hour", Duration::seconds(LONGEST), n));
        }
        out
    }
}

/// Whether the principal chain (as conditions see it) contains an agent.
pub fn is_agent(principal: &Value) -> bool {
    principal
        .get("chain")
        .and_then(Value::as_array)
        .is_some_and(|chain| chain.iter().any(|a| a.get("kind").and_then(Value::as_str) == Some("agent")))
}

/// What a limit counts separately: `None` when it does not count this principal at all.
fn subject(scope: LimitScope, project: ProjectId, principal: &Value, agent: bool) -> Option<String> {
    Some(match scope {
        LimitScope::Principal => {
            format!("principal:{}", principal.get("id").and_then(Value::as_str).unwrap_or("unknown"))
        }
        LimitScope::Project => format!("project:{project}"),
        LimitScope::Org => "org".to_string(),
        // Counts only what agents ask, all agents of the organization together.
        LimitScope::Agents if agent => "agents".to_string(),
        LimitScope::Agents => return None,
    })
}

fn build(level: Level, name: String, limit: &Limit, org: OrgId, subject: String) -> Applicable {
    let name = format!("{}:{name}", level.as_str());
    Applicable {
        base: format!("{org}/{name}/{subject}"),
        name,
        scope: limit.scope,
        per_minute: limit.per_minute,
        per_hour: limit.per_hour,
    }
}

/// The limits that count an invocation of `action` by `principal` in `project`.
pub fn applicable(
    effective: &Effective,
    action: &str,
    org: OrgId,
    project: ProjectId,
    principal: &Value,
) -> Vec<Applicable> {
    let agent = is_agent(principal);
    effective
        .limits_for(action)
        .into_iter()
        .filter_map(|(level, name, limit)| {
            subject(limit.scope, project, principal, agent).map(|s| build(level, name, limit, org, s))
        })
        .collect()
}

/// Every limit of the effective policy as it counts in `project` for `principal` (agents'
/// limits shown as they count for agents), with the actions it covers: for dashboards.
pub fn all(effective: &Effective, org: OrgId, project: ProjectId, principal: &Value) -> Vec<(Applicable, Vec<String>)> {
    let mut out = Vec::new();
    for l in effective.layers() {
        for p in &l.set.policies {
            for (i, limit) in p.spec.limits.iter().enumerate() {
                let name = limit.name.clone().unwrap_or_else(|| format!("{}/limits[{i}]", p.name));
                if let Some(s) = subject(limit.scope, project, principal, true) {
                    out.push((build(l.level, name, limit, org, s), limit.actions.clone()));
                }
            }
        }
    }
    out
}

/// The outcome of counting one invocation against one period of a limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    /// Invocations that count now, including those earlier in the same plan.
    pub used: u32,
    pub max: u32,
    /// When a slot frees up, if the invocation is refused (`None`: never, the plan alone asks
    /// for more than the limit allows).
    pub retry_at: Option<DateTime<Utc>>,
}

impl Count {
    pub fn admitted(&self) -> bool {
        self.used < self.max
    }
}

/// How many of `hits` count at `now` in a period of `length`.
pub fn in_window(hits: &[DateTime<Utc>], length: Duration, now: DateTime<Utc>) -> u32 {
    // Hits are oldest first: skip those that stopped counting.
    let first = hits.partition_point(|t| *t + length <= now);
    (hits.len() - first) as u32
}

/// Counts an invocation at `now` given the admitted `hits` (oldest first) and `pending` earlier
/// invocations of the same decision. A hit counts for `[at, at + period)`.
pub fn count(hits: &[DateTime<Utc>], pending: u32, max: u32, period: Duration, now: DateTime<Utc>) -> Count {
    let first = hits.partition_point(|t| *t + period <= now);
    let live = &hits[first..];
    let used = live.len() as u32 + pending;
    if used < max {
        return Count { used, max, retry_at: None };
    }
    // Enough of the oldest hits must expire for one more to fit.
    let must_expire = (used + 1 - max) as usize;
    let retry_at = live.get(must_expire - 1).map(|t| *t + period);
    Count { used, max, retry_at }
}

/// Seconds until `at`, rounded up (at least 1).
pub fn retry_after_seconds(at: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let ms = (at - now).num_milliseconds().max(0);
    (((ms + 999) / 1000).max(1)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn exact_boundaries_of_a_sliding_window() {
        let minute = Duration::seconds(60);
        let hits = [t("2026-11-24T10:00:00Z"), t("2026-11-24T10:00:20Z"), t("2026-11-24T10:00:40Z")];
        // Three per minute: the fourth is refused until the first hit is a full minute old.
        let c = count(&hits, 0, 3, minute, t("2026-11-24T10:00:59.999Z"));
        assert!(!c.admitted());
        assert_eq!(c.retry_at, Some(t("2026-11-24T10:01:00Z")));
        let c = count(&hits, 0, 3, minute, t("2026-11-24T10:01:00Z"));
        assert!(c.admitted(), "a hit stops counting exactly one period after it");
        assert_eq!(c.used, 2);
        // With room for exactly one more.
        let c = count(&hits[..2], 0, 3, minute, t("2026-11-24T10:00:50Z"));
        assert_eq!((c.used, c.admitted()), (2, true));
        assert_eq!(retry_after_seconds(t("2026-11-24T10:01:00Z"), t("2026-11-24T10:00:59.200Z")), 1);
        assert_eq!(retry_after_seconds(t("2026-11-24T10:01:00Z"), t("2026-11-24T10:00:47Z")), 13);
    }

    #[test]
    fn earlier_steps_of_the_same_plan_count() {
        let minute = Duration::seconds(60);
        let now = t("2026-11-24T10:00:30Z");
        let hits = [t("2026-11-24T10:00:00Z")];
        assert!(count(&hits, 1, 3, minute, now).admitted());
        let c = count(&hits, 2, 3, minute, now);
        assert!(!c.admitted());
        // Only the stored hit can expire; the plan's own steps free nothing.
        assert_eq!(c.retry_at, Some(t("2026-11-24T10:01:00Z")));
        let alone = count(&[], 3, 3, minute, now);
        assert_eq!(alone.retry_at, None, "a plan asking more than the limit can never fit");
    }

    #[test]
    fn agents_scope_counts_only_agents_and_keys_separate_subjects() {
        let human = serde_json::json!({"id": "usr_1", "chain": [{"kind": "user", "id": "usr_1", "name": "a"}]});
        let agent = serde_json::json!({"id": "usr_1", "chain": [
            {"kind": "user", "id": "usr_1", "name": "a"}, {"kind": "agent", "id": "agt_1", "name": "deployer"}]});
        assert!(!is_agent(&human));
        assert!(is_agent(&agent));
        let a = Applicable {
            name: "org:x".into(),
            scope: LimitScope::Org,
            base: "b".into(),
            per_minute: Some(1),
            per_hour: Some(2),
        };
        assert_ne!(a.key(Phase::Propose), a.key(Phase::Execute));
        assert_eq!(a.periods().len(), 2);
    }
}
