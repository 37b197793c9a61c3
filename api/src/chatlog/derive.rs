//! Plan events told in the chat session the plan was proposed from. The engine's event store
//! calls [`echo`] for every event it appends to such a plan and writes the result in the same
//! transaction, so the session's log can never miss or invent a step, whichever node ran it.

use praetor_store::plan;
use serde_json::Value;

use super::model::ChatEventData;
use crate::auth::ActorRef;
use praetor_domain::ChatStepStatus;
use praetor_domain::plan::{PlanEvent, PlanStatus, Step};

/// What the session shows for `event`, which left the plan in `status`. State changes are left
/// out: the step's own progress says the same thing.
pub fn echo(
    plan: &plan::Model,
    steps: &[Step],
    event: &PlanEvent,
    status: PlanStatus,
) -> crate::error::Result<Option<ChatEventData>> {
    let plan_id = plan.id;
    let action = |index: usize| steps.get(index).map(|s| s.action.clone()).unwrap_or_default();
    let progress = |index: usize,
                    step: &str,
                    status: ChatStepStatus,
                    attempt: Option<u32>,
                    output: Option<Value>,
                    error: Option<String>| {
        ChatEventData::StepProgress {
            plan_id,
            index,
            step: step.to_string(),
            action: action(index),
            status,
            attempt,
            output,
            error,
        }
    };
    let plan_status = |event: &str, by: Option<ActorRef>, message: String| ChatEventData::PlanStatus {
        plan_id,
        status,
        event: event.to_string(),
        by,
        message,
    };
    if let PlanEvent::Proposed { plan_hash, verdict, .. } = event {
        let stored =
            |what: &str, text: &str| crate::error::stored::<Value>(format_args!("the {what} of plan {plan_id}"), text);
        return Ok(Some(ChatEventData::PlanProposed {
            plan_id,
            title: plan.title.clone(),
            plan_hash: plan_hash.clone(),
            status,
            verdict: *verdict,
            proposer: crate::error::stored(format_args!("the proposer of plan {plan_id}"), &plan.proposer)?,
            steps: stored("steps", &plan.steps)?,
            preview: stored("preview", &plan.preview)?,
        }));
    }
    Ok(Some(match event {
        PlanEvent::Proposed { .. } => return Ok(None),
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
            progress(*index, step, ChatStepStatus::Running, Some(*attempt), None, None)
        }
        PlanEvent::StepSucceeded { index, step, output, .. } => {
            progress(*index, step, ChatStepStatus::Succeeded, None, Some(output.clone()), None)
        }
        PlanEvent::StepFailed { index, step, attempt, error, retry_at } => {
            let status = if retry_at.is_some() { ChatStepStatus::Retrying } else { ChatStepStatus::Failed };
            progress(*index, step, status, Some(*attempt), None, Some(error.clone()))
        }
        PlanEvent::StepSkipped { index, step, reason } => {
            progress(*index, step, ChatStepStatus::Skipped, None, None, Some(reason.clone()))
        }
        PlanEvent::StepWaiting { index, step, until } => {
            progress(*index, step, ChatStepStatus::Waiting, None, Some(serde_json::json!({"until": until})), None)
        }
        PlanEvent::StepDeferred { index, step, code, reason, .. } => {
            progress(*index, step, ChatStepStatus::Deferred, None, None, Some(format!("{code}: {reason}")))
        }
        PlanEvent::CompensationStarted { index, step, .. } => {
            progress(*index, step, ChatStepStatus::Compensating, None, None, None)
        }
        PlanEvent::CompensationFinished { index, step, ok, error } => {
            let status = if *ok { ChatStepStatus::Compensated } else { ChatStepStatus::CompensationFailed };
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
        PlanEvent::StateChanged { .. } => return Ok(None),
    }))
}

