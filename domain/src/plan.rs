//! What a plan is made of: steps, statuses and the events of its log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::actor::ActorRef;
use crate::state::StateOp;

/// What to do when a step fails for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// The plan fails; later steps do not run.
    #[default]
    Stop,
    /// Go on with the next step; the plan still ends as failed.
    Continue,
    /// Run the compensation of every completed step, newest first, then fail.
    Compensate,
}

/// One step of a frozen plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Step {
    pub id: String,
    pub action: String,
    #[serde(default = "empty_object")]
    pub params: Value,
    /// A CEL condition; the step is skipped when it is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(default)]
    pub on_failure: OnFailure,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

pub use crate::PlanStatus;
use crate::Verdict;

/// One approval stage: `count` approvals from members of any of `groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub groups: Vec<String>,
    pub count: u32,
    /// The rule that asked for this stage.
    pub rule: String,
    /// Someone who approved an earlier stage of the plan may approve this one too (policy
    /// says so explicitly); otherwise each person's approval counts for one stage.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_earlier_approvers: bool,
}

/// An event of a plan's log. The log is the source of truth; status, progress and project
/// state are folds of it (see `reducer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum PlanEvent {
    Proposed {
        plan_hash: String,
        verdict: Verdict,
        policy_version: String,
        steps: usize,
    },
    ApprovalRequested {
        stage: u32,
        name: String,
        groups: Vec<String>,
        count: u32,
    },
    Approved {
        stage: u32,
        approver: ActorRef,
        comment: String,
    },
    StageSatisfied {
        stage: u32,
    },
    Rejected {
        by: Option<ActorRef>,
        reason: String,
        comment: String,
    },
    Expired,
    Queued {
        by: ActorRef,
    },
    Started,
    StepStarted {
        index: usize,
        step: String,
        attempt: u32,
        idempotency_key: String,
    },
    StepSkipped {
        index: usize,
        step: String,
        reason: String,
    },
    StepWaiting {
        index: usize,
        step: String,
        until: DateTime<Utc>,
    },
    GateOpened {
        index: usize,
        step: String,
        stage: u32,
    },
    /// The step may not start yet (a rate limit, a closed window): it is tried again `until`.
    StepDeferred {
        index: usize,
        step: String,
        code: String,
        reason: String,
        until: DateTime<Utc>,
    },
    StepSucceeded {
        index: usize,
        step: String,
        output: Value,
        cost: f64,
    },
    StepFailed {
        index: usize,
        step: String,
        attempt: u32,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
    StateChanged {
        index: usize,
        step: String,
        ops: Vec<StateOp>,
        state_hash: String,
    },
    CompensationStarted {
        index: usize,
        step: String,
        action: String,
    },
    CompensationFinished {
        index: usize,
        step: String,
        ok: bool,
        error: Option<String>,
    },
    /// The project state hash when the plan finished, and how many state changes it folds.
    Succeeded {
        state_hash: String,
        project_seq: i64,
    },
    Failed {
        error: String,
    },
    Cancelled {
        by: ActorRef,
        reason: String,
    },
    Killed {
        reason: String,
    },
}

impl PlanEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            PlanEvent::Proposed { .. } => "Proposed",
            PlanEvent::ApprovalRequested { .. } => "ApprovalRequested",
            PlanEvent::Approved { .. } => "Approved",
            PlanEvent::StageSatisfied { .. } => "StageSatisfied",
            PlanEvent::Rejected { .. } => "Rejected",
            PlanEvent::Expired => "Expired",
            PlanEvent::Queued { .. } => "Queued",
            PlanEvent::Started => "Started",
            PlanEvent::StepStarted { .. } => "StepStarted",
            PlanEvent::StepSkipped { .. } => "StepSkipped",
            PlanEvent::StepWaiting { .. } => "StepWaiting",
            PlanEvent::GateOpened { .. } => "GateOpened",
            PlanEvent::StepDeferred { .. } => "StepDeferred",
            PlanEvent::StepSucceeded { .. } => "StepSucceeded",
            PlanEvent::StepFailed { .. } => "StepFailed",
            PlanEvent::StateChanged { .. } => "StateChanged",
            PlanEvent::CompensationStarted { .. } => "CompensationStarted",
            PlanEvent::CompensationFinished { .. } => "CompensationFinished",
            PlanEvent::Succeeded { .. } => "Succeeded",
            PlanEvent::Failed { .. } => "Failed",
            PlanEvent::Cancelled { .. } => "Cancelled",
            PlanEvent::Killed { .. } => "Killed",
        }
    }
}
