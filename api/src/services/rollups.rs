//! Rollups: what each organization's activity adds up to per project and per hour and UTC day —
//! plans by final status and by origin (people, agents, integrations), steps run, spend,
//! refusals by code, approvals and their latency, chat messages and sessions, kill switches.
//!
//! They are folded from the organization's audit chain, which records every one of those
//! things in commit order with a gapless sequence: a fold reads the entries after the
//! organization's mark (`rollup_marks`), adds their facts to the buckets and moves the mark, all
//! in one transaction, so history is never rescanned and a run that repeats (or two nodes
//! racing) counts nothing twice. The arithmetic is `praetor_domain::rollup`'s. `rebuild` folds
//! again from a given instant (after a change in what is counted).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use praetor_domain::rollup::{ALL_PROJECTS, Bucket, Fact, Granularity, Key, ORG_ONLY, Origin, fold};
use praetor_domain::{ActorRef, PlanStatus};
use praetor_store::{
    ChatSessionId, Housekeeping, PlanId, ProjectId, RollupId, Tenant, Txn, audit_event, chat_session, org, plan,
    plan_event, rollup, rollup_mark,
};
use serde_json::Value;

use crate::AppState;
use crate::audit::canonical_json;
use crate::authz::{Permit, ops};
use crate::error::{Error, Result, stored};

/// Audit entries folded per transaction.
const BATCH: u64 = 2_000;

/// Folds every organization's new audit entries (those of the node's own organization only,
/// on a node dedicated to one). Answers how many entries were folded.
pub async fn fold_all(app: &AppState) -> Result<u64> {
    let orgs = super::orgs::served_here(app, Housekeeping::Rollups).await?;
    let mut folded = 0;
    for id in orgs {
        folded += fold_org(app, Tenant::housekeeping(id, Housekeeping::Rollups)).await?;
    }
    Ok(folded)
}

/// Folds `tenant`'s audit entries after its mark; answers how many.
pub async fn fold_org(app: &AppState, tenant: Tenant) -> Result<u64> {
    let mut total = 0;
    loop {
        let n = fold_batch(app, tenant).await?;
        total += n;
        if n < BATCH {
            return Ok(total);
        }
    }
}

async fn fold_batch(app: &AppState, tenant: Tenant) -> Result<u64> {
    let now = app.clock.now();
    let txn = crate::db::begin_write(&app.db).await?;
    // The mark's row lock makes folds of one organization take turns.
    let mark = rollup_mark::lock_or_start(&txn, tenant, now).await?;
    let entries = audit_event::after(&txn, tenant, mark.audit_seq, BATCH).await?;
    let Some(last) = entries.last().map(|e| e.seq) else {
        txn.commit().await?;
        return Ok(0);
    };
    let facts = facts_of(&txn, tenant, &entries).await?;
    let buckets = fold(facts.iter().map(|(s, at, f)| (s.as_str(), *at, f)));
    add(&txn, tenant, buckets, now).await?;
    rollup_mark::set(&txn, tenant, last, Some(now)).await?;
    txn.commit().await?;
    Ok(entries.len() as u64)
}

/// Adds `buckets` to the stored ones.
async fn add(txn: &Txn, tenant: Tenant, buckets: BTreeMap<Key, Bucket>, now: DateTime<Utc>) -> Result<()> {
    for ((scope, granularity, start), bucket) in buckets {
        let existing = rollup::bucket(txn, tenant, &scope, granularity.as_str(), start).await?;
        match existing {
            Some(row) => {
                let mut sum = read_bucket(&row)?;
                sum.merge(&bucket);
                let next = rollup::Model { data: encode(&sum)?, updated_at: now, ..row.clone() };
                praetor_store::update(txn, &row, next).await?;
            }
            None => {
                praetor_store::insert(
                    txn,
                    rollup::Model {
                        id: RollupId::generate(),
                        org_id: tenant.org(),
                        scope,
                        granularity: granularity.as_str().to_string(),
                        bucket_start: start,
                        data: encode(&bucket)?,
                        updated_at: now,
                    },
                )
                .await?;
            }
        }
    }
    Ok(())
}

fn encode(b: &Bucket) -> Result<String> {
    Ok(canonical_json(&serde_json::to_value(b).map_err(Error::internal)?))
}

fn read_bucket(row: &rollup::Model) -> Result<Bucket> {
    stored(format_args!("rollup {}", row.id), &row.data)
}

