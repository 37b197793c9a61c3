//! Reading an organization's audit chain. Needs `audit.read` in the organization; the scheduled
//! verification of every chain is housekeeping.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use praetor_store::{AuditEventId, Housekeeping, OrgId, Tenant, audit_event};

use super::page::{Page, PageArgs};
use crate::AppState;
use crate::audit::verify::{self, Report, Verified};
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::error::{Error, Result};

/// Newest first; the cursor is the entry's sequence number.
pub async fn list(
    app: &AppState,
    access: &OrgAccess,
    args: PageArgs<i64>,
    kind_prefix: Option<&str>,
    subject: Option<&str>,
) -> Result<Page<audit_event::Model>> {
    access.permit::<ops::AuditRead>(Domain::Org)?;
    let filter = audit_event::Filter {
        before: args.after,
        kind_prefix: kind_prefix.filter(|p| !p.is_empty()),
        subject: subject.filter(|s| !s.is_empty()),
    };
    let rows = audit_event::newest(&app.db, access.tenant(), filter, args.fetch_limit()).await?;
    Ok(Page::from_overfetch(rows, args.first))
}

pub async fn find(app: &AppState, access: &OrgAccess, id: AuditEventId) -> Result<audit_event::Model> {
    access.read_permit::<ops::AuditRead>(Domain::Org, "audit event")?;
    audit_event::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("audit event"))
}

/// The sequence number of the organization's newest entry (0 before the first).
pub async fn head_seq(app: &AppState, access: &OrgAccess) -> Result<i64> {
    access.permit::<ops::AuditRead>(Domain::Org)?;
    Ok(praetor_store::audit_head::of(&app.db, access.tenant()).await?.map_or(0, |h| h.seq))
}

/// The entries after `after` up to `upto`, in chain order (at most `limit` of them): what a
/// live reader missed, read back. The chain is appended in commit order, so when entry
/// `upto` is committed every one before it is too.
pub async fn between(
    app: &AppState,
    access: &OrgAccess,
    after: i64,
    upto: i64,
    limit: u64,
) -> Result<Vec<audit_event::Model>> {
    access.permit::<ops::AuditRead>(Domain::Org)?;
    let rows = audit_event::after(&app.db, access.tenant(), after, limit).await?;
    Ok(rows.into_iter().filter(|e| e.seq <= upto).collect())
}

/// How long a full verification of a chain is built on: within it, [`verify`] checks only
/// the entries appended since (a chain of any length then costs what was added, not its
/// length). `praetor audit verify` always checks everything.
pub const FULL_CHECK_EVERY: Duration = Duration::from_secs(60);

/// The last clean verification of each organization's chain, and one verifier at a time per
/// organization (concurrent requests wait for the one running and then build on it).
#[derive(Default)]
pub struct ChainChecks {
    last: Mutex<HashMap<OrgId, Checked>>,
    gates: Mutex<HashMap<OrgId, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Clone)]
struct Checked {
    full_at: Instant,
    entries: u64,
    end: Verified,
}

impl ChainChecks {
    fn gate(&self, org: OrgId) -> Arc<tokio::sync::Mutex<()>> {
        match self.gates.lock() {
            Ok(mut gates) => {
                gates.retain(|_, g| Arc::strong_count(g) > 1);
                gates.entry(org).or_default().clone()
            }
            Err(_) => Arc::default(),
        }
    }
}

/// Verifies the organization's chain (see [`FULL_CHECK_EVERY`]). Needs `audit.read`.
pub async fn verify(app: &AppState, access: &OrgAccess) -> Result<Report> {
    access.permit::<ops::AuditRead>(Domain::Org)?;
    let org = access.org_id();
    let checks = &app.chain_checks;
    let gate = checks.gate(org);
    let _one_at_a_time = gate.lock().await;
    let prior =
        checks.last.lock().ok().and_then(|m| m.get(&org).cloned()).filter(|c| c.full_at.elapsed() < FULL_CHECK_EVERY);
    let (from, before, full_at) = match prior {
        Some(c) => (Some(c.end), c.entries, c.full_at),
        None => (None, 0, Instant::now()),
    };
    let (mut report, end) = verify::verify_from(&app.db, access.tenant(), from).await?;
    report.entries += before;
    if let Ok(mut last) = checks.last.lock() {
        match end {
            Some(end) => {
                last.insert(org, Checked { full_at, entries: report.entries, end });
            }
            None => {
                last.remove(&org);
            }
        }
    }
    Ok(report)
}

/// Verifies every organization's whole chain (of the node's organization only, on a node
/// dedicated to one): the scheduler's `audit.verify`. From the first entry each time, and apart
/// from the verifications [`verify`] builds on, so an entry edited after it was checked is
/// found at the next run. A broken chain is logged and counted on `/metrics`; answers how many
/// were broken, of how many.
pub async fn verify_all(app: &AppState) -> Result<(usize, usize)> {
    let orgs = super::orgs::served_here(app, Housekeeping::Metrics).await?;
    let mut broken = 0;
    for org in &orgs {
        let report = verify::verify_org(&app.db, Tenant::housekeeping(*org, Housekeeping::Metrics)).await?;
        if let Some(b) = &report.first_broken {
            broken += 1;
            tracing::error!(%org, seq = b.seq, "the audit chain is broken: {}", b.reason);
        }
    }
    crate::metrics::audit_verified(broken);
    Ok((broken, orgs.len()))
}
