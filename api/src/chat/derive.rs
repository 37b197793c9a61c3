//! Plan events told in the chat session the plan was proposed from. The engine's event store
//! calls [`echo`] for every event it appends to such a plan and writes the result in the same
//! transaction, so the session's log can never miss or invent a step, whichever node ran it.

use praetor_entities::plan;
use serde_json::Value;

use super::model::ChatEventData;
use crate::auth::ActorRef;
use crate::engine::model::{PlanEvent, PlanStatus, Step};

/// What the session shows for `event`, which left the plan in `status`. State changes are left
/// out: the step's own progress says the same thing.
pub fn echo(plan: &plan::Model, steps: &[Step], event: &PlanEvent, status: PlanStatus) -> Option<ChatEventData> {
    let plan_id = plan.id;
    let action = |index: usize| steps.get(index).map(|s| s.action.clone()).unwrap_or_default();
    let progress =
        |index: usize, step: &str, status: &str, attempt: Option<u32>, output: Option<Value>, error: Option<String>| {
            ChatEventData::StepProgress {
                plan_id,
                index,
                step: step.to_string(),
                action: action(index),
                status: status.to_string(),
                attempt,
                output,
                error,
            }
        };
    let plan_status = |event: &str, by: Option<ActorRef>, message: String| ChatEventData::PlanStatus {
        plan_id,
        status: status.as_str().to_string(),
        event: event.to_string(),
        by,
        message,
    };
    Some(match event {
        PlanEvent::Proposed { plan_hash, verdict, .. } => ChatEventData::PlanProposed {
            plan_id,
            title: plan.title.clone(),
            plan_hash: plan_hash.clone(),
            status: status.as_str().to_string(),
            verdict: verdict.clone(),
            proposer: serde_json::from_str(&plan.proposer).unwrap_or_default(),
            steps: serde_json::from_str(&plan.steps).unwrap_or(Value::Null),
            preview: serde_json::from_str(&plan.preview).unwrap_or(Value::Null),
        },
        PlanEvent::ApprovalRequested { stage, name, groups, count } => ChatEventData::ApprovalRequested {
            plan_id,
            stage: *stage,
            name: name.clone(),
            groups: groups.clone(),
            count: *count,
        },
        PlanEvent::Approved { stage, approver, comment } => {
            let note = if comment.is_empty() { String::new() } else { format!(": {comment}") };
            plan_status(
                "Approved",
                Some(approver.clone()),
                format!("{} approved stage {}{note}", approver.name, stage + 1),
            )
        }
        PlanEvent::Queued { by } => plan_status("Queued", Some(by.clone()), format!("queued by {}", by.name)),
        PlanEvent::Started => plan_status("Started", None, "started".into()),
        PlanEvent::GateOpened { step, .. } => {
            plan_status("GateOpened", None, format!("step {step} waits for an approval"))
        }
        PlanEvent::StepStarted { index, step, attempt, .. } => {
            progress(*index, step, "running", Some(*attempt), None, None)
        }
        PlanEvent::StepSucceeded { index, step, output, .. } => {
            progress(*index, step, "succeeded", None, Some(output.clone()), None)
        }
        PlanEvent::StepFailed { index, step, attempt, error, retry_at } => {
            let status = if retry_at.is_some() { "retrying" } else { "failed" };
            progress(*index, step, status, Some(*attempt), None, Some(error.clone()))
        }
        PlanEvent::StepSkipped { index, step, reason } => {
            progress(*index, step, "skipped", None, None, Some(reason.clone()))
        }
        PlanEvent::StepWaiting { index, step, until } => {
            progress(*index, step, "waiting", None, Some(serde_json::json!({"until": until})), None)
        }
        PlanEvent::StepDeferred { index, step, code, reason, .. } => {
            progress(*index, step, "deferred", None, None, Some(format!("{code}: {reason}")))
        }
        PlanEvent::CompensationStarted { index, step, .. } => progress(*index, step, "compensating", None, None, None),
        PlanEvent::CompensationFinished { index, step, ok, error } => {
            let status = if *ok { "compensated" } else { "compensation_failed" };
            progress(*index, step, status, None, None, error.clone())
        }
        PlanEvent::Succeeded { .. } => finished(plan_id, status, None),
        PlanEvent::Failed { error } => finished(plan_id, status, Some(error.clone())),
        PlanEvent::Cancelled { by, reason } => {
            let why = if reason.is_empty() { format!("cancelled by {}", by.name) } else { reason.clone() };
            finished(plan_id, status, Some(why))
        }
        PlanEvent::Killed { reason } => finished(plan_id, status, Some(reason.clone())),
        PlanEvent::Rejected { by, reason, comment } => {
            let who = by.as_ref().map(|b| format!(" by {}", b.name)).unwrap_or_default();
            let note = if comment.is_empty() { reason.clone() } else { format!("{reason}: {comment}") };
            finished(plan_id, status, Some(format!("rejected{who} ({note})")))
        }
        PlanEvent::Expired => finished(plan_id, status, Some("the approval request expired".into())),
        PlanEvent::StageSatisfied { stage } => {
            plan_status("StageSatisfied", None, format!("approval stage {} is complete", stage + 1))
        }
        PlanEvent::StateChanged { .. } => return None,
    })
}

fn finished(plan_id: praetor_entities::PlanId, status: PlanStatus, error: Option<String>) -> ChatEventData {
    ChatEventData::PlanFinished { plan_id, status: status.as_str().to_string(), error }
}

/// A `chat.post` step that succeeded says something in the session.
pub fn posted(plan: &plan::Model, steps: &[Step], event: &PlanEvent) -> Option<ChatEventData> {
    let PlanEvent::StepSucceeded { index, output, .. } = event else { return None };
    if steps.get(*index)?.action != "chat.post" {
        return None;
    }
    let text = output.get("text")?.as_str()?.to_string();
    Some(ChatEventData::SystemMessage { text, plan_id: Some(plan.id) })
}
