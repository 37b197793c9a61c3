//! `ChatSession`, `ChatEvent` (stored events and streamed text), proposals and their
//! arbitration, session memory, and `Agent`.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_planner::Memory;
use praetor_store::{agent, chat_event, chat_session};
use serde_json::Value;

use super::audit_event::Actor;
use super::{
    ChatStepStatusGql, PlanObject, PlanPreview, PlanStatusGql, PlanStep, ProjectObject, RiskGql, VerdictGql,
    connection, page_complexity,
};
use crate::auth::ActorRef;
use crate::authz::OrgAccess;
use crate::chat::sessions as chat;
use crate::chatlog::model::{ChatEventData, ProposalRecord};
use crate::error::Error;
use crate::events::ChatDelta;
use crate::governance::pipeline::PlanDecision;
use crate::graphql::app;
use crate::services::page::PageArgs;
use crate::services::{agents, plans, projects};
use praetor_domain::plan::Step;

/// A preview kept in a chat record (null when there was no plan). One that does not parse is
/// corrupt: an error.
fn preview(v: &Value) -> Result<Option<PlanPreview>> {
    if v.is_null() {
        return Ok(None);
    }
    let d = serde_json::from_value::<PlanDecision>(v.clone())
        .map_err(|e| Error::internal(format!("a preview kept in a conversation is unreadable: {e}")))?;
    Ok(Some(PlanPreview::try_from(&d)?))
}

