//! A request for a plan: every agent taking part in the project plans it (a model's text
//! streams to the session as it comes), each proposal is simulated through the decision
//! pipeline as the person acting through that agent, a strategy picks one, and the chosen plan
//! is proposed through `services::plans::propose` with the chain person -> agent. With several
//! agents every proposal is kept in the session (and the audit log), chosen or not.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use praetor_planner::{
    Agent, BlastRadius, Candidate, Catalog, DeltaSink, Outcome, PlannerError, ProposedPlan, Strategy, arbitrate,
};
use praetor_store::{ChatProposalId, OrgId, Tenant};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::render;
use super::turn::{Reply, Turn};
use crate::AppState;
use crate::audit::{Entry, canonical_json};
use crate::auth::AgentIdentity;
use crate::chatlog::model::{Blast, ChatEventData, ProposalRecord};
use crate::chatlog::store::{self, SessionChange};
use crate::error::{Error, Result};
use crate::events::{ChatDelta, Event};
use crate::governance::pipeline::{PlanDecision, Verdict};
use crate::services::{agents, plans, secrets};
use praetor_domain::plan::Step;

/// Who takes part in the project's chat, with their planner kinds, and the strategy.
pub async fn participants(turn: &Turn<'_>) -> Result<(Vec<(AgentIdentity, String)>, Strategy)> {
    let (rows, strategy) = agents::of_project(turn.app, turn.access, turn.session.project_id).await?;
    let enabled: Vec<(AgentIdentity, String)> = rows
        .iter()
        .filter(|a| a.enabled)
        .map(|a| Ok((agents::identity(a)?, a.planner.clone())))
        .collect::<Result<_>>()?;
    if enabled.is_empty() {
        return Ok((vec![(agents::builtin(turn.access.org_id()), "alias".into())], Strategy::FirstValid));
    }
    Ok((enabled, strategy))
}

/// What the project's agents could propose together (for "help").
pub async fn catalog_for(turn: &Turn<'_>) -> Result<Catalog> {
    let policy = turn.app.policies.effective(&turn.app.db, turn.access.tenant(), Some(turn.session.project_id)).await?;
    let catalog = turn.app.chat.catalog(&policy);
    let (who, _) = participants(turn).await?;
    let globs: Vec<String> = who.iter().flat_map(|(a, _)| a.role.clone()).collect();
    Ok(catalog.restricted_to(&globs))
}

/// Forwards a planner's streamed text to the session, a few hundred characters or 50 ms at a
/// time (a token per notification would flood other nodes). Text never waits longer than that:
/// a model that pauses mid-answer (composing a tool call) has what it said so far sent by a
/// timer.
#[derive(Clone)]
struct Deltas(Arc<DeltasInner>);

struct DeltasInner {
    app: Arc<AppState>,
    org: OrgId,
    session: praetor_store::ChatSessionId,
    after_seq: i64,
    agent: String,
    /// Text not sent yet, and whether a timer will send it. Held while sending, so what is
    /// sent goes out in the order it was said.
    buffer: tokio::sync::Mutex<Buffered>,
}

#[derive(Default)]
struct Buffered {
    text: String,
    timer: bool,
}

const DELTA_CHARS: usize = 256;
const DELTA_EVERY: Duration = Duration::from_millis(50);

impl Deltas {
    fn new(
        app: Arc<AppState>,
        tenant: Tenant,
        session: praetor_store::ChatSessionId,
        after_seq: i64,
        agent: String,
    ) -> Self {
        let org = tenant.org();
        Self(Arc::new(DeltasInner { app, org, session, after_seq, agent, buffer: Default::default() }))
    }

    async fn send(&self, text: String) {
        if text.is_empty() {
            return;
        }
        let me = &self.0;
        let event = Event::ChatDelta(ChatDelta {
            org: me.org,
            session: me.session,
            after_seq: me.after_seq,
            agent: me.agent.clone(),
            text,
        });
        if let Err(e) = crate::events::fanout::notify(&me.app.db, me.app.bus.node(), std::slice::from_ref(&event)).await
        {
            tracing::debug!("streamed text not announced to other nodes: {e}");
        }
        me.app.bus.publish(event);
    }

    /// Sends what is buffered now.
    async fn flush(&self) {
        let mut b = self.0.buffer.lock().await;
        let text = std::mem::take(&mut b.text);
        self.send(text).await;
    }
}

