//! The pure reducer: folds a plan's events into its status and progress, and its state changes
//! into the project state. No I/O and no clock: the same events always give the same result,
//! which is what replay relies on. An event that is impossible in the current status is an
//! error, reported by replay as a divergence.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::plan::{PlanEvent, PlanStatus};
use crate::state;

pub use crate::StepStatus;
use crate::Verdict;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepProgress {
    pub status: StepStatus,
    pub attempts: u32,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanView {
    pub status: PlanStatus,
    pub steps: Vec<StepProgress>,
    /// The first step that has not finished.
    pub next_step: usize,
    pub stages_requested: u32,
    pub stages_satisfied: u32,
    /// A gate step waiting for its approval stage.
    pub open_gate: Option<usize>,
    pub spent: f64,
    pub failed: bool,
    pub compensating: bool,
    pub state_hash: Option<String>,
    pub waiting_until: Option<DateTime<Utc>>,
    pub retry_at: Option<DateTime<Utc>>,
    pub events: usize,
}

impl PlanView {
    pub fn new(steps: usize) -> Self {
        Self {
            status: PlanStatus::Draft,
            steps: vec![
                StepProgress { status: StepStatus::Pending, attempts: 0, output: None, error: None, cost: 0.0 };
                steps
            ],
            next_step: 0,
            stages_requested: 0,
            stages_satisfied: 0,
            open_gate: None,
            spent: 0.0,
            failed: false,
            compensating: false,
            state_hash: None,
            waiting_until: None,
            retry_at: None,
            events: 0,
        }
    }

    fn step_mut(&mut self, index: usize) -> Result<&mut StepProgress, String> {
        self.steps.get_mut(index).ok_or_else(|| format!("step {index} does not exist"))
    }

    fn expect(&self, allowed: &[PlanStatus], event: &str) -> Result<(), String> {
        if allowed.contains(&self.status) {
            Ok(())
        } else {
            Err(format!("{event} is not possible while the plan is {}", self.status.as_str()))
        }
    }
}

/// Applies one event. `Err` names why the event cannot follow the current view.
pub fn apply(view: &mut PlanView, event: &PlanEvent) -> Result<(), String> {
    use PlanStatus as S;
    match event {
        PlanEvent::Proposed { verdict, .. } => {
            view.expect(&[S::Draft], "Proposed")?;
            view.status = match verdict {
                Verdict::Allowed => S::Approved,
                Verdict::NeedsApproval => S::PendingApproval,
                Verdict::Denied => S::Rejected,
            };
        }
        PlanEvent::ApprovalRequested { stage, .. } => {
            view.expect(&[S::PendingApproval], "ApprovalRequested")?;
            if *stage != view.stages_requested {
                return Err(format!("stage {stage} requested out of order"));
            }
            view.stages_requested += 1;
        }
        PlanEvent::Approved { stage, .. } => {
            view.expect(&[S::PendingApproval], "Approved")?;
            if *stage != view.stages_satisfied {
                return Err(format!("approval for stage {stage} while stage {} is open", view.stages_satisfied));
            }
        }
        PlanEvent::StageSatisfied { stage } => {
            view.expect(&[S::PendingApproval], "StageSatisfied")?;
            if *stage != view.stages_satisfied {
                return Err(format!("stage {stage} satisfied out of order"));
            }
            view.stages_satisfied += 1;
            if view.stages_satisfied == view.stages_requested {
                // A gate in the middle of a run goes back to the queue; a proposal is approved.
                view.status = if view.open_gate.is_some() { S::Queued } else { S::Approved };
            }
        }
        PlanEvent::Rejected { .. } => {
            view.expect(&[S::PendingApproval, S::Proposed], "Rejected")?;
            view.status = S::Rejected;
        }
        PlanEvent::Expired => {
            view.expect(&[S::PendingApproval], "Expired")?;
            view.status = S::Expired;
        }
        PlanEvent::Queued { .. } => {
            view.expect(&[S::Approved], "Queued")?;
            view.status = S::Queued;
        }
        PlanEvent::Started => {
            view.expect(&[S::Queued], "Started")?;
            view.status = S::Running;
        }
        PlanEvent::StepStarted { index, attempt, .. } => {
            view.expect(&[S::Running], "StepStarted")?;
            if !view.compensating && *index != view.next_step {
                return Err(format!("step {index} started while step {} is next", view.next_step));
            }
            view.retry_at = None;
            let s = view.step_mut(*index)?;
            s.status = StepStatus::Running;
            s.attempts = *attempt;
        }
        PlanEvent::StepSkipped { index, reason, .. } => {
            view.expect(&[S::Running], "StepSkipped")?;
            if *index != view.next_step {
                return Err(format!("step {index} skipped while step {} is next", view.next_step));
            }
            let s = view.step_mut(*index)?;
            s.status = StepStatus::Skipped;
            s.error = Some(reason.clone());
            view.next_step += 1;
        }
        PlanEvent::StepWaiting { index, until, .. } => {
            view.expect(&[S::Running], "StepWaiting")?;
            view.step_mut(*index)?.status = StepStatus::Waiting;
            view.waiting_until = Some(*until);
        }
        PlanEvent::StepDeferred { index, until, .. } => {
            view.expect(&[S::Running], "StepDeferred")?;
            if *index != view.next_step {
                return Err(format!("step {index} deferred while step {} is next", view.next_step));
            }
            view.retry_at = Some(*until);
        }
        PlanEvent::GateOpened { index, stage, .. } => {
            view.expect(&[S::Running], "GateOpened")?;
            if *stage != view.stages_requested {
                return Err(format!("gate stage {stage} out of order"));
            }
            view.step_mut(*index)?.status = StepStatus::Waiting;
            view.open_gate = Some(*index);
            view.status = S::PendingApproval;
        }
        PlanEvent::StepSucceeded { index, output, cost, .. } => {
            view.expect(&[S::Running], "StepSucceeded")?;
            let compensating = view.compensating;
            let s = view.step_mut(*index)?;
            if s.status != StepStatus::Running && s.status != StepStatus::Waiting {
                return Err(format!("step {index} succeeded without having started"));
            }
            s.status = StepStatus::Succeeded;
            s.output = Some(output.clone());
            s.cost = *cost;
            s.error = None;
            view.spent += cost;
            view.waiting_until = None;
            if view.open_gate == Some(*index) {
                view.open_gate = None;
            }
            if !compensating {
                view.next_step = index + 1;
            }
        }
        PlanEvent::StepFailed { index, error, retry_at, .. } => {
            view.expect(&[S::Running], "StepFailed")?;
            let s = view.step_mut(*index)?;
            s.error = Some(error.clone());
            match retry_at {
                Some(t) => {
                    s.status = StepStatus::Pending;
                    view.retry_at = Some(*t);
                }
                None => {
                    s.status = StepStatus::Failed;
                    view.failed = true;
                    view.next_step = index + 1;
                }
            }
        }
        PlanEvent::StateChanged { state_hash, .. } => {
            view.expect(&[S::Running], "StateChanged")?;
            view.state_hash = Some(state_hash.clone());
        }
        PlanEvent::CompensationStarted { index, .. } => {
            view.expect(&[S::Running], "CompensationStarted")?;
            view.compensating = true;
            if view.steps.get(*index).map(|s| s.status) != Some(StepStatus::Succeeded) {
                return Err(format!("compensation of step {index}, which did not succeed"));
            }
        }
        PlanEvent::CompensationFinished { index, ok, error, .. } => {
            view.expect(&[S::Running], "CompensationFinished")?;
            let s = view.step_mut(*index)?;
            if *ok {
                s.status = StepStatus::Compensated;
            } else {
                s.error = error.clone();
            }
        }
        PlanEvent::Succeeded { state_hash, .. } => {
            view.expect(&[S::Running], "Succeeded")?;
            if view.failed {
                return Err("a plan with a failed step cannot succeed".into());
            }
            view.status = S::Succeeded;
            view.state_hash = Some(state_hash.clone());
        }
        PlanEvent::Failed { .. } => {
            view.expect(&[S::Running, S::Queued], "Failed")?;
            view.status = S::Failed;
        }
        PlanEvent::Cancelled { .. } => {
            if view.status.is_terminal() {
                return Err(format!("cannot cancel a plan that is {}", view.status.as_str()));
            }
            view.status = S::Cancelled;
        }
        PlanEvent::Killed { .. } => {
            if view.status.is_terminal() {
                return Err(format!("cannot kill a plan that is {}", view.status.as_str()));
            }
            view.status = S::Killed;
        }
    }
    view.events += 1;
    Ok(())
}

/// Folds a whole log. On error, names the 1-based position of the offending event.
pub fn fold(steps: usize, events: &[PlanEvent]) -> Result<PlanView, (usize, String)> {
    let mut view = PlanView::new(steps);
    for (i, e) in events.iter().enumerate() {
        apply(&mut view, e).map_err(|m| (i + 1, m))?;
    }
    Ok(view)
}

/// Folds the state changes of a plan's events over `start`, checking each recorded hash.
/// Returns the final state, or the 1-based position of the first event whose recorded hash
/// differs from the recomputed one, with both hashes.
pub fn fold_state(start: Value, events: &[PlanEvent]) -> Result<Value, (usize, String, String)> {
    let mut s = start;
    for (i, e) in events.iter().enumerate() {
        if let PlanEvent::StateChanged { ops, state_hash, .. } = e {
            state::apply(&mut s, ops);
            let h = state::hash(&s);
            if &h != state_hash {
                return Err((i + 1, state_hash.clone(), h));
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::ActorRef;
    use crate::state::StateOp;
    use serde_json::json;

    fn actor() -> ActorRef {
        ActorRef { kind: crate::ActorKind::User, id: "usr_1".into(), name: "a@b.c".into() }
    }

    fn started(index: usize) -> PlanEvent {
        PlanEvent::StepStarted { index, step: format!("s{index}"), attempt: 1, idempotency_key: format!("k{index}") }
    }

    fn ok(index: usize) -> PlanEvent {
        PlanEvent::StepSucceeded { index, step: format!("s{index}"), output: json!({"i": index}), cost: 1.5 }
    }

    #[test]
    fn a_happy_plan_with_approvals() {
        let events = vec![
            PlanEvent::Proposed {
                plan_hash: "h".into(),
                verdict: Verdict::NeedsApproval,
                policy_version: "v".into(),
                steps: 2,
            },
            PlanEvent::ApprovalRequested { stage: 0, name: "leads".into(), groups: vec!["leads".into()], count: 1 },
            PlanEvent::Approved { stage: 0, approver: actor(), comment: "ok".into() },
            PlanEvent::StageSatisfied { stage: 0 },
            PlanEvent::Queued { by: actor() },
            PlanEvent::Started,
            started(0),
            ok(0),
            started(1),
            PlanEvent::StepFailed {
                index: 1,
                step: "s1".into(),
                attempt: 1,
                error: "boom".into(),
                retry_at: Some(chrono::DateTime::UNIX_EPOCH),
            },
            PlanEvent::StepStarted { index: 1, step: "s1".into(), attempt: 2, idempotency_key: "k1".into() },
            ok(1),
            PlanEvent::Succeeded { state_hash: "x".into(), project_seq: 2 },
        ];
        let v = fold(2, &events).unwrap();
        assert_eq!(v.status, PlanStatus::Succeeded);
        assert_eq!(v.next_step, 2);
        assert_eq!(v.steps[1].attempts, 2);
        assert_eq!(v.spent, 3.0);
    }

    #[test]
    fn impossible_sequences_are_named() {
        let events = vec![
            PlanEvent::Proposed {
                plan_hash: "h".into(),
                verdict: Verdict::Allowed,
                policy_version: "v".into(),
                steps: 1,
            },
            PlanEvent::Started,
        ];
        let (at, why) = fold(1, &events).unwrap_err();
        assert_eq!(at, 2);
        assert!(why.contains("approved"), "{why}");

        let skip_ahead = vec![
            PlanEvent::Proposed {
                plan_hash: "h".into(),
                verdict: Verdict::Allowed,
                policy_version: "v".into(),
                steps: 2,
            },
            PlanEvent::Queued { by: actor() },
            PlanEvent::Started,
            started(1),
        ];
        assert_eq!(fold(2, &skip_ahead).unwrap_err().0, 4);
    }

    #[test]
    fn a_denied_plan_is_rejected_and_stays_so() {
        let events = vec![
            PlanEvent::Proposed {
                plan_hash: "h".into(),
                verdict: Verdict::Denied,
                policy_version: "v".into(),
                steps: 1,
            },
            PlanEvent::Queued { by: actor() },
        ];
        assert_eq!(fold(1, &events).unwrap_err().0, 2);
    }

    #[test]
    fn state_fold_checks_every_hash() {
        let ops = vec![StateOp::Set { path: "a".into(), value: json!(1) }];
        let mut s = state::empty();
        state::apply(&mut s, &ops);
        let good =
            PlanEvent::StateChanged { index: 0, step: "s0".into(), ops: ops.clone(), state_hash: state::hash(&s) };
        assert_eq!(fold_state(state::empty(), std::slice::from_ref(&good)).unwrap(), json!({"a": 1}));
        let bad = PlanEvent::StateChanged { index: 0, step: "s0".into(), ops, state_hash: "f".repeat(64) };
        let (at, recorded, recomputed) = fold_state(state::empty(), &[good, bad]).unwrap_err();
        assert_eq!(at, 2);
        assert_eq!(recorded, "f".repeat(64));
        assert_ne!(recomputed, recorded);
    }
}
