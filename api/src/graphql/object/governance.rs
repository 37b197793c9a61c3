//! Governance as clients see it: budgets, kill switches, autonomy, rate limits, execution
//! windows and time-boxed role grants.

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_store::{kill_switch, role_grant};

use super::{AutonomyModeGql, GrantStatusGql, LimitScopeGql, PolicyLevelGql, RiskGql, ScopeGql};
use crate::auth::ActorRef;
use crate::error::stored_value;
use crate::governance::budget;
use crate::services::{governance, grants};
use praetor_domain::KillScope;
use praetor_domain::snapshot::KillInfo;

/// A daily budget: its limit (when policy sets one) and today's ledger.
#[derive(SimpleObject)]
pub struct Budget {
    /// The daily limit; null when no policy sets one (spending is still tracked).
    pub limit: Option<f64>,
    pub unit: String,
    /// The IANA time zone in which the day turns over.
    pub timezone: String,
    /// The policy that sets the limit.
    pub policy: Option<String>,
    /// Today's local date.
    pub day: String,
    pub spent: f64,
    /// Held by queued and running plans.
    pub reserved: f64,
    /// `limit - spent - reserved` (null without a limit).
    pub remaining: Option<f64>,
    /// When the next day starts.
    pub resets_at: DateTime<Utc>,
    /// Fractions of the limit that raise alerts.
    pub alert_at: Vec<f64>,
}

impl From<budget::Status> for Budget {
    fn from(s: budget::Status) -> Self {
        Self {
            remaining: s.limit.map(|l| (l - s.spent - s.reserved).max(0.0)),
            limit: s.limit,
            unit: s.unit,
            timezone: s.timezone,
            policy: s.policy,
            day: s.day,
            spent: s.spent,
            reserved: s.reserved,
            resets_at: s.resets_at,
            alert_at: s.alert_at,
        }
    }
}

/// How a budget's day is forecast.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "praetor_domain::forecast::Method")]
pub enum ForecastMethod {
    /// The mean spend of each hour of the day over the last 14 days, scaled by how today
    /// compares with it so far (with at least 3 past days of activity).
    Profile,
    /// The rate spent so far, continued to the reset.
    Linear,
}

/// Today's budget projected to its reset: how much will have been spent and reserved, and
/// when (if) it runs out.
#[derive(SimpleObject)]
pub struct BudgetForecast {
    pub budget: Budget,
    /// Spent and reserved by the reset.
    pub projected: f64,
    /// When spent and reserved reach the limit, if before the reset (now, if they have).
    pub exhausts_at: Option<DateTime<Utc>>,
    /// 0 to 1: one minus the method's median error on past days, lowered while history is
    /// short.
    pub confidence: f64,
    pub method: ForecastMethod,
    /// Past days with activity the profile was made from (of the last 14).
    pub history_days: i32,
    /// The profile's median relative error on the past days, each predicted at this time of
    /// day from the others (none for the linear method).
    pub backtest_error: Option<f64>,
    /// "exhausted at 15:40 UTC, 2 h 20 min before the reset", when it runs out before then.
    pub message: Option<String>,
}

impl BudgetForecast {
    pub fn new(status: budget::Status, f: praetor_domain::forecast::Forecast) -> Self {
        let message = f
            .exhausts_at
            .filter(|at| *at < status.resets_at)
            .map(|at| crate::services::forecasts::exhaustion_message(at, status.resets_at));
        Self {
            projected: f.projected,
            exhausts_at: f.exhausts_at,
            confidence: f.confidence,
            method: f.method.into(),
            history_days: f.history_days as i32,
            backtest_error: f.backtest_error,
            message,
            budget: status.into(),
        }
    }
}

/// One past day of a budget (its local day) and what it spent.
#[derive(SimpleObject)]
pub struct DailySpend {
    /// `YYYY-MM-DD` in the budget's time zone.
    pub day: String,
    pub spent: f64,
}

/// A daily limit recommended from the project's spending, with the evidence: the 95th
/// percentile of the last 30 whole days (from the first that spent; at least 14 needed) with
/// headroom, rounded up to two significant figures, never above the organization's own limit.
/// Applied only by `applyBudgetRecommendation`, by someone with `policy.write`.
#[derive(SimpleObject)]
pub struct BudgetRecommendation {
    /// The project's budget today (its current limit, if any).
    pub budget: Budget,
    /// The recommended daily limit; none with too little history (see `reason`).
    pub recommended: Option<f64>,
    /// Why there is none, or what it is and what bounded it.
    pub reason: String,
    /// Whole past days the figures come from.
    pub history_days: i32,
    pub p50: f64,
    pub p95: f64,
    /// The largest day.
    pub max: f64,
    /// Added to the 95th percentile (0.2: 20%).
    pub headroom: f64,
    /// The organization's own daily limit, which bounds the recommendation.
    pub org_limit: Option<f64>,
    /// Each past day's spend, oldest first.
    pub daily: Vec<DailySpend>,
}