#[async_trait::async_trait]
impl DeltaSink for Deltas {
    async fn delta(&self, text: &str) {
        let mut b = self.0.buffer.lock().await;
        b.text.push_str(text);
        if b.text.len() >= DELTA_CHARS.min(crate::events::fanout::MAX_DELTA_BYTES) {
            let text = std::mem::take(&mut b.text);
            self.send(text).await;
        } else if !b.timer {
            b.timer = true;
            let me = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(DELTA_EVERY).await;
                let mut b = me.0.buffer.lock().await;
                b.timer = false;
                let text = std::mem::take(&mut b.text);
                me.send(text).await;
            });
        }
    }
}

fn steps_of(p: &ProposedPlan) -> Vec<Step> {
    p.steps
        .iter()
        .map(|s| Step {
            id: s.id.clone(),
            action: s.action.clone(),
            params: s.params.clone(),
            when: None,
            on_failure: Default::default(),
        })
        .collect()
}

fn planner_verdict(v: Verdict) -> praetor_planner::Verdict {
    match v {
        Verdict::Allowed => praetor_planner::Verdict::Allowed,
        Verdict::NeedsApproval => praetor_planner::Verdict::NeedsApproval,
        Verdict::Denied => praetor_planner::Verdict::Denied,
    }
}

/// Plans `text` with the project's agents and proposes the plan that wins.
pub async fn plan(turn: &mut Turn<'_>, text: &str) -> Result<Reply> {
    if let Some(reply) = choice_by_words(turn, text).await? {
        return Ok(reply);
    }
    let policy = turn.app.policies.effective(&turn.app.db, turn.access.tenant(), Some(turn.session.project_id)).await?;
    let catalog = turn.app.chat.catalog(&policy);
    let (who, strategy) = participants(turn).await?;
    // The organization's own model key, if it set one (the configured key otherwise).
    let org_key = match who.iter().any(|(_, kind)| kind == "llm") {
        true => crate::secrets::get(&turn.app.db, &turn.app.secrets, turn.access.tenant(), secrets::LLM_API_KEY)
            .await?
            .map(|v| praetor_planner::Secret::new(v.expose())),
        false => None,
    };
    let runs = who.iter().map(|(identity, kind)| {
        let agent = Agent::new(identity.name.clone(), identity.role.clone(), turn.app.chat.planner(kind))
            .with_api_key(org_key.clone());
        let sink =
            Deltas::new(turn.app.clone(), turn.access.tenant(), turn.session.id, turn.seq, identity.name.clone());
        let (catalog, memory) = (&catalog, &turn.memory);
        async move {
            let outcome = agent.propose(text, catalog, memory, &sink).await;
            sink.flush().await;
            outcome
        }
    });
    let outcomes: Vec<std::result::Result<Outcome, PlannerError>> = join_all(runs).await;
    if who.len() == 1 {
        let ((identity, kind), outcome) = (&who[0], &outcomes[0]);
        if let (Err(e), "llm") = (outcome, kind.as_str()) {
            return Ok(instead_of_the_model(turn, text, &identity.name, e, &catalog).await);
        }
        return Ok(match outcome {
            Ok(Outcome::Plan(p)) => propose(turn, text, identity.clone(), p).await,
            other => not_a_plan(turn, text, &identity.name, other),
        });
    }
    arbitrate_and_propose(turn, text, &who, outcomes, strategy).await
}

/// A model that failed is answered for by the built-in alias agent, and the reply says so: the
/// person still gets a plan or a question, with the model's error (code `PLANNER_ERROR`).
async fn instead_of_the_model(
    turn: &mut Turn<'_>,
    text: &str,
    agent: &str,
    e: &PlannerError,
    catalog: &Catalog,
) -> Reply {
    let builtin = agents::builtin(turn.access.org_id());
    let alias = Agent::new(builtin.name.clone(), builtin.role.clone(), turn.app.chat.planner("alias"));
    let outcome = alias.propose(text, catalog, &turn.memory, &praetor_planner::Discard).await;
    let mut reply = match &outcome {
        Ok(Outcome::Plan(p)) => propose(turn, text, builtin, p).await,
        other => not_a_plan(turn, text, &builtin.name, other),
    };
    reply.text = format!("{agent} could not answer ({e}); the built-in planner answered instead.\n{}", reply.text);
    reply.code.get_or_insert_with(|| "PLANNER_ERROR".into());
    reply
}

