//! Chain verification: recompute every hash of an org's chain in order and name the first entry
//! that does not fit (edited, missing, reordered), then check the head matches the last entry
//! and that every plan event anchored in the chain is still what was anchored.
//!
//! Entries are read a page at a time; the hashing and comparing of a page runs on the blocking
//! pool, never on the async threads, and the anchored plan events of a page are read in one
//! query. [`verify_from`] continues a verification that ended cleanly at a known entry, so a
//! caller that verified recently need only look at what was appended since.

use std::collections::HashMap;

use praetor_store::{PlanId, Tenant, audit_event, audit_head, plan_event};
use serde::Serialize;
use serde_json::Value;

use super::{GENESIS, model_hash};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Broken {
    /// The sequence number found at the broken position.
    pub seq: i64,
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    pub org_id: String,
    pub entries: u64,
    pub head_seq: i64,
    pub first_broken: Option<Broken>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Where a clean verification ended: the last entry checked and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub seq: i64,
    pub hash: String,
}

const PAGE: u64 = 1_000;

/// Verifies an organization's whole chain.
pub async fn verify_org<C: praetor_store::Conn>(db: &C, tenant: Tenant) -> Result<Report> {
    let _org = tenant.org();
    Ok(verify_from(db, tenant, None).await?.0)
}

/// Verifies the entries after `from` (all of them without it). `entries` in the report counts
/// the entries checked. Also returns where a clean run ended, to continue from later.
pub async fn verify_from<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    from: Option<Verified>,
) -> Result<(Report, Option<Verified>)> {
    let org = tenant.org();
    let start = from.unwrap_or(Verified { seq: 0, hash: GENESIS.to_string() });
    let mut last = start.clone();
    let mut entries = 0u64;
    let mut first_broken = None;
    loop {
        let page = audit_event::after(db, tenant, last.seq, PAGE).await?;
        let n = page.len() as u64;
        let anchored = anchored_events(db, tenant, &page).await?;
        let from = last.clone();
        let (checked, end, broken) = tokio::task::spawn_blocking(move || check_page(&page, from, &anchored))
            .await
            .map_err(|e| Error::internal(format!("audit verification task: {e}")))?;
        entries += checked;
        last = end;
        if broken.is_some() {
            first_broken = broken;
            break;
        }
        if n < PAGE {
            break;
        }
    }
    let head = audit_head::of(db, tenant).await?;
    let head_seq = head.as_ref().map(|h| h.seq).unwrap_or(0);
    if first_broken.is_none() {
        let head_hash = head.map(|h| h.hash).unwrap_or_else(|| GENESIS.to_string());
        if head_seq != last.seq || head_hash != last.hash {
            first_broken = Some(Broken {
                seq: last.seq + 1,
                id: String::new(),
                reason: format!(
                    "the chain head is at entry {head_seq} but the log ends at entry {}: trailing entries are missing",
                    last.seq
                ),
            });
        }
    }
    let resume = first_broken.is_none().then_some(last);
    Ok((Report { org_id: org.to_string(), entries, head_seq, first_broken }, resume))
}

/// Verifies the entries after `from` up to entry `upto`, which must end the run with the hash
/// `upto_hash` (the head as read before: entries appended since are not looked at). The first
/// problem, if any.
pub async fn verify_upto<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    from: Verified,
    upto: i64,
    upto_hash: &str,
) -> Result<Option<Broken>> {
    let mut last = from;
    while last.seq < upto {
        let want = (upto - last.seq).clamp(1, PAGE as i64) as u64;
        let page: Vec<audit_event::Model> =
            audit_event::after(db, tenant, last.seq, want).await?.into_iter().filter(|e| e.seq <= upto).collect();
        if page.is_empty() {
            break;
        }
        let anchored = anchored_events(db, tenant, &page).await?;
        let start = last.clone();
        let (_, end, broken) = tokio::task::spawn_blocking(move || check_page(&page, start, &anchored))
            .await
            .map_err(|e| Error::internal(format!("audit verification task: {e}")))?;
        if broken.is_some() {
            return Ok(broken);
        }
        last = end;
    }
    if last.seq != upto || last.hash != upto_hash {
        return Ok(Some(Broken {
            seq: last.seq + 1,
            id: String::new(),
            reason: format!("the chain head is at entry {upto} but the log ends at entry {}", last.seq),
        }));
    }
    Ok(None)
}

