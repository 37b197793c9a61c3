//! Read models of governance for dashboards: budgets, rate-limit usage, autonomy, execution
//! windows and the kill switch in force. Each needs read access to the project (or org).

use chrono::Duration;
use praetor_store::{ProjectId, plan, project};
use serde_json::Value;

use crate::AppState;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::error::Result;
use crate::governance::{budget, kill, rate};
use chrono::{DateTime, Utc};
use praetor_domain::snapshot::{KillInfo, Phase};
use praetor_policy::Level;
use praetor_policy::document::{AutonomyMode, LimitScope, Risk};

/// A project's autonomous mode and whether a person paused it.
#[derive(Debug, Clone)]
pub struct AutonomyStatus {
    /// Whether any policy sets autonomy (without settings, autonomy restricts nothing).
    pub configured: bool,
    /// The strictest of all levels.
    pub mode: AutonomyMode,
    pub max_risk: Option<Risk>,
    pub max_cost_per_plan: Option<f64>,
    pub max_plans_per_hour: Option<u32>,
    pub paused_by: Option<String>,
    pub pause_reason: Option<String>,
    pub paused_at: Option<DateTime<Utc>>,
    /// Unattended plans proposed in the project in the last hour.
    pub unattended_plans_last_hour: u32,
}

/// How much of a rate limit is used right now.
#[derive(Debug, Clone)]
pub struct RateLimitStatus {
    /// `level:name`, e.g. `org:deploy-rate`.
    pub name: String,
    pub scope: LimitScope,
    pub actions: Vec<String>,
    pub per_minute: Option<u32>,
    pub per_hour: Option<u32>,
    pub proposals_last_minute: u32,
    pub proposals_last_hour: u32,
    pub executions_last_minute: u32,
    pub executions_last_hour: u32,
    /// When the limit is full for proposals: when the next one fits (`None`: there is room).
    pub proposals_free_at: Option<DateTime<Utc>>,
    /// When the limit is full for executions: when the next one may start.
    pub executions_free_at: Option<DateTime<Utc>>,
}

/// An execution window of the effective policy, and whether it is open now.
#[derive(Debug, Clone)]
pub struct ExecutionWindow {
    pub name: String,
    pub level: Level,
    pub actions: Vec<String>,
    pub days: Vec<String>,
    pub from: String,
    pub to: String,
    pub timezone: String,
    pub open: bool,
    /// The next opening (now, when open; `None` when it never opens).
    pub next_open: Option<DateTime<Utc>>,
}

/// Today's budget of a project (`Some`) or of the organization.
pub async fn budget(app: &AppState, access: &OrgAccess, project: Option<ProjectId>) -> Result<budget::Status> {
    match project {
        Some(p) => drop(access.read_permit::<ops::ProjectRead>(Domain::Project(p), "project")?),
        None => drop(access.read_permit::<ops::OrgRead>(Domain::Org, "organization")?),
    };
    let policy = app.policies.effective(&app.db, access.tenant(), project).await?;
    budget::status(&app.db, access.tenant(), project, &policy.effective, app.clock.now()).await
}

/// The kill switch that stops work in the project (or the organization) now, if any.
pub async fn kill_switch(app: &AppState, access: &OrgAccess, project: Option<ProjectId>) -> Result<Option<KillInfo>> {
    match project {
        Some(p) => drop(access.read_permit::<ops::ProjectRead>(Domain::Project(p), "project")?),
        None => drop(access.read_permit::<ops::OrgRead>(Domain::Org, "organization")?),
    };
    kill::in_force(&app.db, access.org_id(), project).await
}