/// An answer without a plan: a question back, help, prose, or the planner's error.
fn not_a_plan(
    turn: &mut Turn<'_>,
    text: &str,
    agent: &str,
    outcome: &std::result::Result<Outcome, PlannerError>,
) -> Reply {
    let mut reply = match outcome {
        Ok(Outcome::Clarify(c)) => Reply { suggestions: c.suggestions.clone(), ..Reply::text(c.message.clone()) },
        Ok(Outcome::Help(h)) => Reply::text(h.text().trim_end().to_string()),
        Ok(Outcome::Reply { text }) => Reply::text(text.clone()),
        Ok(Outcome::Plan(_)) => Reply::text(String::new()),
        Err(e) => Reply {
            code: Some("PLANNER_ERROR".into()),
            ..Reply::text(format!("The planner could not answer: {e}. Nothing was proposed."))
        },
    };
    if let Ok(o) = outcome {
        turn.memory.record(text, o);
    }
    reply.agent = Some(agent.to_string());
    reply.memory = Some(turn.memory.clone());
    reply
}

/// Proposes `p` as the person acting through `agent`, from this session.
pub async fn propose(turn: &mut Turn<'_>, text: &str, agent: AgentIdentity, p: &ProposedPlan) -> Reply {
    let name = agent.name.clone();
    let access = turn.access.acting_as(agent);
    let input = plans::ProposeInput {
        title: None,
        steps: steps_of(p),
        template: p.template.as_ref().map(|t| t.name.clone()),
        args: p.template.as_ref().map(|t| t.args.clone()),
        idempotency_key: None,
        run_when_approved: false,
        chat_session: Some(turn.session.id),
    };
    turn.memory.record(text, &Outcome::Plan(p.clone()));
    let mut reply = match plans::propose(turn.app, &access, turn.session.project_id, input).await {
        Ok(model) => match serde_json::from_str::<PlanDecision>(&model.preview) {
            Ok(decision) => Reply {
                plan_id: Some(model.id),
                ..Reply::text(render::proposed(&name, &p.explanation, &model, &decision))
            },
            Err(e) => Reply::error("The plan was proposed but its preview is unreadable: ", &Error::internal(e)),
        },
        Err(e) => Reply { refused: None, ..Reply::error("Nothing was proposed: ", &e) }.refusing(e),
    };
    reply.agent = Some(name);
    reply.memory = Some(turn.memory.clone());
    reply
}

/// One agent's answer, simulated when it is a plan.
async fn record(
    turn: &Turn<'_>,
    agent: &AgentIdentity,
    outcome: &std::result::Result<Outcome, PlannerError>,
) -> ProposalRecord {
    let mut r = ProposalRecord {
        id: ChatProposalId::generate(),
        agent_id: agent.id,
        agent: agent.name.clone(),
        plan: None,
        rank: 0,
        eligible: false,
        support: 0,
        verdict: None,
        cost: 0.0,
        risk: None,
        approvals: 0,
        blast: Blast::default(),
        content_hash: String::new(),
        steps: Value::Null,
        preview: Value::Null,
        error: None,
    };
    let p = match outcome {
        Ok(Outcome::Plan(p)) => p,
        Ok(Outcome::Clarify(c)) => {
            r.error = Some(format!("asked back: {}", c.message));
            return r;
        }
        Ok(Outcome::Help(_)) => {
            r.error = Some("answered with help".into());
            return r;
        }
        Ok(Outcome::Reply { text }) => {
            r.error = Some(format!("answered without a plan: {text}"));
            return r;
        }
        Err(e) => {
            r.error = Some(e.to_string());
            return r;
        }
    };
    r.plan = Some(p.clone());
    let access = turn.access.acting_as(agent.clone());
    let template = p.template.as_ref();
    let simulated = plans::simulate(
        turn.app,
        &access,
        turn.session.project_id,
        steps_of(p),
        template.map(|t| t.name.as_str()),
        template.map(|t| &t.args),
    )
    .await;
    match simulated {
        Ok(prepared) => {
            let d = &prepared.decision;
            let mut keys: Vec<&str> =
                d.steps.iter().flat_map(|s| s.state_diff.iter().map(|c| c.path.as_str())).collect();
            keys.sort_unstable();
            keys.dedup();
            let external = prepared
                .steps
                .iter()
                .filter(|s| {
                    crate::actions::resolve(&s.action, &prepared.policy.effective).is_some_and(|a| a.reaches_outside())
                })
                .count();
            r.verdict = Some(d.verdict);
            r.cost = d.cost;
            r.risk = Some(d.risk);
            r.approvals = d.approvals.len() as u32;
            r.blast = Blast { state_keys: keys.len() as u32, external_calls: external as u32 };
            let steps = serde_json::to_value(&prepared.steps).unwrap_or(Value::Null);
            r.content_hash = hex::encode(Sha256::digest(canonical_json(&steps).as_bytes()));
            r.steps = steps;
            r.preview = serde_json::to_value(d).unwrap_or(Value::Null);
        }
        Err(e) => r.error = Some(format!("could not be simulated: {e}")),
    }
    r
}