impl From<crate::services::budget_advice::Advice> for BudgetRecommendation {
    fn from(a: crate::services::budget_advice::Advice) -> Self {
        let r = a.recommendation;
        Self {
            budget: a.status.into(),
            recommended: r.recommended,
            reason: r.reason,
            history_days: r.days as i32,
            p50: r.p50,
            p95: r.p95,
            max: r.max,
            headroom: r.headroom,
            org_limit: a.org_limit,
            daily: a.daily.into_iter().map(|(day, spent)| DailySpend { day, spent }).collect(),
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "praetor_domain::KillScope")]
pub enum KillSwitchScope {
    Global,
    Org,
    Project,
}

/// A kill switch: its state and who last changed it.
pub struct KillSwitchObject {
    pub model: kill_switch::Model,
    /// Plans the last change touched: running plans woken to be killed, or held plans resumed
    /// or cancelled.
    pub plans: Option<usize>,
}

#[Object(name = "KillSwitch")]
impl KillSwitchObject {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn scope(&self) -> async_graphql::Result<KillSwitchScope> {
        let what = format_args!("the scope of kill switch {}", self.model.id);
        Ok(stored_value(what, &self.model.scope, KillScope::parse)?.into())
    }

    async fn engaged(&self) -> bool {
        self.model.engaged
    }

    async fn reason(&self) -> &str {
        &self.model.reason
    }

    /// Who last engaged or released it.
    async fn changed_by(&self) -> async_graphql::Result<String> {
        let chain: Vec<ActorRef> = crate::error::stored("the actor of a kill switch", &self.model.actor)?;
        Ok(chain.last().map(|a| a.name.clone()).unwrap_or_default())
    }

    async fn engaged_at(&self) -> Option<DateTime<Utc>> {
        self.model.engaged_at
    }

    async fn released_at(&self) -> Option<DateTime<Utc>> {
        self.model.released_at
    }

    /// `resume` or `cancel`: what happened to held plans on release.
    async fn release_mode(&self) -> Option<&str> {
        self.model.release_mode.as_deref()
    }

