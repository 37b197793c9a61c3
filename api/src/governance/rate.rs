//! Rate limits: at most N matching invocations per minute and per hour, per principal, project,
//! organization, or across all agents of an organization.
//!
//! A limit is an exact sliding window: an admitted invocation counts for one period from the
//! moment it was admitted, and the next is refused while N already count. Proposals and
//! executions are counted separately (a plan of one deploy uses one proposal slot and, when it
//! runs, one execution slot). Hits live in the database, so limits hold across restarts and
//! across every server process sharing it; admission takes a per-key lock (an advisory lock on
//! PostgreSQL; SQLite's write transactions are already exclusive), counts, and records the hit
//! in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use praetor_entities::{Housekeeping, OrgId, ProjectId, RateHitId, Tenant, TenantScoped, rate_hit};
use praetor_policy::decide::{Effective, Level};
use praetor_policy::document::{Limit, LimitScope};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::Result;
use praetor_domain::snapshot::Phase;

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

/// Refusals this process has seen, by (key, period, max): until when they certainly hold. A
/// refusal is certain until its `retry_at` — hits are only ever added before then, by any
/// process — so a refused key answers from memory without a database round trip (the fast
/// path under a flood). Raising a limit changes `max`, so a stale entry is never consulted.
/// (key, period, max) of a refusal.
type RefusalKey = (String, &'static str, u32);

#[derive(Default)]
pub struct Refusals {
    /// The refusing check of the pipeline, kept whole until its `retry_at`.
    until: std::sync::Mutex<std::collections::HashMap<RefusalKey, super::pipeline::Check>>,
}

impl Refusals {
    /// Keeps a refusal the pipeline made on stored hits alone: it holds until the check's
    /// `retry_at` (hits are only ever added before then).
    pub fn remember(&self, key: &str, period: &'static str, max: u32, check: &super::pipeline::Check) {
        if check.retry_at.is_none() {
            return;
        }
        if let Ok(mut map) = self.until.lock() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert((key.to_string(), period, max), check.clone());
        }
    }

    /// The refusing check still certain at `now` for any period of `limit` under `key`.
    pub fn certain(&self, limit: &Applicable, key: &str, now: DateTime<Utc>) -> Option<super::pipeline::Check> {
        let map = self.until.lock().ok()?;
        limit
            .periods()
            .into_iter()
            .filter_map(|(period, _, max)| map.get(&(key.to_string(), period, max)))
            .find(|c| c.retry_at.is_some_and(|until| now < until))
            .cloned()
    }
}

/// Seconds until `at`, rounded up (at least 1).
pub fn retry_after_seconds(at: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let ms = (at - now).num_milliseconds().max(0);
    (((ms + 999) / 1000).max(1)) as u64
}

/// The admitted hits of `keys` within the longest period before `now`, oldest first.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, Vec<DateTime<Utc>>>> {
    let mut out: BTreeMap<String, Vec<DateTime<Utc>>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    if keys.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(String, DateTime<Utc>)> = rate_hit::Entity::find_in_org(tenant)
        .select_only()
        .column(rate_hit::Column::Key)
        .column(rate_hit::Column::At)
        .filter(rate_hit::Column::Key.is_in(keys.iter().cloned()))
        .filter(rate_hit::Column::At.gt(now - Duration::seconds(LONGEST)))
        .order_by_asc(rate_hit::Column::At)
        .into_tuple()
        .all(db)
        .await?;
    for (k, at) in rows {
        out.entry(k).or_default().push(at);
    }
    Ok(out)
}

/// A 64-bit lock id for a key.
fn lock_id(key: &str) -> i64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(b)
}

/// Serialises admissions of `keys` until the transaction ends. Keys are locked in sorted order
/// so two transactions never wait on each other in a cycle. SQLite needs nothing: a write
/// transaction already excludes every other writer.
pub async fn lock<C: ConnectionTrait>(txn: &C, keys: &[String]) -> Result<()> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut ids: Vec<i64> = keys.iter().map(|k| lock_id(k)).collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Deletes the hits no period counts any more (housekeeping, run by the worker's sweep: reads
/// never look past the longest period, so stale rows only cost space until then).
/// `only`: the one organization this node serves, if restricted (see `worker.org_id`).
pub async fn prune<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, only: Option<OrgId>) -> Result<u64> {
    // Across organizations: nothing is read, old rows are dropped.
    let mut stale = rate_hit::Entity::delete_across_orgs(Housekeeping::Sweep)
        .filter(rate_hit::Column::At.lte(now - Duration::seconds(LONGEST)));
    if let Some(org) = only {
        stale = stale.filter(rate_hit::Column::OrgId.eq(org));
    }
    let res = stale.exec(db).await?;
    Ok(res.rows_affected)
}

/// Records admitted hits (one row per key occurrence).
pub async fn record<C: ConnectionTrait>(txn: &C, org: OrgId, hits: &[String], now: DateTime<Utc>) -> Result<()> {
    if hits.is_empty() {
        return Ok(());
    }
    let rows: Vec<rate_hit::ActiveModel> = hits
        .iter()
        .map(|k| rate_hit::ActiveModel {
            id: Set(RateHitId::generate()),
            org_id: Set(org),
            key: Set(k.clone()),
            at: Set(now),
        })
        .collect();
    rate_hit::Entity::insert_many(rows).exec_without_returning(txn).await?;
    Ok(())
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
        assert_ne!(lock_id("a"), lock_id("b"));
    }
}
