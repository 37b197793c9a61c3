//! Reads the governance [`Snapshot`] a decision needs: the kill switch in force, the rate-limit
//! hits of every limit the plan's steps count against, today's budgets, and autonomy inputs.

use chrono::{DateTime, Duration, Utc};
use praetor_policy::decide::Effective;
use std::collections::{BTreeMap, BTreeSet};

use praetor_store::{ProjectId, Tenant, group, group_member, plan, project, user};
use serde_json::Value;

use super::{autonomy, budget, kill, rate};
use crate::error::Result;
use praetor_domain::plan::Step;
use praetor_domain::snapshot::{Approvers, AutonomyState, Phase, Snapshot};

/// What to read the snapshot for.
pub struct For<'a> {
    pub tenant: Tenant,
    pub project: ProjectId,
    pub effective: &'a Effective,
    pub principal: &'a Value,
    pub steps: &'a [Step],
    pub phase: Phase,
    pub now: DateTime<Utc>,
}

/// Every rate-limit key the steps count against in this phase (sorted, distinct).
pub fn rate_keys(f: &For<'_>) -> Vec<String> {
    let mut keys: Vec<String> = f
        .steps
        .iter()
        .flat_map(|s| rate::applicable(f.effective, &s.action, f.tenant.org(), f.project, f.principal))
        .map(|a| a.key(f.phase))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Reads the snapshot. `kills` is the executor's cache (fresh within a fraction of a second);
/// without it the switches are read from `db`.
pub async fn snapshot<C: praetor_store::Conn>(db: &C, kills: Option<&kill::Cache>, f: &For<'_>) -> Result<Snapshot> {
    let kill = match kills {
        Some(cache) => cache.get(db, f.tenant.org(), Some(f.project)).await?,
        None => kill::in_force(db, f.tenant.org(), Some(f.project)).await?,
    };
    let rates = rate::load(db, f.tenant, &rate_keys(f), f.now).await?;
    let mut snap = Snapshot { phase: f.phase, kill, rates, ..Default::default() };
    if f.phase == Phase::Propose {
        snap.budgets = budget::states(db, f.tenant, f.project, f.effective, f.now).await?;
        let hour_ago = f.now - Duration::hours(1);
        let since =
            |t: DateTime<Utc>, unattended: bool| plan::count_created_since(db, f.tenant, f.project, t, unattended);
        // Counting plans costs two queries per decision: only when a condition reads `usage`.
        if f.effective.reads_usage() {
            let (p, o) = budget::specs(f.effective);
            let tz = p.or(o).map(|s| s.tz).unwrap_or(chrono_tz::UTC);
            let (_, day_start, _) = budget::local_day(tz, f.now);
            snap.plans_this_hour = since(hour_ago, false).await? as u32;
            snap.plans_today = since(day_start, false).await? as u32;
        }
        let unattended = autonomy::unattended(f.principal);
        let mut state = AutonomyState { unattended, ..Default::default() };
        if unattended && f.effective.autonomy_configured() {
            state.plans_this_hour = since(hour_ago, true).await? as u32;
            let p = project::by_id(db, f.tenant, f.project).await?;
            state.paused = match p.and_then(|p| p.autonomy_paused_at.and(p.autonomy_pause)) {
                None => None,
                Some(raw) => {
                    let v: Value = crate::error::stored("a project's autonomy pause", &raw)?;
                    Some((
                        v.get("by").and_then(Value::as_str).unwrap_or("an approver").to_string(),
                        v.get("reason").and_then(Value::as_str).unwrap_or("").to_string(),
                    ))
                }
            };
        }
        snap.autonomy = state;
        snap.approvers = approvers(db, f.tenant, f.effective).await?;
    }
    Ok(snap)
}

/// The members of every group the policy's approval stages name, by group (`None` when no
/// stage names one): who could approve, for judging whether a plan's stages ever can be.
async fn approvers<C: praetor_store::Conn>(db: &C, tenant: Tenant, effective: &Effective) -> Result<Option<Approvers>> {
    let named: BTreeSet<String> = effective
        .rules()
        .into_iter()
        .flat_map(|(_, _, r)| r.rule.approvals.iter().flat_map(|stage| stage.groups()))
        .collect();
    if named.is_empty() {
        return Ok(None);
    }
    let groups: BTreeMap<_, _> =
        group::all(db, tenant).await?.into_iter().filter(|g| named.contains(&g.name)).map(|g| (g.id, g.name)).collect();
    let members: Vec<_> =
        group_member::all(db, tenant).await?.into_iter().filter(|m| groups.contains_key(&m.group_id)).collect();
    let people: BTreeMap<_, _> = user::by_ids(db, members.iter().map(|m| m.user_id))
        .await?
        .into_iter()
        .map(|u| (u.id, if u.display_name.is_empty() { u.email } else { u.display_name }))
        .collect();
    let mut out: Approvers = named.into_iter().map(|g| (g, BTreeMap::new())).collect();
    for m in members {
        if let (Some(group), Some(name)) = (groups.get(&m.group_id), people.get(&m.user_id)) {
            out.entry(group.clone()).or_default().insert(m.user_id.to_string(), name.clone());
        }
    }
    Ok(Some(out))
}
