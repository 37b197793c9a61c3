//! What the decision pipeline knows about governance state when it decides: the kill switch in
//! force, rate-limit hits, budget ledgers and autonomy. It is read from storage *before* the
//! decision, so the decision itself stays a pure function of its inputs, and the parts that
//! matter are recorded with it so replay decides the same way again. Also here: why a cost does
//! not fit a budget ([`Exceeded`]), which the pipeline and the error codes both speak.

use std::collections::BTreeMap;

use crate::KillScope;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where in a plan's life a decision is made. Some checks only apply at some phases: the budget
/// is checked when a plan is proposed (and reserved when it is queued), not again for each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Proposal, simulation and explanation: every check.
    #[default]
    Propose,
    /// A step about to run: kill switch, window, rate limits, policy — the budget was reserved
    /// when the plan was queued.
    Execute,
}

impl Phase {
    pub fn as_str(&self) -> &'static str {
        match self {
            Phase::Propose => "propose",
            Phase::Execute => "execute",
        }
    }
}

/// An engaged kill switch that covers the decision's project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KillInfo {
    pub scope: KillScope,
    pub reason: String,
    /// Who engaged it (the last actor of the chain).
    pub by: String,
    pub at: Option<DateTime<Utc>>,
}

impl KillInfo {
    pub fn message(&self) -> String {
        let scope = match self.scope {
            KillScope::Global => "for the whole instance",
            KillScope::Org => "for the organization",
            KillScope::Project => "for the project",
        };
        format!("kill switch engaged {scope} by {}: {}", self.by, self.reason)
    }
}

/// One budget that applies to the decision's project, with today's ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetState {
    /// `org` or `project`.
    pub level: String,
    /// The policy that sets it.
    pub policy: String,
    pub limit: f64,
    pub unit: String,
    pub timezone: String,
    /// The local date of the ledger.
    pub day: String,
    pub spent: f64,
    pub reserved: f64,
    /// Fractions of the limit that raise alerts.
    pub alert_at: Vec<f64>,
    /// The start of the local day (for forecasts).
    pub day_start: DateTime<Utc>,
    pub resets_at: DateTime<Utc>,
}

impl BudgetState {
    pub fn remaining(&self) -> f64 {
        (self.limit - self.spent - self.reserved).max(0.0)
    }
}

/// Autonomy inputs for plans proposed with no person in the loop.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AutonomyState {
    /// The plan is proposed by an agent or integration acting on its own.
    pub unattended: bool,
    /// An approver paused the project's autonomy: `(by, reason)`.
    pub paused: Option<(String, String)>,
    /// Unattended plans proposed in the project in the last hour.
    pub plans_this_hour: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub phase: Phase,
    pub kill: Option<KillInfo>,
    /// Rate-limit key -> admitted hits within the last hour, oldest first.
    pub rates: BTreeMap<String, Vec<DateTime<Utc>>>,
    /// The project's budget first, then the organization's (only those that have a limit).
    pub budgets: Vec<BudgetState>,
    pub autonomy: AutonomyState,
    /// Plans proposed in the project today and in the last hour (for `usage` in conditions).
    pub plans_today: u32,
    pub plans_this_hour: u32,
    /// Who could give an approval: for each group the policy's approval stages name, its
    /// members' ids and names. `None`: not read (execution, replay), and no stage is judged
    /// unsatisfiable. Not recorded with decisions: only the plan as a whole is judged against
    /// it, and replay decides steps again.
    #[serde(skip)]
    pub approvers: Option<Approvers>,
}

/// Group name -> member id -> member name.
pub type Approvers = BTreeMap<String, BTreeMap<String, String>>;

impl Snapshot {
    /// A snapshot for a decision that has no governance state to consult (nothing limits it).
    pub fn empty(phase: Phase) -> Self {
        Self { phase, ..Default::default() }
    }

    /// The `usage` value conditions see.
    pub fn usage(&self) -> serde_json::Value {
        let spent = self.budgets.first().map(|b| b.spent).unwrap_or(0.0);
        serde_json::json!({
            "spentToday": spent,
            "plansToday": self.plans_today,
            "plansThisHour": self.plans_this_hour,
        })
    }
}

/// Why a cost does not fit a budget (the body of `BUDGET_EXCEEDED`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exceeded {
    pub level: String,
    pub policy: String,
    pub limit: f64,
    pub spent: f64,
    pub reserved: f64,
    pub cost: f64,
    pub unit: String,
}

impl Exceeded {
    pub fn message(&self) -> String {
        format!(
            "the {} budget `{}` allows {} {unit} a day; {} spent and {} reserved leave {} for a plan costing {}",
            self.level,
            self.policy,
            fmt(self.limit),
            fmt(self.spent),
            fmt(self.reserved),
            fmt((self.limit - self.spent - self.reserved).max(0.0)),
            fmt(self.cost),
            unit = self.unit,
        )
    }
}

fn fmt(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.2}") }
}
