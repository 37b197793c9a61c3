//! Governance as clients see it: budgets, kill switches, autonomy, rate limits, execution
//! windows and time-boxed role grants.

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_entities::{kill_switch, role_grant};

use crate::auth::ActorRef;
use crate::governance::budget;
use crate::governance::snapshot::KillInfo;
use crate::services::grants;

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

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
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

    async fn scope(&self) -> KillSwitchScope {
        match self.model.scope.as_str() {
            "global" => KillSwitchScope::Global,
            "org" => KillSwitchScope::Org,
            _ => KillSwitchScope::Project,
        }
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
    /// global, org or project: where the switch that applies was engaged.
    pub scope: String,
    pub reason: String,
    pub engaged_by: String,
    pub engaged_at: Option<DateTime<Utc>>,
}

impl From<KillInfo> for KillSwitchInForce {
    fn from(k: KillInfo) -> Self {
        Self { scope: k.scope, reason: k.reason, engaged_by: k.by, engaged_at: k.at }
    }
}

/// Autonomous mode of a project, and whether a person paused it.
#[derive(SimpleObject)]
pub struct AutonomyStatus {
    /// Whether any policy sets autonomy (without settings, autonomy restricts nothing).
    pub configured: bool,
    /// off, supervised or autonomous (the strictest of all levels).
    pub mode: String,
    pub max_risk: Option<String>,
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
    /// principal, project, org or agents.
    pub scope: String,
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
    pub level: String,
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

    /// `org` for the whole organization, else the project's slug.
    async fn scope(&self) -> String {
        self.project_slug.clone().unwrap_or_else(|| "org".into())
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

    /// pending, scheduled, active, expired, rejected or revoked.
    async fn status(&self) -> &'static str {
        grants::display_status(&self.model, self.now)
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
}
