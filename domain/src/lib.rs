//! Praetor's domain, with no database and no I/O: typed ids (`ids`; with the `sea-orm` feature
//! they are also column values for the store); the closed sets of statuses, verdicts, kinds
//! and scopes that the store keeps as text and the GraphQL schema declares as enums; the plan
//! model and the events of its log (`plan`); the pure reducer that folds a log into a plan's
//! status, progress and project state (`reducer`, `state`), which replay folds again; the one
//! decision pipeline (`decide`) that preview, execution, simulation, policy impact and replay
//! all call, with the action registry, rate-limit counting, budget arithmetic and autonomy it
//! consults; and the canonical JSON every hash is taken over. Every layer above may use it; it
//! uses none of them.
//! (Risks, autonomy modes and policy levels are the policy language's own: `praetor_policy`.)
//!
//! Each value has one spelling in storage and JSON (`as_str`, serde's snake_case) and one
//! parser (`parse`), so text read back from the database becomes a value in one place and an
//! unknown spelling is an error for the caller to report, never a default.

use serde::{Deserialize, Serialize};

pub mod actor;
pub mod canonical;
pub mod decide;
pub mod forecast;
pub mod ids;
pub mod merkle;
pub mod plan;
pub mod recommend;
pub mod reducer;
pub mod rollup;
pub mod schedule;
pub mod snapshot;
pub mod state;

pub use actor::ActorRef;
pub use canonical::canonical_json;

/// Declares a closed set with its stored spelling, its parser and its `Display`.
macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and serialized spelling.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value a stored spelling names; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

closed_set!(
    /// Where a plan is in its life. Terminal statuses are final: no event changes them.
    PlanStatus {
        Draft => "draft",
        Proposed => "proposed",
        PendingApproval => "pending_approval",
        Approved => "approved",
        Rejected => "rejected",
        Expired => "expired",
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
        Killed => "killed",
    }
);

impl PlanStatus {
    /// No further event can change a plan in a terminal status.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            PlanStatus::Rejected
                | PlanStatus::Expired
                | PlanStatus::Succeeded
                | PlanStatus::Failed
                | PlanStatus::Cancelled
                | PlanStatus::Killed
        )
    }
}

closed_set!(
    /// Where one step of a plan is.
    StepStatus {
        Pending => "pending",
        Running => "running",
        /// A `delay` step waiting for its instant.
        Waiting => "waiting",
        Succeeded => "succeeded",
        Failed => "failed",
        /// Its `when` condition was false, or an earlier step failed and the plan stopped.
        Skipped => "skipped",
        /// Undone by its compensation after a later step failed.
        Compensated => "compensated",
    }
);

closed_set!(
    /// What a plan's step did, as a chat session tells it: the step statuses plus the moments
    /// between them (a retry coming, a step deferred by governance, compensation running).
    ChatStepStatus {
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        /// Failed; another attempt is scheduled.
        Retrying => "retrying",
        Skipped => "skipped",
        Waiting => "waiting",
        /// Held back by governance (a closed window, a rate limit) until it may run.
        Deferred => "deferred",
        Compensating => "compensating",
        Compensated => "compensated",
        CompensationFailed => "compensation_failed",
    }
);

closed_set!(
    /// What the decision pipeline concluded for a step, a check or a plan.
    Verdict {
        Allowed => "allowed",
        NeedsApproval => "needs_approval",
        Denied => "denied",
    }
);

impl Verdict {
    fn severity(&self) -> u8 {
        match self {
            Verdict::Allowed => 0,
            Verdict::NeedsApproval => 1,
            Verdict::Denied => 2,
        }
    }

    /// The stricter of two verdicts.
    pub fn max(self, other: Verdict) -> Verdict {
        if other.severity() > self.severity() { other } else { self }
    }
}

closed_set!(
    /// Who acts: a person, a service account (an integration), an AI agent, or Praetor itself
    /// (the engine and its sweeps: expiring approvals, ending grants).
    ActorKind {
        User => "user",
        ServiceAccount => "service_account",
        Agent => "agent",
        System => "system",
    }
);

closed_set!(
    /// An approver's answer.
    ApprovalDecision {
        Approve => "approve",
        Reject => "reject",
    }
);

closed_set!(
    /// What a binding, grant, policy or switch covers: a whole organization or one project.
    Scope {
        Org => "org",
        Project => "project",
    }
);

closed_set!(
    /// What a kill switch stops: the whole instance, an organization or a project.
    KillScope {
        Global => "global",
        Org => "org",
        Project => "project",
    }
);

closed_set!(
    /// What a schedule's slot does while the plan of its last run is unfinished.
    Overlap {
        /// Nothing: the slot is recorded as skipped.
        Skip => "skip",
        /// Propose anyway; the new plan queues behind the unfinished one.
        Queue => "queue",
        /// Cancel the unfinished plan, then propose.
        CancelPrevious => "cancel_previous",
    }
);

closed_set!(
    /// Where a temporary role grant is in its life.
    GrantStatus {
        /// Requested, waiting for an approver.
        Pending => "pending",
        /// Approved, starting later.
        Scheduled => "scheduled",
        Active => "active",
        Expired => "expired",
        Rejected => "rejected",
        Revoked => "revoked",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stored spelling parses back to its value, serde agrees with it, and nothing else parses.
    fn round_trips<T>(all: &[T], as_str: impl Fn(&T) -> &'static str, parse: impl Fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize,
    {
        for v in all {
            let text = as_str(v);
            assert_eq!(parse(text), Some(*v));
            assert_eq!(serde_json_string(v), format!("\"{text}\""));
            assert_eq!(parse(&text.to_uppercase()), None, "{text}: spelling is exact");
        }
        assert_eq!(parse(""), None);
        assert_eq!(parse("unknown"), None);
    }

    fn serde_json_string<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).expect("a unit variant serializes")
    }

    #[test]
    fn every_closed_set_round_trips() {
        round_trips(PlanStatus::ALL, PlanStatus::as_str, PlanStatus::parse);
        round_trips(StepStatus::ALL, StepStatus::as_str, StepStatus::parse);
        round_trips(ChatStepStatus::ALL, ChatStepStatus::as_str, ChatStepStatus::parse);
        round_trips(Verdict::ALL, Verdict::as_str, Verdict::parse);
        round_trips(ActorKind::ALL, ActorKind::as_str, ActorKind::parse);
        round_trips(ApprovalDecision::ALL, ApprovalDecision::as_str, ApprovalDecision::parse);
        round_trips(Scope::ALL, Scope::as_str, Scope::parse);
        round_trips(KillScope::ALL, KillScope::as_str, KillScope::parse);
        round_trips(GrantStatus::ALL, GrantStatus::as_str, GrantStatus::parse);
        round_trips(Overlap::ALL, Overlap::as_str, Overlap::parse);
    }

    #[test]
    fn verdicts_combine_to_the_strictest() {
        use Verdict::*;
        for (a, b, want) in [
            (Allowed, Allowed, Allowed),
            (Allowed, NeedsApproval, NeedsApproval),
            (NeedsApproval, Allowed, NeedsApproval),
            (NeedsApproval, Denied, Denied),
            (Denied, Allowed, Denied),
        ] {
            assert_eq!(a.max(b), want, "{a} max {b}");
        }
    }

    #[test]
    fn terminal_statuses_are_the_final_six() {
        let terminal: Vec<_> = PlanStatus::ALL.iter().filter(|s| s.is_terminal()).map(|s| s.as_str()).collect();
        assert_eq!(terminal, ["rejected", "expired", "succeeded", "failed", "cancelled", "killed"]);
    }
}
