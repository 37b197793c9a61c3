//! The documents of the policy language (`apiVersion: praetor.dev/v1`): `Policy`, `Action` and
//! `PlanTemplate`. Unknown fields are errors. The JSON Schema generated from these types
//! (`policies/schema/`) is what editors validate YAML against.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const API_VERSION: &str = "praetor.dev/v1";

/// Any document, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", deny_unknown_fields)]
pub enum Document {
    Policy(PolicyDoc),
    Action(ActionDoc),
    PlanTemplate(TemplateDoc),
}

impl Document {
    pub fn api_version(&self) -> &str {
        match self {
            Document::Policy(d) => &d.api_version,
            Document::Action(d) => &d.api_version,
            Document::PlanTemplate(d) => &d.api_version,
        }
    }

    pub fn metadata(&self) -> &Metadata {
        match self {
            Document::Policy(d) => &d.metadata,
            Document::Action(d) => &d.metadata,
            Document::PlanTemplate(d) => &d.metadata,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Document::Policy(_) => "Policy",
            Document::Action(_) => "Action",
            Document::PlanTemplate(_) => "PlanTemplate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    /// Unique among documents of the same kind in a set.
    pub name: String,
    /// The organization's slug. Omitted: an instance-wide (federation) document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// A project slug: the policy applies to that project only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyDoc {
    /// Always `praetor.dev/v1`.
    pub api_version: String,
    pub metadata: Metadata,
    pub spec: PolicySpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicySpec {
    /// JSON Schema of the project's state document; CEL field access on `state` is checked
    /// against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_schema: Option<Value>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub limits: Vec<Limit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
    /// Whether the daily limits Praetor recommends from each project's spending are applied by
    /// themselves, and within which bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adaptive_budget: Option<AdaptiveBudget>,
    #[serde(default)]
    pub windows: Vec<Window>,
    #[serde(default)]
    pub blackouts: Vec<Blackout>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autonomy: Option<Autonomy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Grants>,
    /// How changes to policy itself are made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_changes: Option<PolicyChanges>,
    /// Hosts `http.request` and external handlers may reach (`api.example.com`,
    /// `*.example.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Egress>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Allow,
    RequireApproval,
    Deny,
}

impl Effect {
    pub fn as_str(&self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::RequireApproval => "require_approval",
            Effect::Deny => "deny",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rule {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Action names or globs: `*` matches within one dotted segment, `**` across segments.
    pub actions: Vec<String>,
    /// A CEL condition over `params`, `state`, `principal`, `plan`, `now` and `usage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    pub effect: Effect,
    /// Shown with the verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Ordered stages; required exactly when `effect` is `require_approval`.
    #[serde(default)]
    pub approvals: Vec<ApprovalStage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApprovalStage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One group whose members may approve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Several groups; a member of any of them may approve.
    #[serde(default)]
    pub any_of: Vec<String>,
    /// Approvals needed from distinct people.
    #[serde(default = "one")]
    pub count: u32,
    /// Whether someone who approved an earlier stage of the same plan may approve this one
    /// too. Off by default: each person's approval counts for one stage, so two stages mean
    /// two people.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_earlier_approvers: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn one() -> u32 {
    1
}

impl ApprovalStage {
    pub fn groups(&self) -> Vec<String> {
        let mut g: Vec<String> = self.group.iter().cloned().collect();
        g.extend(self.any_of.iter().cloned());
        g
    }

    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.groups().join(" or "))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum LimitScope {
    /// Each principal separately.
    Principal,
    /// The whole project.
    #[default]
    Project,
    /// The whole organization.
    Org,
    /// All agents of the organization together.
    Agents,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Limit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub actions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_minute: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_hour: Option<u32>,
    #[serde(default)]
    pub scope: LimitScope,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Budget {
    /// Spend allowed per day, in `unit`.
    pub daily: f64,
    #[serde(default = "credits")]
    pub unit: String,
    /// IANA time zone in which the day turns over.
    #[serde(default = "utc")]
    pub timezone: String,
    /// Fractions of the budget that raise an alert (e.g. 0.8).
    #[serde(default)]
    pub alert_at: Vec<f64>,
}

/// Adaptive budgets: a project's daily limit recommended from its past days' spending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdaptiveBudget {
    /// `manual` (the default): recommendations are shown and applied by people with
    /// `policy.write`. `automatic`: Praetor applies each project's once a day, within `min`
    /// and `max`.
    #[serde(default)]
    pub apply: AdaptiveApply,
    /// The lowest daily limit applied automatically (a lower recommendation applies this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The highest daily limit applied automatically (a higher recommendation applies this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum AdaptiveApply {
    #[default]
    Manual,
    Automatic,
}

fn credits() -> String {
    "credits".into()
}

fn utc() -> String {
    "UTC".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub fn chrono(&self) -> chrono::Weekday {
        match self {
            Weekday::Mon => chrono::Weekday::Mon,
            Weekday::Tue => chrono::Weekday::Tue,
            Weekday::Wed => chrono::Weekday::Wed,
            Weekday::Thu => chrono::Weekday::Thu,
            Weekday::Fri => chrono::Weekday::Fri,
            Weekday::Sat => chrono::Weekday::Sat,
            Weekday::Sun => chrono::Weekday::Sun,
        }
    }
}

/// Actions may run only inside their windows (every level's windows must be open).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Window {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub actions: Vec<String>,
    pub days: Vec<Weekday>,
    /// `HH:MM`, local time in `timezone`.
    pub from: String,
    /// `HH:MM`; earlier than `from` means the window runs overnight.
    pub to: String,
    #[serde(default = "utc")]
    pub timezone: String,
}

/// No matching action may run in a blackout, whatever the windows say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Blackout {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub actions: Vec<String>,
    /// A date (`2026-12-24`, from its start) or an RFC 3339 date-time.
    pub from: String,
    /// A date (inclusive: to its end) or an RFC 3339 date-time.
    pub to: String,
    #[serde(default = "utc")]
    pub timezone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Low,
    Medium,
    High,
    Critical,
}

impl Risk {
    pub fn as_str(&self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Risk> {
        Some(match s {
            "low" => Risk::Low,
            "medium" => Risk::Medium,
            "high" => Risk::High,
            "critical" => Risk::Critical,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Risk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum AutonomyMode {
    #[default]
    Off,
    Supervised,
    Autonomous,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Autonomy {
    pub mode: AutonomyMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_risk: Option<Risk>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cost_per_plan: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_plans_per_hour: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApprovalSettings {
    /// How long an approval request lives: `30m`, `24h`, `7d`.
    pub ttl: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Grants {
    /// The longest a temporary role grant may last: `8h`.
    pub max_duration: String,
    #[serde(default)]
    pub require_approval: bool,
}

/// How changes to policy itself are made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyChanges {
    /// A change (an apply or a rollback) waits for a second person with `policy.write` to
    /// approve it before it takes effect.
    #[serde(default)]
    pub require_approval: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Egress {
    pub allow: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActionDoc {
    pub api_version: String,
    pub metadata: Metadata,
    pub spec: ActionSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActionSpec {
    #[serde(default)]
    pub description: String,
    /// What a plan of this action is called, with its parameters in braces:
    /// `Deploy {service} v{version} to {env}`. Without one, the action's name in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// JSON Schema (an object schema) of the parameters.
    #[serde(default = "empty_object_schema")]
    pub params: Value,
    pub handler: Handler,
    #[serde(default)]
    pub cost: Cost,
    #[serde(default = "low")]
    pub risk: Risk,
    /// Chat phrasings: `deploy {service} to {env=staging}`.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation: Option<Compensation>,
}

fn low() -> Risk {
    Risk::Low
}

fn empty_object_schema() -> Value {
    serde_json::json!({"type": "object"})
}

/// Exactly one of `builtin` or `external`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Handler {
    /// A built-in handler (`state.set`, `http.request`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin: Option<String>,
    /// Parameters for the built-in handler; strings may hold `{{ CEL }}` templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalHandler>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExternalHandler {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

/// A fixed number, or `{expr: CEL}` computed from `params`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Cost {
    Fixed(f64),
    Computed { expr: String },
}

impl Default for Cost {
    fn default() -> Self {
        Cost::Fixed(0.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Retry {
    pub max_attempts: u32,
    #[serde(default = "one_u64")]
    pub backoff_seconds: u64,
}

fn one_u64() -> u64 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Compensation {
    pub action: String,
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TemplateDoc {
    pub api_version: String,
    pub metadata: Metadata,
    pub spec: TemplateSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TemplateSpec {
    #[serde(default)]
    pub description: String,
    /// What a plan made from this template is called, with its parameters in braces:
    /// `Release {service}` (the plan's title adds how many steps it has). Without one, the
    /// template's name in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default = "empty_object_schema")]
    pub params: Value,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub steps: Vec<TemplateStep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    #[default]
    Stop,
    Continue,
    Compensate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TemplateStep {
    pub id: String,
    pub action: String,
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(default)]
    pub on_failure: OnFailure,
}