pub async fn autonomy(app: &AppState, access: &OrgAccess, p: &project::Model) -> Result<AutonomyStatus> {
    access.read_permit::<ops::ProjectRead>(Domain::Project(p.id), "project")?;
    let policy = app.policies.effective(&app.db, access.tenant(), Some(p.id)).await?;
    let a = policy.effective.autonomy();
    let pause: Value = match p.autonomy_pause.as_deref() {
        Some(s) => crate::error::stored(format_args!("the autonomy pause of project {}", p.id), s)?,
        None => Value::Null,
    };
    let recent =
        plan::count_created_since(&app.db, access.tenant(), p.id, app.clock.now() - Duration::hours(1), true).await?;
    Ok(AutonomyStatus {
        configured: policy.effective.autonomy_configured(),
        mode: a.mode,
        max_risk: a.max_risk,
        max_cost_per_plan: a.max_cost_per_plan,
        max_plans_per_hour: a.max_plans_per_hour,
        paused_by: pause.get("by").and_then(Value::as_str).map(String::from),
        pause_reason: pause.get("reason").and_then(Value::as_str).map(String::from),
        paused_at: p.autonomy_paused_at,
        unattended_plans_last_hour: recent as u32,
    })
}

/// Every rate limit of the project's effective policy, with how much of it is used now (limits
/// per principal as they count for the caller).
pub async fn rate_limits(app: &AppState, access: &OrgAccess, project: ProjectId) -> Result<Vec<RateLimitStatus>> {
    access.read_permit::<ops::ProjectRead>(Domain::Project(project), "project")?;
    let policy = app.policies.effective(&app.db, access.tenant(), Some(project)).await?;
    let principal = crate::governance::pipeline::principal_value(access.principal(), &[]);
    let now = app.clock.now();
    let limits = rate::all(&policy.effective, access.org_id(), project, &principal);
    let keys: Vec<String> = limits.iter().flat_map(|(a, _)| [a.key(Phase::Propose), a.key(Phase::Execute)]).collect();
    let hits = rate::load(&app.db, access.tenant(), &keys, now).await?;
    let used = |key: String, secs: i64| -> u32 {
        hits.get(&key).map(|h| rate::in_window(h, Duration::seconds(secs), now)).unwrap_or(0)
    };
    let free_at = |a: &rate::Applicable, key: String| {
        let mine = hits.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        a.periods().into_iter().filter_map(|(_, length, max)| rate::count(mine, 0, max, length, now).retry_at).max()
    };
    Ok(limits
        .into_iter()
        .map(|(a, actions)| RateLimitStatus {
            scope: a.scope,
            actions,
            per_minute: a.per_minute,
            per_hour: a.per_hour,
            proposals_last_minute: used(a.key(Phase::Propose), 60),
            proposals_last_hour: used(a.key(Phase::Propose), rate::LONGEST),
            executions_last_minute: used(a.key(Phase::Execute), 60),
            executions_last_hour: used(a.key(Phase::Execute), rate::LONGEST),
            proposals_free_at: free_at(&a, a.key(Phase::Propose)),
            executions_free_at: free_at(&a, a.key(Phase::Execute)),
            name: a.name,
        })
        .collect())
}

/// The execution windows of the project's effective policy, open or not right now.
pub async fn windows(app: &AppState, access: &OrgAccess, project: ProjectId) -> Result<Vec<ExecutionWindow>> {
    access.read_permit::<ops::ProjectRead>(Domain::Project(project), "project")?;
    let policy = app.policies.effective(&app.db, access.tenant(), Some(project)).await?;
    let now = app.clock.now();
    let mut out = Vec::new();
    for l in policy.effective.layers() {
        for p in &l.set.policies {
            for (w, spec, _) in &p.windows {
                out.push(ExecutionWindow {
                    name: format!("{}/{}", p.name, w.name.clone().unwrap_or_else(|| "window".into())),
                    level: l.level,
                    actions: w.actions.clone(),
                    days: w.days.iter().map(|d| format!("{d:?}").to_lowercase()).collect(),
                    from: w.from.clone(),
                    to: w.to.clone(),
                    timezone: w.timezone.clone(),
                    open: spec.is_open(now),
                    next_open: spec.next_open(now),
                });
            }
        }
    }
    Ok(out)
}
