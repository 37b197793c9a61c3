//! Rate limits: at most N matching invocations per minute and per hour, per principal, project,
//! organization, or across all agents of an organization.
//!
//! A limit is an exact sliding window: an admitted invocation counts for one period from the
//! moment it was admitted, and the next is refused while N already count. Proposals and
//! executions are counted separately (a plan of one deploy uses one proposal slot and, when it
//! runs, one execution slot). Hits live in the database, so limits hold across restarts and
//! across every server process sharing it; admission takes a per-key lock (an advisory lock on
//! PostgreSQL; SQLite's write transactions are already exclusive), counts, and records the hit
//! in one transaction. Which limits count an invocation and how a period counts it are the
//! domain's (`praetor_domain::decide::rate`, re-exported); here are the hits' storage and the
//! process's memory of refusals that certainly hold.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use praetor_store::{OrgId, RateHitId, Tenant, rate_hit};
use sha2::{Digest, Sha256};

use crate::error::Result;
use praetor_domain::decide::Check;
pub use praetor_domain::decide::rate::*;

/// Refusals this process has seen, by (key, period, max): until when they certainly hold. A
/// refusal is certain until its `retry_at` — hits are only ever added before then, by any
/// process — so a refused key answers from memory without a database round trip (the fast
/// path under a flood). Raising a limit changes `max`, so a stale entry is never consulted.
/// (key, period, max) of a refusal.
type RefusalKey = (String, &'static str, u32);

#[derive(Default)]
pub struct Refusals {
    /// The refusing check of the pipeline, kept whole until its `retry_at`.
    until: std::sync::Mutex<std::collections::HashMap<RefusalKey, Check>>,
}

impl Refusals {
    /// Keeps a refusal the pipeline made on stored hits alone: it holds until the check's
    /// `retry_at` (hits are only ever added before then).
    pub fn remember(&self, key: &str, period: &'static str, max: u32, check: &Check) {
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
    pub fn certain(&self, limit: &Applicable, key: &str, now: DateTime<Utc>) -> Option<Check> {
        let map = self.until.lock().ok()?;
        limit
            .periods()
            .into_iter()
            .filter_map(|(period, _, max)| map.get(&(key.to_string(), period, max)))
            .find(|c| c.retry_at.is_some_and(|until| now < until))
            .cloned()
    }
}

/// The admitted hits of `keys` within the longest period before `now`, oldest first.
pub async fn load<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, Vec<DateTime<Utc>>>> {
    let mut out: BTreeMap<String, Vec<DateTime<Utc>>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    if keys.is_empty() {
        return Ok(out);
    }
    let rows = rate_hit::of_keys_since(db, tenant, keys, now - Duration::seconds(LONGEST)).await?;
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
pub async fn lock<C: praetor_store::Conn>(txn: &C, keys: &[String]) -> Result<()> {
    let mut ids: Vec<i64> = keys.iter().map(|k| lock_id(k)).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(praetor_store::db::advisory_xact_locks(txn, &ids).await?)
}

/// Deletes the hits no period counts any more (housekeeping, run by the worker's sweep: reads
/// never look past the longest period, so stale rows only cost space until then).
/// `only`: the one organization this node serves, if restricted (see `worker.org_id`).
pub async fn prune<C: praetor_store::Conn>(db: &C, now: DateTime<Utc>, only: Option<OrgId>) -> Result<u64> {
    // Across organizations: nothing is read, old rows are dropped.
    Ok(rate_hit::delete_until(db, now - Duration::seconds(LONGEST), only).await?)
}

/// Records admitted hits (one row per key occurrence).
pub async fn record<C: praetor_store::Conn>(txn: &C, org: OrgId, hits: &[String], now: DateTime<Utc>) -> Result<()> {
    if hits.is_empty() {
        return Ok(());
    }
    let rows: Vec<rate_hit::Model> = hits
        .iter()
        .map(|k| rate_hit::Model { id: RateHitId::generate(), org_id: org, key: k.clone(), at: now })
        .collect();
    praetor_store::insert_many(txn, rows).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_locks_its_own_id() {
        assert_ne!(lock_id("a"), lock_id("b"));
        assert_eq!(lock_id("a"), lock_id("a"));
    }
}