    /// How many plans the change touched (only on the mutation's answer).
    async fn plans_affected(&self) -> Option<i32> {
        self.plans.map(|n| n as i32)
    }
}

/// The kill switch that stops work in a scope right now.
#[derive(SimpleObject)]
pub struct KillSwitchInForce {
    /// Where the switch that applies was engaged.
    pub scope: KillSwitchScope,
    pub reason: String,
    pub engaged_by: String,
    pub engaged_at: Option<DateTime<Utc>>,
}

impl From<KillInfo> for KillSwitchInForce {
    fn from(k: KillInfo) -> Self {
        Self { scope: k.scope.into(), reason: k.reason, engaged_by: k.by, engaged_at: k.at }
    }
}

impl From<governance::AutonomyStatus> for AutonomyStatus {
    fn from(a: governance::AutonomyStatus) -> Self {
        Self {
            configured: a.configured,
            mode: a.mode.into(),
            max_risk: a.max_risk.map(Into::into),
            max_cost_per_plan: a.max_cost_per_plan,
            max_plans_per_hour: a.max_plans_per_hour,
            paused: a.paused_at.is_some(),
            paused_by: a.paused_by,
            pause_reason: a.pause_reason,
            paused_at: a.paused_at,
            unattended_plans_last_hour: a.unattended_plans_last_hour,
        }
    }
}

impl From<governance::RateLimitStatus> for RateLimitStatus {
    fn from(r: governance::RateLimitStatus) -> Self {
        Self {
            name: r.name,
            scope: r.scope.into(),
            actions: r.actions,
            per_minute: r.per_minute,
            per_hour: r.per_hour,
            proposals_last_minute: r.proposals_last_minute,
            proposals_last_hour: r.proposals_last_hour,
            executions_last_minute: r.executions_last_minute,
            executions_last_hour: r.executions_last_hour,
            proposals_free_at: r.proposals_free_at,
            executions_free_at: r.executions_free_at,
        }
    }
}

impl From<governance::ExecutionWindow> for ExecutionWindow {
    fn from(w: governance::ExecutionWindow) -> Self {
        Self {
            name: w.name,
            level: w.level.into(),
            actions: w.actions,
            days: w.days,
            from: w.from,
            to: w.to,
            timezone: w.timezone,
            open: w.open,
            next_open: w.next_open,
        }
    }
}

/// Autonomous mode of a project, and whether a person paused it.
#[derive(SimpleObject)]
pub struct AutonomyStatus {
    /// Whether any policy sets autonomy (without settings, autonomy restricts nothing).
    pub configured: bool,
    /// The strictest of all levels.
    pub mode: AutonomyModeGql,
    pub max_risk: Option<RiskGql>,
    pub max_cost_per_plan: Option<f64>,
    pub max_plans_per_hour: Option<u32>,
    pub paused: bool,
    pub paused_by: Option<String>,
    pub pause_reason: Option<String>,
    pub paused_at: Option<DateTime<Utc>>,
    /// Unattended plans proposed in the project in the last hour.
    pub unattended_plans_last_hour: u32,
}

/// How much of a rate limit is used right now.
#[derive(SimpleObject)]
pub struct RateLimitStatus {
    /// `level:name`, e.g. `org:deploy-rate`.
    pub name: String,
    pub scope: LimitScopeGql,
    pub actions: Vec<String>,
    pub per_minute: Option<u32>,
    pub per_hour: Option<u32>,
    pub proposals_last_minute: u32,
    pub proposals_last_hour: u32,
    pub executions_last_minute: u32,
    pub executions_last_hour: u32,
    /// When the limit is full for proposals: when the next one fits (null: there is room).
    pub proposals_free_at: Option<DateTime<Utc>>,
    /// When the limit is full for executions: when the next one may start.
    pub executions_free_at: Option<DateTime<Utc>>,
}

/// An execution window of the effective policy, and whether it is open now.
#[derive(SimpleObject)]
pub struct ExecutionWindow {
    pub name: String,
    pub level: PolicyLevelGql,
    pub actions: Vec<String>,
    pub days: Vec<String>,
    pub from: String,
    pub to: String,
    pub timezone: String,
    pub open: bool,
    /// The next opening (now, when open; null when it never opens).
    pub next_open: Option<DateTime<Utc>>,
}

/// A time-boxed role grant.
pub struct RoleGrantObject {
    pub model: role_grant::Model,
    pub now: DateTime<Utc>,
    pub project_slug: Option<String>,
    /// The viewer may approve or reject it now.
    pub viewer_can_decide: bool,
}

impl RoleGrantObject {
    /// The grant as `access`'s principal sees it at `now`.
    pub fn new(
        access: &crate::authz::OrgAccess,
        model: role_grant::Model,
        now: DateTime<Utc>,
        project_slug: Option<String>,
    ) -> Self {
        let viewer_can_decide = crate::services::grants::may_decide(access, &model, now);
        Self { model, now, project_slug, viewer_can_decide }
    }
}

#[Object(name = "RoleGrant")]
impl RoleGrantObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// user, group or service_account.
    async fn subject_kind(&self) -> &str {
        &self.model.subject_kind
    }

    /// The subject as people know it (an e-mail, a group or account name).
    async fn subject(&self) -> &str {
        &self.model.subject_label
    }

    async fn role(&self) -> &str {
        &self.model.role
    }

    /// The whole organization, or one project.
    async fn scope(&self) -> ScopeGql {
        if self.model.project_id.is_some() { ScopeGql::Project } else { ScopeGql::Org }
    }

    /// The project's slug, for a project grant.
    async fn project(&self) -> Option<&str> {
        self.project_slug.as_deref()
    }

    async fn valid_from(&self) -> DateTime<Utc> {
        self.model.valid_from
    }

    async fn valid_until(&self) -> DateTime<Utc> {
        self.model.valid_until
    }

    async fn reason(&self) -> &str {
        &self.model.reason
    }

    async fn status(&self) -> GrantStatusGql {
        grants::display_status(&self.model, self.now).into()
    }

    async fn requested_by(&self) -> async_graphql::Result<String> {
        let chain: Vec<ActorRef> =
            crate::error::stored(format_args!("the requester of grant {}", self.model.id), &self.model.requested_by)?;
        Ok(chain.last().map(|a| a.name.clone()).unwrap_or_default())
    }

    async fn decided_by(&self) -> async_graphql::Result<Option<String>> {
        let Some(stored) = self.model.decided_by.as_deref() else { return Ok(None) };
        let chain: Vec<ActorRef> =
            crate::error::stored(format_args!("the decider of grant {}", self.model.id), stored)?;
        Ok(chain.last().map(|a| a.name.clone()))
    }

    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.model.decided_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// The viewer may approve or reject it now: it waits for a decision, the viewer may bind
    /// roles in its scope and is a person other than its requester and its grantee.
    async fn viewer_can_decide(&self) -> bool {
        self.viewer_can_decide
    }
}
