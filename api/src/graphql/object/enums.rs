//! The schema's closed sets: each GraphQL enum mirrors a domain or policy enum (`remote`), so a
//! value added there and not here fails to compile. Text stored in the database becomes one of
//! these through `error::stored_value`, where an unknown spelling is an INTERNAL error naming
//! the record.

use async_graphql::Enum;

/// Where a plan is in its life.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "PlanStatus", remote = "praetor_domain::PlanStatus")]
pub enum PlanStatusGql {
    /// Not proposed yet.
    Draft,
    /// Proposed; the decision pipeline has not finished with it.
    Proposed,
    /// Waiting for the approvals policy asks for.
    PendingApproval,
    /// Approved, waiting to be started.
    Approved,
    Rejected,
    /// Its approvals did not arrive before its time to live ran out.
    Expired,
    /// Waiting for a worker.
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// Stopped by a kill switch.
    Killed,
}

/// Where one step of a plan is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "StepStatus", remote = "praetor_domain::StepStatus")]
pub enum StepStatusGql {
    Pending,
    Running,
    /// A `delay` step waiting for its instant.
    Waiting,
    Succeeded,
    Failed,
    /// Its `when` condition was false, or the plan stopped before it.
    Skipped,
    /// Undone by its compensation after a later step failed.
    Compensated,
}

/// What a plan's step did, as a conversation tells it.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ChatStepStatus", remote = "praetor_domain::ChatStepStatus")]
pub enum ChatStepStatusGql {
    Running,
    Succeeded,
    Failed,
    /// Failed; another attempt is scheduled.
    Retrying,
    Skipped,
    Waiting,
    /// Held back by governance (a closed window, a rate limit) until it may run.
    Deferred,
    Compensating,
    Compensated,
    CompensationFailed,
}

/// What happens when a step fails for good.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "OnFailure", remote = "praetor_domain::plan::OnFailure")]
pub enum OnFailureGql {
    /// The plan fails; later steps do not run.
    Stop,
    /// Go on with the next step; the plan still ends as failed.
    Continue,
    /// Undo every completed step, newest first, then fail.
    Compensate,
}

/// What the decision pipeline concluded.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Verdict", remote = "praetor_domain::Verdict")]
pub enum VerdictGql {
    Allowed,
    NeedsApproval,
    Denied,
}

/// Who acts: a person, a service account, an AI agent, or Praetor itself.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ActorKind", remote = "praetor_domain::ActorKind")]
pub enum ActorKindGql {
    User,
    ServiceAccount,
    Agent,
    /// The engine and its sweeps (expiring approvals, ending grants).
    System,
}

/// An approver's answer.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ApprovalDecision", remote = "praetor_domain::ApprovalDecision")]
pub enum ApprovalDecisionGql {
    Approve,
    Reject,
}

/// A whole organization or one project.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Scope", remote = "praetor_domain::Scope")]
pub enum ScopeGql {
    Org,
    Project,
}

/// Where a temporary role grant is in its life.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "GrantStatus", remote = "praetor_domain::GrantStatus")]
pub enum GrantStatusGql {
    /// Requested, waiting for an approver.
    Pending,
    /// Approved, starting later.
    Scheduled,
    Active,
    Expired,
    Rejected,
    Revoked,
}

/// How much harm an action can do, as its definition or policy rates it.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Risk", remote = "praetor_policy::document::Risk")]
pub enum RiskGql {
    Low,
    Medium,
    High,
    Critical,
}

/// How far a project lets plans run without a person.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "AutonomyMode", remote = "praetor_policy::document::AutonomyMode")]
pub enum AutonomyModeGql {
    /// Every unattended plan needs a person's approval.
    Off,
    /// Unattended plans inside every limit are approved; a person starts them.
    Supervised,
    /// Unattended plans inside every limit run by themselves.
    Autonomous,
}

/// The level a policy applies at; narrower levels cannot loosen wider ones.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "PolicyLevel", remote = "praetor_policy::Level")]
pub enum PolicyLevelGql {
    Federation,
    Org,
    Project,
}

/// What a policy rule does when it matches.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "PolicyEffect", remote = "praetor_policy::document::Effect")]
pub enum PolicyEffectGql {
    Allow,
    RequireApproval,
    Deny,
}

/// How serious a policy diagnostic is: errors stop a policy from being applied.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Severity", remote = "praetor_policy::Severity")]
pub enum SeverityGql {
    Error,
    Warning,
    Info,
}

/// What a rate limit counts together.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "LimitScope", remote = "praetor_policy::document::LimitScope")]
pub enum LimitScopeGql {
    /// Each principal separately.
    Principal,
    /// The whole project.
    Project,
    /// The whole organization.
    Org,
    /// All agents of the organization together.
    Agents,
}