/// The facts of `entries`, each with the scope it counts in (a project's id, or `org`).
async fn facts_of(
    txn: &Txn,
    tenant: Tenant,
    entries: &[audit_event::Model],
) -> Result<Vec<(String, DateTime<Utc>, Fact)>> {
    let payloads: Vec<Value> = entries
        .iter()
        .map(|e| stored(format_args!("the payload of audit entry {} of {}", e.seq, e.org_id), &e.payload))
        .collect::<Result<_>>()?;
    let plan_of = |e: &audit_event::Model, p: &Value| -> Option<PlanId> {
        match e.kind.as_str() {
            "plan.queue_refused" => e.subject.parse().ok(),
            k if k.starts_with("plan.") && k != "plan.refused" => p["plan"].as_str().and_then(|s| s.parse().ok()),
            _ => None,
        }
    };
    // The plans, chat sessions and approval requests the entries name, read once each.
    let plan_ids: BTreeSet<PlanId> = entries.iter().zip(&payloads).filter_map(|(e, p)| plan_of(e, p)).collect();
    let plans: HashMap<PlanId, plan::Model> = if plan_ids.is_empty() {
        HashMap::new()
    } else {
        plan::by_ids(txn, tenant, plan_ids.iter().copied()).await?.into_iter().map(|p| (p.id, p)).collect()
    };
    let sessions: BTreeSet<ChatSessionId> =
        entries.iter().filter(|e| e.kind == "chat.message").filter_map(|e| e.subject.parse().ok()).collect();
    let session_projects: HashMap<ChatSessionId, ProjectId> = if sessions.is_empty() {
        HashMap::new()
    } else {
        chat_session::projects_of(txn, tenant, sessions).await?.into_iter().collect()
    };
    let approved: BTreeSet<PlanId> = entries
        .iter()
        .zip(&payloads)
        .filter(|(e, _)| e.kind == "plan.approved")
        .filter_map(|(e, p)| plan_of(e, p))
        .collect();
    let mut asked: HashMap<PlanId, Vec<DateTime<Utc>>> = HashMap::new();
    if !approved.is_empty() {
        for (id, at) in plan_event::times_of_kind(txn, tenant, approved, "ApprovalRequested").await? {
            asked.entry(id).or_default().push(at);
        }
    }

    let mut out = Vec::new();
    for (e, p) in entries.iter().zip(&payloads) {
        let plan = plan_of(e, p).and_then(|id| plans.get(&id));
        let plan_scope = || plan.map(|pl| pl.project_id.to_string()).unwrap_or_else(|| ORG_ONLY.to_string());
        let event = &p["event"];
        let facts: Vec<(String, Fact)> = match e.kind.as_str() {
            "plan.proposed" => {
                let chain: Vec<ActorRef> = stored(format_args!("the actor of audit entry {}", e.seq), &e.actor)?;
                let origin = Origin::of_chain(chain.iter().map(|a| a.kind.as_str()));
                let mut f = vec![(plan_scope(), Fact::Proposed { origin })];
                // A denied proposal ends there, rejected, with no event of its own.
                if event["verdict"] == "denied" {
                    f.push((plan_scope(), Fact::Finished { status: PlanStatus::Rejected }));
                    for code in denial_codes(plan)? {
                        f.push((plan_scope(), Fact::Refused { code }));
                    }
                }
                f
            }
            "plan.step_succeeded" => {
                vec![(plan_scope(), Fact::Step { failed: false, cost: event["cost"].as_f64().unwrap_or(0.0) })]
            }
            // A failure that will be retried is not the step's end.
            "plan.step_failed" if event["retry_at"].is_null() => {
                vec![(plan_scope(), Fact::Step { failed: true, cost: 0.0 })]
            }
            "plan.approved" => {
                let latency = plan.and_then(|pl| asked.get(&pl.id)).and_then(|times| {
                    times
                        .iter()
                        .filter(|t| **t <= e.occurred_at)
                        .max()
                        .map(|t| (e.occurred_at - *t).num_milliseconds() as f64 / 1000.0)
                });
                vec![(plan_scope(), Fact::Approved { latency_seconds: latency })]
            }
            "plan.refused" => vec![(
                e.subject.parse::<ProjectId>().map(|p| p.to_string()).unwrap_or_else(|_| ORG_ONLY.to_string()),
                Fact::Refused { code: p["code"].as_str().unwrap_or("UNKNOWN").to_string() },
            )],
            "plan.queue_refused" => vec![(plan_scope(), Fact::Refused { code: "BUDGET_EXCEEDED".into() })],
            kind if kind.starts_with("plan.") => {
                match kind.strip_prefix("plan.").and_then(PlanStatus::parse).filter(PlanStatus::is_terminal) {
                    Some(status) => vec![(plan_scope(), Fact::Finished { status })],
                    None => Vec::new(),
                }
            }
            "chat.message" => {
                let scope = e
                    .subject
                    .parse::<ChatSessionId>()
                    .ok()
                    .and_then(|s| session_projects.get(&s))
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| ORG_ONLY.to_string());
                vec![(scope, Fact::ChatMessage)]
            }
            "chat.session_created" => vec![(project_or_org(&p["project"]), Fact::ChatSession)],
            "killswitch.engaged" => vec![(project_or_org(&p["project"]), Fact::KillSwitchEngaged)],
            "killswitch.released" => {
                let engaged = audit_event::last_time_of(txn, tenant, "killswitch.engaged", &e.subject, e.seq).await?;
                let seconds = engaged.map(|t| (e.occurred_at - t).num_seconds() as f64).unwrap_or(0.0);
                vec![(project_or_org(&p["project"]), Fact::KillSwitchReleased { seconds })]
            }
            _ => Vec::new(),
        };
        out.extend(facts.into_iter().map(|(scope, f)| (scope, e.occurred_at, f)));
    }
    Ok(out)
}