/// The plan events the `plan.*` entries of `page` anchor, by (plan, seq), read in one query.
async fn anchored_events<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    page: &[audit_event::Model],
) -> Result<HashMap<(PlanId, i64), String>> {
    let mut plans: Vec<PlanId> = page
        .iter()
        .filter(|e| e.kind.starts_with("plan."))
        .filter_map(|e| anchor_of(e).ok().flatten().map(|(plan, _, _)| plan))
        .collect();
    plans.sort();
    plans.dedup();
    let mut found = HashMap::new();
    for chunk in plans.chunks(200) {
        let rows = plan_event::data_of_plans(db, tenant, chunk.iter().copied()).await?;
        for (plan, seq, data) in rows {
            found.insert((plan, seq), data);
        }
    }
    Ok(found)
}

/// The plan event a `plan.*` entry anchors: (plan, seq, the anchored copy), if it anchors one.
/// A payload that is not JSON is itself a problem.
fn anchor_of(entry: &audit_event::Model) -> Result<Option<(PlanId, i64, Value)>, String> {
    if !entry.kind.starts_with("plan.") {
        return Ok(None);
    }
    let payload: Value =
        serde_json::from_str(&entry.payload).map_err(|e| format!("its payload is not JSON (edited): {e}"))?;
    let anchored = || {
        let plan = payload.get("plan")?.as_str()?.parse::<PlanId>().ok()?;
        let seq = payload.get("seq")?.as_i64()?;
        Some((plan, seq, payload.get("event").cloned().unwrap_or(Value::Null)))
    };
    Ok(anchored())
}

/// Checks one page in order after `from`: sequence, link, hash, anchored plan event. Returns
/// how many entries were checked, the last good one, and the first problem.
fn check_page(
    page: &[audit_event::Model],
    from: Verified,
    anchored: &HashMap<(PlanId, i64), String>,
) -> (u64, Verified, Option<Broken>) {
    let mut last = from;
    let mut checked = 0;
    for e in page {
        checked += 1;
        let expected_seq = last.seq + 1;
        let problem = if e.seq != expected_seq {
            Some(if e.seq > expected_seq {
                format!("expected entry {expected_seq} next but found {}: entries are missing", e.seq)
            } else {
                format!("expected entry {expected_seq} next but found {}", e.seq)
            })
        } else if e.prev_hash != last.hash {
            Some("its previous-hash does not match the entry before it (reordered or replaced)".to_string())
        } else if model_hash(e) != e.hash {
            Some("its content does not match its hash (edited)".to_string())
        } else {
            anchor_problem(e, anchored)
        };
        if let Some(reason) = problem {
            return (checked, last, Some(Broken { seq: e.seq, id: e.id.to_string(), reason }));
        }
        last = Verified { seq: e.seq, hash: e.hash.clone() };
    }
    (checked, last, None)
}

/// Plan events are anchored in the chain: every one was written with an audit entry carrying
/// a copy of it. An event edited afterwards no longer matches its entry.
fn anchor_problem(entry: &audit_event::Model, anchored: &HashMap<(PlanId, i64), String>) -> Option<String> {
    let (plan, seq, copy) = match anchor_of(entry) {
        Err(problem) => return Some(problem),
        Ok(None) => return None,
        Ok(Some(anchor)) => anchor,
    };
    match anchored.get(&(plan, seq)) {
        None => Some(format!("event {seq} of plan {plan} is missing from the plan's log")),
        Some(data) => match serde_json::from_str::<Value>(data) {
            Err(_) => Some(format!("event {seq} of plan {plan} is not readable JSON (edited)")),
            Ok(stored) => (super::canonical_json(&super::redact(stored)) != super::canonical_json(&copy))
                .then(|| format!("event {seq} of plan {plan} differs from the copy anchored in this entry (edited)")),
        },
    }
}
