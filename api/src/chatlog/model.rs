//! The events of a chat session's log, as stored (`chat_events.data`, with `kind` repeated in
//! its own column). Plan events are told here for the plan the session proposed, so one log
//! holds the whole conversation: a reconnecting client replays it from its cursor.

use praetor_domain::{ChatStepStatus, PlanStatus, Verdict};
use praetor_planner::ProposedPlan;
use praetor_policy::document::Risk;
use praetor_store::{AgentId, ChatProposalId, PlanId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::ActorRef;

/// A proposal's risk: absent, `""` (no plan, as older records say) or a risk's name.
fn risk_or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Risk>, D::Error> {
    match Option::<String>::deserialize(d)?.as_deref() {
        None | Some("") => Ok(None),
        Some(name) => {
            Risk::parse(name).map(Some).ok_or_else(|| serde::de::Error::custom(format!("unknown risk {name:?}")))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChatEventData {
    /// What the person typed.
    UserMessage {
        text: String,
        author: ActorRef,
    },
    /// The assistant's complete answer to the message `in_reply_to` (its text was streamed as
    /// deltas first when a model produced it).
    MessageCompleted {
        text: String,
        in_reply_to: i64,
        /// The agent that answered, when one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
        /// Why nothing happened, as an error code (RATE_LIMITED, POLICY_DENIED, PLANNER_ERROR…).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        /// The plan the answer is about.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plan_id: Option<PlanId>,
        /// The ranked proposal that plan was proposed from (the strategy's or a person's choice).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proposal_id: Option<ChatProposalId>,
        /// Phrasings or values the person may have meant.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        suggestions: Vec<String>,
    },
    /// A notice that is not an answer (memory cleared, a message posted by a running plan).
    SystemMessage {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plan_id: Option<PlanId>,
    },
    /// Several agents proposed plans for one request: every proposal, ranked, and the one
    /// the strategy chose (none: consensus failed, everything was denied, or a person chooses).
    ProposalsRanked {
        in_reply_to: i64,
        strategy: String,
        reason: String,
        chosen: Option<ChatProposalId>,
        proposals: Vec<ProposalRecord>,
    },
    /// A plan was proposed from this session: its preview, frozen with it.
    PlanProposed {
        plan_id: PlanId,
        title: String,
        plan_hash: String,
        status: PlanStatus,
        verdict: Verdict,
        /// The principal chain, outermost first (the person, then the agent).
        proposer: Vec<ActorRef>,
        steps: Value,
        preview: Value,
    },
    ApprovalRequested {
        plan_id: PlanId,
        stage: u32,
        name: String,
        groups: Vec<String>,
        count: u32,
    },
    /// An approval, the plan being queued or started, an approval gate opening.
    PlanStatus {
        plan_id: PlanId,
        status: PlanStatus,
        event: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<ActorRef>,
        message: String,
    },
    StepProgress {
        plan_id: PlanId,
        index: usize,
        step: String,
        action: String,
        status: ChatStepStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attempt: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// The plan ended: succeeded, failed, cancelled, killed, rejected or expired.
    PlanFinished {
        plan_id: PlanId,
        status: PlanStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

impl ChatEventData {
    pub fn kind(&self) -> &'static str {
        match self {
            ChatEventData::UserMessage { .. } => "user_message",
            ChatEventData::MessageCompleted { .. } => "message_completed",
            ChatEventData::SystemMessage { .. } => "system_message",
            ChatEventData::ProposalsRanked { .. } => "proposals_ranked",
            ChatEventData::PlanProposed { .. } => "plan_proposed",
            ChatEventData::ApprovalRequested { .. } => "approval_requested",
            ChatEventData::PlanStatus { .. } => "plan_status",
            ChatEventData::StepProgress { .. } => "step_progress",
            ChatEventData::PlanFinished { .. } => "plan_finished",
        }
    }

    pub fn plan_id(&self) -> Option<PlanId> {
        match self {
            ChatEventData::MessageCompleted { plan_id, .. } | ChatEventData::SystemMessage { plan_id, .. } => *plan_id,
            ChatEventData::PlanProposed { plan_id, .. }
            | ChatEventData::ApprovalRequested { plan_id, .. }
            | ChatEventData::PlanStatus { plan_id, .. }
            | ChatEventData::StepProgress { plan_id, .. }
            | ChatEventData::PlanFinished { plan_id, .. } => Some(*plan_id),
            ChatEventData::UserMessage { .. } | ChatEventData::ProposalsRanked { .. } => None,
        }
    }

    /// The text a person reads for this event, if it is a message.
    pub fn text(&self) -> Option<&str> {
        match self {
            ChatEventData::UserMessage { text, .. }
            | ChatEventData::MessageCompleted { text, .. }
            | ChatEventData::SystemMessage { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// How much a plan would touch: distinct state keys and calls outside Praetor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blast {
    pub state_keys: u32,
    pub external_calls: u32,
}

/// One agent's answer to a request, as the ranking shows it. A proposal that could not be
/// simulated, or an agent that asked back or failed, is kept with `error` (and no plan), so
/// every participant's answer stays visible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalRecord {
    pub id: ChatProposalId,
    /// `None` for the built-in agent.
    pub agent_id: Option<AgentId>,
    pub agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<ProposedPlan>,
    /// Position in the ranking, from 1; 0 for answers that are not plans.
    pub rank: u32,
    pub eligible: bool,
    /// How many agents proposed the same steps (consensus).
    pub support: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    pub cost: f64,
    /// The plan's risk (none without a plan; records written before it was optional say `""`).
    #[serde(default, deserialize_with = "risk_or_empty")]
    pub risk: Option<Risk>,
    pub approvals: u32,
    pub blast: Blast,
    /// SHA-256 of the expanded steps: equal for agents that proposed the same thing.
    pub content_hash: String,
    /// The simulated steps and preview (`PlanPreview` as stored with plans).
    #[serde(default)]
    pub steps: Value,
    #[serde(default)]
    pub preview: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_round_trip_with_their_kind() {
        let plan = PlanId::generate();
        let e = ChatEventData::StepProgress {
            plan_id: plan,
            index: 0,
            step: "step-1".into(),
            action: "deploy.web".into(),
            status: ChatStepStatus::Succeeded,
            attempt: Some(1),
            output: Some(json!({"ok": true})),
            error: None,
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], e.kind());
        assert_eq!(v["plan_id"], plan.to_string());
        assert!(v.get("error").is_none());
        assert_eq!(serde_json::from_value::<ChatEventData>(v).unwrap(), e);
        assert_eq!(e.plan_id(), Some(plan));
        let m = ChatEventData::MessageCompleted {
            text: "hi".into(),
            in_reply_to: 1,
            agent: None,
            code: Some("RATE_LIMITED".into()),
            plan_id: None,
            proposal_id: None,
            suggestions: vec![],
        };
        assert_eq!(m.text(), Some("hi"));
        assert_eq!(serde_json::to_value(&m).unwrap()["kind"], "message_completed");
    }
}