fn candidate(r: &ProposalRecord) -> Option<Candidate> {
    let verdict = r.verdict?;
    Some(Candidate {
        agent: r.agent.clone(),
        plan_hash: r.content_hash.clone(),
        verdict: planner_verdict(verdict),
        approvals: r.approvals,
        cost: r.cost,
        risk: r.risk?,
        blast_radius: BlastRadius { state_keys: r.blast.state_keys, external_calls: r.blast.external_calls },
    })
}

async fn arbitrate_and_propose(
    turn: &mut Turn<'_>,
    text: &str,
    who: &[(AgentIdentity, String)],
    outcomes: Vec<std::result::Result<Outcome, PlannerError>>,
    strategy: Strategy,
) -> Result<Reply> {
    let records: Vec<ProposalRecord> =
        join_all(who.iter().zip(&outcomes).map(|((agent, _), outcome)| record(turn, agent, outcome))).await;
    let mut records = records;
    // Candidates are the simulated plans, in agent order; `index` maps them back.
    let index: Vec<usize> = records.iter().enumerate().filter(|(_, r)| r.verdict.is_some()).map(|(i, _)| i).collect();
    let candidates: Vec<Candidate> = index.iter().filter_map(|i| candidate(&records[*i])).collect();
    if candidates.is_empty() {
        // Nobody proposed a plan: answer with the first agent that asked back, else the errors.
        if let Some(i) = outcomes.iter().position(|o| matches!(o, Ok(Outcome::Clarify(_)))) {
            return Ok(not_a_plan(turn, text, &who[i].0.name, &outcomes[i]));
        }
        let all: Vec<String> =
            records.iter().map(|r| format!("{}: {}", r.agent, r.error.clone().unwrap_or_default())).collect();
        turn.memory.note(text, "no agent proposed a plan");
        return Ok(Reply {
            code: Some("PLANNER_ERROR".into()),
            memory: Some(turn.memory.clone()),
            ..Reply::text(format!("No agent proposed a plan. {}", all.join("; ")))
        });
    }
    let result = arbitrate(strategy, &candidates);
    for (pos, ranked) in result.ranking.iter().enumerate() {
        let r = &mut records[index[ranked.index]];
        r.rank = pos as u32 + 1;
        r.eligible = ranked.eligible;
        r.support = ranked.support as u32;
    }
    let chosen = result.chosen.map(|c| index[c]);
    let waits = strategy == Strategy::HumanChoice && result.ranking.iter().any(|r| r.eligible);
    let label = agents::strategy_label(strategy);
    let ranked = ChatEventData::ProposalsRanked {
        in_reply_to: turn.seq,
        strategy: label.clone(),
        reason: result.reason.clone(),
        chosen: chosen.map(|i| records[i].id),
        proposals: records.clone(),
    };
    let summary: Vec<Value> = records
        .iter()
        .map(|r| json!({"proposal": r.id.to_string(), "agent": r.agent, "contentHash": r.content_hash, "verdict": r.verdict, "cost": r.cost, "risk": r.risk, "rank": r.rank, "error": r.error}))
        .collect();
    let mut w = turn.app.write(turn.access.principal().chain()).await?;
    w.audit(
        turn.access.tenant(),
        Entry::new(
            "chat.arbitrated",
            turn.session.id,
            json!({"inReplyTo": turn.seq, "strategy": label, "reason": result.reason, "chosen": chosen.map(|i| records[i].id.to_string()), "proposals": summary}),
        ),
    )
    .await?;
    store::append(
        &mut w,
        turn.access.tenant(),
        turn.session.id,
        vec![ranked],
        SessionChange { await_choice: waits, ..Default::default() },
    )
    .await?;
    w.commit().await?;
    let overview = render::ranking(&records, &result.reason);
    if let Some(i) = chosen {
        let (agent, plan) = (&who[i].0, records[i].plan.clone());
        let Some(plan) = plan else { return Err(Error::internal("the chosen proposal has no plan")) };
        let mut reply = propose(turn, text, agent.clone(), &plan).await;
        reply.text = format!("{overview}\n{}", reply.text);
        reply.proposal_id = reply.plan_id.map(|_| records[i].id);
        return Ok(reply);
    }
    turn.memory.note(text, &result.reason);
    let (code, ask) = if waits {
        (None, "\nChoose one by naming its agent (or with chooseProposal), or say \"cancel\".")
    } else if matches!(strategy, Strategy::Consensus(_)) && result.ranking.iter().any(|r| r.eligible) {
        (Some("NO_CONSENSUS".to_string()), "\nNothing was proposed.")
    } else {
        (Some("POLICY_DENIED".to_string()), "\nNothing was proposed.")
    };
    Ok(Reply { code, memory: Some(turn.memory.clone()), ..Reply::text(format!("{overview}{ask}")) })
}