/// Steps kept in a chat record (null when there was no plan).
fn steps(v: &Value) -> Result<Option<Vec<PlanStep>>> {
    if v.is_null() {
        return Ok(None);
    }
    let s = serde_json::from_value::<Vec<Step>>(v.clone())
        .map_err(|e| Error::internal(format!("steps kept in a conversation are unreadable: {e}")))?;
    Ok(Some(s.iter().map(Into::into).collect()))
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ChatEventKind {
    /// What the person typed.
    UserMessage,
    /// Part of an answer, streamed before it is complete; not stored (the completed message
    /// carries the whole text) and it does not advance the cursor. Not replayed either, except
    /// that a subscriber arriving while an answer streams first gets the text so far.
    TextDelta,
    /// The assistant's complete answer.
    MessageCompleted,
    /// A notice: memory cleared, a message posted by a running plan.
    SystemMessage,
    /// Several agents' proposals for one request, ranked, with the one chosen.
    ProposalsRanked,
    /// A plan proposed from this conversation, with its preview.
    PlanProposed,
    ApprovalRequested,
    /// An approval, the plan being queued or started.
    PlanStatus,
    StepProgress,
    PlanFinished,
}

impl ChatEventKind {
    fn of(data: &ChatEventData) -> Self {
        match data {
            ChatEventData::UserMessage { .. } => Self::UserMessage,
            ChatEventData::MessageCompleted { .. } => Self::MessageCompleted,
            ChatEventData::SystemMessage { .. } => Self::SystemMessage,
            ChatEventData::ProposalsRanked { .. } => Self::ProposalsRanked,
            ChatEventData::PlanProposed { .. } => Self::PlanProposed,
            ChatEventData::ApprovalRequested { .. } => Self::ApprovalRequested,
            ChatEventData::PlanStatus { .. } => Self::PlanStatus,
            ChatEventData::StepProgress { .. } => Self::StepProgress,
            ChatEventData::PlanFinished { .. } => Self::PlanFinished,
        }
    }

    /// The stored `kind` column value.
    pub fn stored(self) -> Option<&'static str> {
        Some(match self {
            Self::UserMessage => "user_message",
            Self::TextDelta => return None,
            Self::MessageCompleted => "message_completed",
            Self::SystemMessage => "system_message",
            Self::ProposalsRanked => "proposals_ranked",
            Self::PlanProposed => "plan_proposed",
            Self::ApprovalRequested => "approval_requested",
            Self::PlanStatus => "plan_status",
            Self::StepProgress => "step_progress",
            Self::PlanFinished => "plan_finished",
        })
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ChatRole {
    User,
    Assistant,
    System,
}

/// An approval stage a plan of this conversation waits for.
#[derive(SimpleObject)]
pub struct ChatApprovalRequest {
    /// From 0, in order.
    pub stage: u32,
    pub name: String,
    pub groups: Vec<String>,
    pub count: u32,
}

/// How far one step of a plan of this conversation got.
#[derive(SimpleObject)]
pub struct ChatStepProgress {
    pub index: u32,
    pub step_id: String,
    pub action: String,
    pub status: ChatStepStatusGql,
    pub attempt: Option<u32>,
    pub output: Option<Json<Value>>,
    pub error: Option<String>,
}

#[derive(SimpleObject)]
pub struct BlastRadiusGql {
    /// Distinct project state keys the plan would change.
    pub state_keys: u32,
    /// Calls outside Praetor (HTTP, external handlers).
    pub external_calls: u32,
}

/// One agent's answer to a request: a simulated plan, or why there is none.
pub struct ChatProposalObject {
    record: ProposalRecord,
    chosen: bool,
}

#[Object(name = "ChatProposal")]
impl ChatProposalObject {
    async fn id(&self) -> ID {
        ID(self.record.id.to_string())
    }

    async fn agent(&self) -> &str {
        &self.record.agent
    }

    /// `None` for the built-in agent.
    async fn agent_id(&self) -> Option<ID> {
        self.record.agent_id.map(|a| ID(a.to_string()))
    }

    /// Position in the ranking, from 1; 0 for an answer that is not a plan.
    async fn rank(&self) -> u32 {
        self.record.rank
    }

    /// Not denied: the strategy (or a person) may choose it.
    async fn eligible(&self) -> bool {
        self.record.eligible
    }

    /// The strategy chose it (its plan was proposed).
    async fn chosen(&self) -> bool {
        self.chosen
    }

    /// How many agents proposed the same steps.
    async fn support(&self) -> u32 {
        self.record.support
    }

    /// The simulation's verdict; none without a plan.
    async fn verdict(&self) -> Option<VerdictGql> {
        self.record.verdict.map(Into::into)
    }

    async fn cost(&self) -> f64 {
        self.record.cost
    }

    /// The plan's risk; none without a plan.
    async fn risk(&self) -> Option<RiskGql> {
        self.record.risk.map(Into::into)
    }

    /// Approval stages the plan would need.
    async fn approvals_needed(&self) -> u32 {
        self.record.approvals
    }

    async fn blast_radius(&self) -> BlastRadiusGql {
        BlastRadiusGql { state_keys: self.record.blast.state_keys, external_calls: self.record.blast.external_calls }
    }

    /// SHA-256 of the expanded steps: equal for agents that proposed the same thing.
    async fn content_hash(&self) -> &str {
        &self.record.content_hash
    }

    /// What the agent said the plan does.
    async fn explanation(&self) -> Option<&str> {
        self.record.plan.as_ref().map(|p| p.explanation.as_str())
    }

    /// The plan in one line, e.g. `deploy.web {env: "prod", service: "web"}`.
    async fn summary(&self) -> Option<String> {
        self.record.plan.as_ref().map(|p| p.summary())
    }

    /// The simulated steps (templates expanded, defaults filled).
    async fn steps(&self) -> Result<Option<Vec<PlanStep>>> {
        steps(&self.record.steps)
    }

    /// The simulated preview: the same decision pipeline as `proposePlan`.
    async fn preview(&self) -> Result<Option<PlanPreview>> {
        preview(&self.record.preview)
    }

    /// Why there is no plan (the agent asked back, failed, or the plan could not be simulated).
    async fn error(&self) -> Option<&str> {
        self.record.error.as_deref()
    }
}

/// Several agents' proposals for one request and the strategy's choice.
#[derive(SimpleObject)]
pub struct ChatArbitration {
    /// first-valid, lowest-cost, lowest-risk, consensus:K or human-choice.
    pub strategy: String,
    pub reason: String,
    pub chosen_proposal_id: Option<ID>,
    /// Every agent's answer, best first (answers that are not plans last).
    pub proposals: Vec<ChatProposalObject>,
}

fn arbitration(
    strategy: &str,
    reason: &str,
    chosen: Option<praetor_store::ChatProposalId>,
    records: &[ProposalRecord],
) -> ChatArbitration {
    let mut list: Vec<&ProposalRecord> = records.iter().collect();
    list.sort_by_key(|r| if r.rank == 0 { u32::MAX } else { r.rank });
    ChatArbitration {
        strategy: strategy.to_string(),
        reason: reason.to_string(),
        chosen_proposal_id: chosen.map(|c| ID(c.to_string())),
        proposals: list
            .into_iter()
            .map(|r| ChatProposalObject { record: r.clone(), chosen: Some(r.id) == chosen })
            .collect(),
    }
}

// Boxed whole inside `ChatEventObject`, so the variants' sizes differ at no cost.
#[allow(clippy::large_enum_variant)]
enum Body {
    Stored {
        model: chat_event::Model,
        data: ChatEventData,
    },
    /// `whole`: the text streamed so far from the answer's start, not a continuation.
    Delta {
        delta: ChatDelta,
        at: DateTime<Utc>,
        whole: bool,
    },
}

/// An event of a conversation: a stored event of its log, or streamed text.
pub struct ChatEventObject {
    access: OrgAccess,
    /// Boxed: the object is held while a subscription resolves it, and every idle subscriber
    /// reserves room for that.
    body: Box<Body>,
}

impl ChatEventObject {
    /// A stored event. One whose data does not parse is corrupt: an error, not an event
    /// with its fields quietly empty.
    pub fn stored(access: OrgAccess, model: chat_event::Model) -> Result<Self, crate::error::Error> {
        let data = crate::chatlog::store::decode(&model)?;
        Ok(Self { access, body: Box::new(Body::Stored { model, data }) })
    }

    /// The stored sequence number (a delta's is the event it follows).
    pub fn seq_value(&self) -> i64 {
        match &*self.body {
            Body::Stored { model, .. } => model.seq,
            Body::Delta { delta, .. } => delta.after_seq,
        }
    }

    pub fn delta(access: OrgAccess, delta: ChatDelta, at: DateTime<Utc>) -> Self {
        Self { access, body: Box::new(Body::Delta { delta, at, whole: false }) }
    }

    /// The text an agent has streamed so far for an answer still coming, from its start.
    pub fn delta_so_far(access: OrgAccess, delta: ChatDelta, at: DateTime<Utc>) -> Self {
        Self { access, body: Box::new(Body::Delta { delta, at, whole: true }) }
    }

    fn parsed(&self) -> Option<&ChatEventData> {
        match &*self.body {
            Body::Stored { data, .. } => Some(data),
            Body::Delta { .. } => None,
        }
    }
}

#[Object(name = "ChatEvent")]
impl ChatEventObject {
    /// The stored event's id (`che_…`); none for streamed text.
    async fn id(&self) -> Option<ID> {
        match &*self.body {
            Body::Stored { model, .. } => Some(ID(model.id.to_string())),
            Body::Delta { .. } => None,
        }
    }

    /// Position in the session's log, from 1: the cursor to resume after. Streamed text
    /// carries the position of the last stored event.
    async fn seq(&self) -> i64 {
        match &*self.body {
            Body::Stored { model, .. } => model.seq,
            Body::Delta { delta, .. } => delta.after_seq,
        }
    }

    async fn kind(&self) -> ChatEventKind {
        match (&*self.body, self.parsed()) {
            (Body::Delta { .. }, _) => ChatEventKind::TextDelta,
            (_, Some(d)) => ChatEventKind::of(d),
            (_, None) => ChatEventKind::SystemMessage,
        }
    }

    /// Streamed text is not stored: it does not advance the cursor, and is not replayed once
    /// the answer holding it is stored.
    async fn ephemeral(&self) -> bool {
        matches!(*self.body, Body::Delta { .. })
    }

    /// For streamed text: whether `text` is all the agent has streamed for this answer, from
    /// its start (what a subscriber arriving mid-answer gets first), so it replaces what the
    /// client holds for the answer instead of extending it. False for other events.
    async fn from_start(&self) -> bool {
        matches!(*self.body, Body::Delta { whole: true, .. })
    }

    async fn session_id(&self) -> ID {
        ID(match &*self.body {
            Body::Stored { model, .. } => model.session_id.to_string(),
            Body::Delta { delta, .. } => delta.session.to_string(),
        })
    }

    async fn created_at(&self) -> DateTime<Utc> {
        match &*self.body {
            Body::Stored { model, .. } => model.created_at,
            Body::Delta { at, .. } => *at,
        }
    }

    /// Who speaks, for messages.
    async fn role(&self) -> Option<ChatRole> {
        match (&*self.body, self.parsed()) {
            (Body::Delta { .. }, _) | (_, Some(ChatEventData::MessageCompleted { .. })) => Some(ChatRole::Assistant),
            (_, Some(ChatEventData::UserMessage { .. })) => Some(ChatRole::User),
            (_, Some(ChatEventData::SystemMessage { .. })) => Some(ChatRole::System),
            _ => None,
        }
    }

    /// The message (or the streamed piece of one).
    async fn text(&self) -> Option<String> {
        match &*self.body {
            Body::Delta { delta, .. } => Some(delta.text.clone()),
            Body::Stored { .. } => self.parsed().and_then(|d| d.text().map(str::to_string)),
        }
    }

    /// Who typed a user message.
    async fn author(&self) -> Result<Option<Actor>> {
        match self.parsed() {
            Some(ChatEventData::UserMessage { author, .. }) => Ok(Some(Actor::of(author)?)),
            _ => Ok(None),
        }
    }

    /// The agent that answered or is streaming.
    async fn agent(&self) -> Option<String> {
        match (&*self.body, self.parsed()) {
            (Body::Delta { delta, .. }, _) => Some(delta.agent.clone()),
            (_, Some(ChatEventData::MessageCompleted { agent, .. })) => agent.clone(),
            _ => None,
        }
    }

    /// For an answer that reports a problem: its error code (RATE_LIMITED, BUDGET_EXCEEDED,
    /// KILL_SWITCH, POLICY_DENIED, FORBIDDEN, PLANNER_ERROR, NO_CONSENSUS, …).
    async fn code(&self) -> Option<String> {
        match self.parsed() {
            Some(ChatEventData::MessageCompleted { code, .. }) => code.clone(),
            _ => None,
        }
    }

    /// The message an answer or a ranking replies to.
    async fn in_reply_to(&self) -> Option<i64> {
        match self.parsed() {
            Some(ChatEventData::MessageCompleted { in_reply_to, .. })
            | Some(ChatEventData::ProposalsRanked { in_reply_to, .. }) => Some(*in_reply_to),
            _ => None,
        }
    }

    /// On an answer that proposed a plan after agents were ranked: the proposal it came from
    /// (chosen by the strategy, or by a person when the strategy is human-choice).
    async fn proposal_id(&self) -> Option<ID> {
        match self.parsed() {
            Some(ChatEventData::MessageCompleted { proposal_id: Some(p), .. }) => Some(ID(p.to_string())),
            _ => None,
        }
    }

    /// Phrasings or values the person may have meant.
    async fn suggestions(&self) -> Vec<String> {
        match self.parsed() {
            Some(ChatEventData::MessageCompleted { suggestions, .. }) => suggestions.clone(),
            _ => Vec::new(),
        }
    }

    async fn plan_id(&self) -> Option<ID> {
        self.parsed().and_then(ChatEventData::plan_id).map(|p| ID(p.to_string()))
    }

    /// The plan the event is about, as it is now (null if the caller may not read it).
    async fn plan(&self, ctx: &Context<'_>) -> Result<Option<PlanObject>> {
        let Some(id) = self.parsed().and_then(ChatEventData::plan_id) else { return Ok(None) };
        Ok(plans::find(app(ctx)?, &self.access, id).await.ok().map(|p| PlanObject::new(self.access.clone(), p)))
    }

    /// For a proposed plan: the preview frozen with it.
    async fn preview(&self) -> Result<Option<PlanPreview>> {
        match self.parsed() {
            Some(ChatEventData::PlanProposed { preview: p, .. }) => preview(p),
            _ => Ok(None),
        }
    }

    /// For a proposed plan: its steps.
    async fn steps(&self) -> Result<Option<Vec<PlanStep>>> {
        match self.parsed() {
            Some(ChatEventData::PlanProposed { steps: s, .. }) => steps(s),
            _ => Ok(None),
        }
    }

    /// For a proposed plan: what an approval signs.
    async fn plan_hash(&self) -> Option<&str> {
        match self.parsed() {
            Some(ChatEventData::PlanProposed { plan_hash, .. }) => Some(plan_hash),
            _ => None,
        }
    }

    /// For a proposed plan: who proposed it, outermost first (the person, then the agent).
    async fn proposer(&self) -> Result<Vec<Actor>> {
        match self.parsed() {
            Some(ChatEventData::PlanProposed { proposer, .. }) => {
                Ok(proposer.iter().map(Actor::of).collect::<Result<_, _>>()?)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// For plan events (proposed, status, finished): the plan's status after the event. A step's
    /// progress carries its own in `step.status`.
    async fn status(&self) -> Option<PlanStatusGql> {
        match self.parsed() {
            Some(ChatEventData::PlanProposed { status, .. })
            | Some(ChatEventData::PlanStatus { status, .. })
            | Some(ChatEventData::PlanFinished { status, .. }) => Some((*status).into()),
            _ => None,
        }
    }

    /// For a proposed plan: the verdict it was proposed with.
    async fn verdict(&self) -> Option<VerdictGql> {
        match self.parsed() {
            Some(ChatEventData::PlanProposed { verdict, .. }) => Some((*verdict).into()),
            _ => None,
        }
    }

    /// A status change's or finished plan's explanation (who approved, why it failed).
    async fn detail(&self) -> Option<String> {
        match self.parsed() {
            Some(ChatEventData::PlanStatus { message, .. }) => Some(message.clone()),
            Some(ChatEventData::PlanFinished { error, .. }) => error.clone(),
            _ => None,
        }
    }

    /// Who caused a status change (an approver, whoever queued the plan).
    async fn by(&self) -> Result<Option<Actor>> {
        match self.parsed() {
            Some(ChatEventData::PlanStatus { by: Some(b), .. }) => Ok(Some(Actor::of(b)?)),
            _ => Ok(None),
        }
    }

    async fn approval(&self) -> Option<ChatApprovalRequest> {
        match self.parsed() {
            Some(ChatEventData::ApprovalRequested { stage, name, groups, count, .. }) => {
                Some(ChatApprovalRequest { stage: *stage, name: name.clone(), groups: groups.clone(), count: *count })
            }
            _ => None,
        }
    }

    async fn step(&self) -> Option<ChatStepProgress> {
        match self.parsed() {
            Some(ChatEventData::StepProgress { index, step, action, status, attempt, output, error, .. }) => {
                Some(ChatStepProgress {
                    index: *index as u32,
                    step_id: step.clone(),
                    action: action.clone(),
                    status: (*status).into(),
                    attempt: *attempt,
                    output: output.clone().map(Json),
                    error: error.clone(),
                })
            }
            _ => None,
        }
    }

    /// For a ranking: every agent's proposal and the strategy's choice.
    async fn arbitration(&self) -> Option<ChatArbitration> {
        match self.parsed() {
            Some(ChatEventData::ProposalsRanked { strategy, reason, chosen, proposals, .. }) => {
                Some(arbitration(strategy, reason, *chosen, proposals))
            }
            _ => None,
        }
    }

    /// The stored event data as JSON (its shape depends on `kind`).
    async fn data(&self) -> Result<Json<Value>> {
        Ok(Json(match &*self.body {
            Body::Stored { model, .. } => crate::error::stored(format_args!("chat event {}", model.id), &model.data)?,
            Body::Delta { delta, .. } => serde_json::json!({"text": delta.text, "agent": delta.agent}),
        }))
    }
}

/// What the session's planners remember.
#[derive(SimpleObject)]
pub struct ChatMemoryGql {
    /// Parameter name -> the last value named (`service` -> `"web"`): what "it" means.
    pub facts: Json<Value>,
    /// The last plan proposed: what "again" repeats.
    pub last_plan: Option<String>,
    /// The rolling summary, as a model sees it.
    pub summary: String,
    pub empty: bool,
}

pub struct ChatSessionObject {
    access: OrgAccess,
    model: chat_session::Model,
}

impl ChatSessionObject {
    pub fn new(access: OrgAccess, model: chat_session::Model) -> Self {
        Self { access, model }
    }
}

const MESSAGE_KINDS: &[&str] = &["user_message", "message_completed", "system_message"];

#[Object(name = "ChatSession")]
impl ChatSessionObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn title(&self) -> &str {
        &self.model.title
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }

    async fn owner(&self) -> Result<Actor> {
        let a: ActorRef = crate::error::stored(
            format_args!("the owner of chat session {}", self.model.id),
            &self.model.created_by_actor,
        )?;
        Ok(Actor::of(&a)?)
    }

    /// The caller may send messages here (its owner, with `chat.write`).
    async fn viewer_can_write(&self) -> bool {
        chat::may_write(&self.access, &self.model)
    }

    async fn project(&self, ctx: &Context<'_>) -> Result<ProjectObject> {
        let p = projects::find_by_id(app(ctx)?, &self.access, self.model.project_id).await?;
        Ok(ProjectObject::new(self.access.clone(), p))
    }

    /// The sequence number of the latest stored event (subscribe with `after` = this).
    async fn last_seq(&self) -> i64 {
        self.model.last_seq
    }

    async fn memory(&self) -> Result<ChatMemoryGql> {
        let m: Memory =
            crate::error::stored(format_args!("the memory of chat session {}", self.model.id), &self.model.memory)?;
        Ok(ChatMemoryGql {
            facts: Json(serde_json::to_value(&m.facts).map_err(Error::internal)?),
            last_plan: m.last_plan.as_ref().map(|p| p.summary()),
            summary: m.summary(),
            empty: m.is_empty(),
        })
    }

    /// The plan "approve", "run it" and "status" refer to.
    async fn current_plan(&self, ctx: &Context<'_>) -> Result<Option<PlanObject>> {
        let Some(id) = self.model.current_plan_id else { return Ok(None) };
        Ok(plans::find(app(ctx)?, &self.access, id).await.ok().map(|p| PlanObject::new(self.access.clone(), p)))
    }

    /// Proposals waiting for the owner's choice (`chooseProposal`), when the project's
    /// strategy is human-choice.
    async fn pending_choice(&self, ctx: &Context<'_>) -> Result<Option<ChatArbitration>> {
        let Some(seq) = self.model.pending_choice_seq else { return Ok(None) };
        let event = crate::chatlog::store::at(&app(ctx)?.db, self.access.tenant(), self.model.id, seq).await?;
        Ok(match event.and_then(|e| crate::chatlog::store::decode(&e).ok()) {
            Some(ChatEventData::ProposalsRanked { strategy, reason, chosen, proposals, .. }) => {
                Some(arbitration(&strategy, &reason, chosen, &proposals))
            }
            _ => None,
        })
    }

    /// The session's log, oldest first (the cursor is the sequence number); `kinds` narrows
    /// it.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        kinds: Option<Vec<ChatEventKind>>,
    ) -> Result<Connection<String, ChatEventObject>> {
        let args = PageArgs::<i64>::parse(first, after.as_deref())?;
        let kinds: Option<Vec<&str>> = kinds.map(|k| k.into_iter().filter_map(ChatEventKind::stored).collect());
        let page = chat::events(app(ctx)?, &self.model, kinds.as_deref(), args).await?;
        let page = page.try_map(|e| ChatEventObject::stored(self.access.clone(), e))?;
        Ok(connection(page, args.after.is_some(), |e| e.seq_value().to_string(), |e| e))
    }

    /// The messages only (the person's, the assistant's, notices), oldest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ChatEventObject>> {
        let args = PageArgs::<i64>::parse(first, after.as_deref())?;
        let page = chat::events(app(ctx)?, &self.model, Some(MESSAGE_KINDS), args).await?;
        let page = page.try_map(|e| ChatEventObject::stored(self.access.clone(), e))?;
        Ok(connection(page, args.after.is_some(), |e| e.seq_value().to_string(), |e| e))
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AgentPlanner {
    /// Deterministic: the actions' chat aliases.
    Alias,
    /// The configured OpenAI-compatible model endpoint.
    Llm,
}

impl AgentPlanner {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentPlanner::Alias => "alias",
            AgentPlanner::Llm => "llm",
        }
    }
}

pub struct AgentObject(pub agent::Model);

#[Object(name = "Agent")]
impl AgentObject {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn planner(&self) -> AgentPlanner {
        if self.0.planner == "llm" { AgentPlanner::Llm } else { AgentPlanner::Alias }
    }

    /// Action globs the agent may propose (its role); it never approves or runs anything.
    async fn role(&self) -> Result<Vec<String>> {
        Ok(agents::role_of(&self.0)?)
    }

    async fn enabled(&self) -> bool {
        self.0.enabled
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ArbitrationStrategy {
    /// The first proposal, in agent order, that is not denied.
    FirstValid,
    LowestCost,
    LowestRisk,
    /// A plan proposed by at least `consensus` agents.
    Consensus,
    /// Nothing is chosen automatically: the owner picks one (`chooseProposal`).
    HumanChoice,
}

/// Which agents take part in a project's chat and how their proposals are arbitrated.
#[derive(SimpleObject)]
pub struct ProjectChatSettings {
    /// In order; empty: the built-in alias agent answers alone.
    pub agents: Vec<AgentObject>,
    pub strategy: ArbitrationStrategy,
    /// For consensus: how many agents must propose the same plan.
    pub consensus: Option<u32>,
    /// first-valid, lowest-cost, lowest-risk, consensus:K or human-choice.
    pub strategy_label: String,
}

impl ProjectChatSettings {
    pub fn new(agents: Vec<agent::Model>, strategy: praetor_planner::Strategy) -> Self {
        use praetor_planner::Strategy as S;
        let (kind, k) = match strategy {
            S::FirstValid => (ArbitrationStrategy::FirstValid, None),
            S::LowestCost => (ArbitrationStrategy::LowestCost, None),
            S::LowestRisk => (ArbitrationStrategy::LowestRisk, None),
            S::Consensus(k) => (ArbitrationStrategy::Consensus, Some(k as u32)),
            S::HumanChoice => (ArbitrationStrategy::HumanChoice, None),
        };
        Self {
            agents: agents.into_iter().map(AgentObject).collect(),
            strategy: kind,
            consensus: k,
            strategy_label: agents::strategy_label(strategy),
        }
    }
}