fn project_or_org(v: &Value) -> String {
    v.as_str().and_then(|s| s.parse::<ProjectId>().ok()).map(|p| p.to_string()).unwrap_or_else(|| ORG_ONLY.to_string())
}

/// The codes a denied plan's preview gives for the denial.
fn denial_codes(plan: Option<&plan::Model>) -> Result<Vec<String>> {
    let Some(plan) = plan else { return Ok(vec!["DENIED".into()]) };
    let preview: Value = stored(format_args!("the preview of plan {}", plan.id), &plan.preview)?;
    let codes: Vec<String> = preview["reason_codes"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    Ok(if codes.is_empty() { vec!["DENIED".into()] } else { codes })
}

/// Folds `tenant`'s audit chain again from `from` (rounded down to its UTC day): the buckets
/// from that day on are dropped and the mark set back before the first entry of it, then
/// folded as usual. Answers how many entries were folded.
pub async fn rebuild(app: &AppState, tenant: Tenant, from: DateTime<Utc>) -> Result<u64> {
    let day = Granularity::Day.start(from);
    let txn = crate::db::begin_write(&app.db).await?;
    let first = audit_event::first_seq_since(&txn, tenant, day).await?;
    rollup::drop_from(&txn, tenant, day).await?;
    if let Some(first) = first {
        rollup_mark::set(&txn, tenant, first - 1, None).await?;
    }
    txn.commit().await?;
    fold_org(app, tenant).await
}

/// The sum of each bucket of a scope in `[from, to)`, oldest first, with each bucket's start.
pub async fn series<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    scope: &str,
    granularity: Granularity,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, Bucket)>> {
    rollup::series(db, tenant, scope, granularity.as_str(), granularity.start(from), to)
        .await?
        .iter()
        .map(|r| Ok((r.bucket_start, read_bucket(r)?)))
        .collect()
}

/// The longest range a query may ask for.
pub const MAX_DAYS: i64 = 400;

/// Checks a query's range.
pub fn check_range(from: DateTime<Utc>, to: DateTime<Utc>, granularity: Granularity) -> Result<()> {
    if to <= from {
        return Err(Error::validation("to", "must be after `from`"));
    }
    let days = (to - from).num_days();
    let most = match granularity {
        Granularity::Day => MAX_DAYS,
        Granularity::Hour => 31,
    };
    if days > most {
        return Err(Error::validation("from", format!("at most {most} days at a time by {}", granularity.as_str())));
    }
    Ok(())
}

/// An organization's rollups over `[from, to)`: of one project, or across all of them.
pub async fn of_org(
    app: &AppState,
    permit: &Permit<ops::AuditRead>,
    project: Option<ProjectId>,
    granularity: Granularity,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, Bucket)>> {
    check_range(from, to, granularity)?;
    let scope = project.map(|p| p.to_string()).unwrap_or_else(|| ALL_PROJECTS.to_string());
    series(&app.db, permit.tenant(), &scope, granularity, from, to).await
}

/// Each project's total over `[from, to)` (by day), largest spend first; the organization's own
/// activity outside any project under `None`.
pub async fn by_project(
    app: &AppState,
    permit: &Permit<ops::AuditRead>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(Option<ProjectId>, Bucket)>> {
    check_range(from, to, Granularity::Day)?;
    let day = Granularity::Day;
    let rows = rollup::other_scopes(&app.db, permit.tenant(), ALL_PROJECTS, day.as_str(), day.start(from), to).await?;
    let mut sums: BTreeMap<String, Bucket> = BTreeMap::new();
    for r in &rows {
        sums.entry(r.scope.clone()).or_default().merge(&read_bucket(r)?);
    }
    let mut out: Vec<(Option<ProjectId>, Bucket)> = sums.into_iter().map(|(s, b)| (s.parse().ok(), b)).collect();
    out.sort_by(|a, b| b.1.spend_micros.cmp(&a.1.spend_micros).then(b.1.plans_proposed.cmp(&a.1.plans_proposed)));
    Ok(out)
}

/// Every organization's totals over `[from, to)` by `granularity`, summed, and each
/// organization's total: for instance administrators.
pub async fn of_instance(
    app: &AppState,
    granularity: Granularity,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(Vec<(DateTime<Utc>, Bucket)>, Vec<(org::Model, Bucket)>)> {
    check_range(from, to, granularity)?;
    let orgs = org::listed(&app.db, Housekeeping::Rollups, None).await?;
    let mut points: BTreeMap<DateTime<Utc>, Bucket> = BTreeMap::new();
    let mut per_org = Vec::new();
    for o in orgs {
        let tenant = Tenant::housekeeping(o.id, Housekeeping::Rollups);
        let mut total = Bucket::default();
        for (start, b) in series(&app.db, tenant, ALL_PROJECTS, granularity, from, to).await? {
            total.merge(&b);
            points.entry(start).or_default().merge(&b);
        }
        per_org.push((o, total));
    }
    per_org.sort_by_key(|o| std::cmp::Reverse(o.1.plans_proposed));
    Ok((points.into_iter().collect(), per_org))
}