/// The proposals waiting for a person's choice in this session, with the ranking's event.
pub async fn pending(
    app: &AppState,
    tenant: Tenant,
    session: &praetor_store::chat_session::Model,
) -> Result<Option<(i64, Vec<ProposalRecord>)>> {
    let _org = tenant.org();
    let Some(seq) = session.pending_choice_seq else { return Ok(None) };
    let Some(event) = store::at(&app.db, tenant, session.id, seq).await? else { return Ok(None) };
    match store::decode(&event)? {
        ChatEventData::ProposalsRanked { proposals, .. } => Ok(Some((event.seq, proposals))),
        _ => Ok(None),
    }
}

/// Proposes the waiting proposal `id`: the agent is looked up again (it must still take part
/// and be enabled), and the plan goes through the pipeline again (time has passed).
pub async fn choose(turn: &mut Turn<'_>, id: ChatProposalId) -> Result<Reply> {
    let Some((_, proposals)) = pending(turn.app, turn.access.tenant(), &turn.session).await? else {
        return Err(Error::Conflict("no proposals are waiting for a choice in this session".into()));
    };
    let Some(choice) = proposals.into_iter().find(|p| p.id == id) else {
        return Err(Error::not_found("proposal"));
    };
    let Some(plan) = choice.plan.clone().filter(|_| choice.eligible) else {
        return Err(Error::validation("proposalId", "that proposal is not a plan that may be chosen"));
    };
    let (who, _) = participants(turn).await?;
    let Some((agent, _)) = who.into_iter().find(|(a, _)| a.id == choice.agent_id && a.name == choice.agent) else {
        return Err(Error::Conflict(format!("agent `{}` no longer takes part in this project", choice.agent)));
    };
    let text = format!("choose {}", choice.agent);
    let mut reply = propose(turn, &text, agent, &plan).await;
    reply.clear_choice = true;
    reply.proposal_id = reply.plan_id.map(|_| choice.id);
    Ok(reply)
}

/// "deployer", "choose deployer", "pick 2": a choice among waiting proposals, in words.
async fn choice_by_words(turn: &mut Turn<'_>, text: &str) -> Result<Option<Reply>> {
    if turn.session.pending_choice_seq.is_none() {
        return Ok(None);
    }
    let Some((_, proposals)) = pending(turn.app, turn.access.tenant(), &turn.session).await? else { return Ok(None) };
    let lower = text.trim().trim_end_matches(['.', '!']).to_lowercase();
    let word = ["choose ", "pick ", "use ", "take ", "go with "]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .unwrap_or(&lower)
        .trim()
        .to_string();
    let hit = proposals
        .iter()
        .filter(|p| p.eligible && p.plan.is_some())
        .find(|p| p.agent == word || p.rank.to_string() == word || p.id.to_string() == word);
    match hit {
        Some(p) => Ok(Some(choose(turn, p.id).await.unwrap_or_else(|e| Reply::error("That did not work: ", &e)))),
        None => Ok(None),
    }
}