fn finished(plan_id: praetor_store::PlanId, status: PlanStatus, error: Option<String>) -> ChatEventData {
    ChatEventData::PlanFinished { plan_id, status, error }
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

#[cfg(test)]
mod tests {
    use super::*;
    use praetor_store::{ChatSessionId, OrgId, PlanId, ProjectId};
    use serde_json::json;

    fn plan(steps: &[Step]) -> plan::Model {
        plan::Model {
            id: PlanId::generate(),
            org_id: OrgId::generate(),
            project_id: ProjectId::generate(),
            title: "deploy.web".into(),
            status: "draft".into(),
            verdict: "allowed".into(),
            plan_hash: "h".into(),
            policy_version: "org@1".into(),
            steps: serde_json::to_string(steps).unwrap(),
            preview: json!({"verdict": "allowed"}).to_string(),
            approval_stages: "[]".into(),
            current_stage: 0,
            template: None,
            template_args: None,
            idempotency_key: None,
            run_when_approved: false,
            proposer: json!([{"kind": "user", "id": "usr_1", "name": "bob"}, {"kind": "agent", "id": "builtin", "name": "alias"}]).to_string(),
            proposer_subject: "agent:builtin".into(),
            on_behalf_of: Some("usr_1".into()),
            cost: 2.0,
            risk: "medium".into(),
            expires_at: None,
            state_hash: None,
            error: None,
            next_step: 0,
            event_count: 0,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            unattended: false,
            chat_session_id: Some(ChatSessionId::generate()),
        }
    }

    fn step(id: &str, action: &str) -> Step {
        Step { id: id.into(), action: action.into(), params: json!({}), when: None, on_failure: Default::default() }
    }

    #[test]
    fn plan_events_are_told_in_the_session() {
        let steps = [step("one", "deploy.web"), step("say", "chat.post")];
        let p = plan(&steps);
        let proposed = PlanEvent::Proposed {
            plan_hash: "h".into(),
            verdict: praetor_domain::Verdict::Allowed,
            policy_version: "v".into(),
            steps: 2,
        };
        match echo(&p, &steps, &proposed, PlanStatus::Approved).unwrap() {
            Some(ChatEventData::PlanProposed { plan_id, status, proposer, preview, steps, .. }) => {
                assert_eq!((plan_id, status), (p.id, PlanStatus::Approved));
                assert_eq!(proposer[1].kind, praetor_domain::ActorKind::Agent);
                assert_eq!(preview["verdict"], "allowed");
                assert_eq!(steps[0]["action"], "deploy.web");
            }
            other => panic!("{other:?}"),
        }
        let failed =
            PlanEvent::StepFailed { index: 0, step: "one".into(), attempt: 2, error: "boom".into(), retry_at: None };
        assert_eq!(
            echo(&p, &steps, &failed, PlanStatus::Running).unwrap(),
            Some(ChatEventData::StepProgress {
                plan_id: p.id,
                index: 0,
                step: "one".into(),
                action: "deploy.web".into(),
                status: ChatStepStatus::Failed,
                attempt: Some(2),
                output: None,
                error: Some("boom".into()),
            })
        );
        let retry = PlanEvent::StepFailed {
            index: 0,
            step: "one".into(),
            attempt: 1,
            error: "busy".into(),
            retry_at: Some(chrono::DateTime::UNIX_EPOCH),
        };
        assert!(
            matches!(echo(&p, &steps, &retry, PlanStatus::Running).unwrap(), Some(ChatEventData::StepProgress { status, .. }) if status == ChatStepStatus::Retrying)
        );
        let state = PlanEvent::StateChanged { index: 0, step: "one".into(), ops: vec![], state_hash: "x".into() };
        assert_eq!(echo(&p, &steps, &state, PlanStatus::Running).unwrap(), None);
        let done = PlanEvent::Succeeded { state_hash: "x".into(), project_seq: 1 };
        assert_eq!(
            echo(&p, &steps, &done, PlanStatus::Succeeded).unwrap(),
            Some(ChatEventData::PlanFinished { plan_id: p.id, status: PlanStatus::Succeeded, error: None })
        );
        let by = ActorRef { kind: praetor_domain::ActorKind::User, id: "usr_2".into(), name: "carol".into() };
        let rejected =
            PlanEvent::Rejected { by: Some(by), reason: "rejected by an approver".into(), comment: "not today".into() };
        match echo(&p, &steps, &rejected, PlanStatus::Rejected).unwrap() {
            Some(ChatEventData::PlanFinished { error: Some(e), status, .. }) => {
                assert_eq!(status, PlanStatus::Rejected);
                assert!(e.contains("carol") && e.contains("not today"), "{e}");
            }
            other => panic!("{other:?}"),
        }

        // A chat.post step speaks in the session; other steps do not.
        let said =
            PlanEvent::StepSucceeded { index: 1, step: "say".into(), output: json!({"text": "deployed"}), cost: 0.0 };
        assert_eq!(
            posted(&p, &steps, &said),
            Some(ChatEventData::SystemMessage { text: "deployed".into(), plan_id: Some(p.id) })
        );
        let other = PlanEvent::StepSucceeded { index: 0, step: "one".into(), output: json!({"text": "x"}), cost: 2.0 };
        assert_eq!(posted(&p, &steps, &other), None);
    }
}
