//! Plans: propose (freeze steps with their preview), simulate, approve, reject, execute,
//! cancel, expire. Every change is an event in the plan's log (see `engine::store`), written
//! with its audit entry in the same transaction.

use std::sync::Arc;

use chrono::Duration;
use praetor_policy::decide::Effective;
use praetor_policy::title::{Titled, plan_title};
use praetor_store::{PlanId, ProjectId, plan};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::page::{Page, PageArgs};
use crate::AppState;
use crate::actions;
use crate::audit::canonical_json;
use crate::auth::Principal;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::engine::{queue, store};
use crate::error::{Error, Result, conflict_means};
use crate::governance::pipeline::{self, DecisionContext, PlanDecision, Verdict};
use crate::governance::{budget, load, rate};
use praetor_domain::plan::{PlanEvent, PlanStatus, Step};
use praetor_domain::snapshot::{Phase, Snapshot};

pub use super::approvals::{approval_requests, approve, expire_due, reject};

pub const MAX_STEPS: usize = 50;
/// How long an approval request lives unless policy says otherwise.
pub const DEFAULT_APPROVAL_TTL_HOURS: i64 = 24;

/// What a proposal asks for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProposeInput {
    pub title: Option<String>,
    pub steps: Vec<Step>,
    /// A plan template to expand (before `steps`), with its arguments.
    pub template: Option<String>,
    pub args: Option<Value>,
    pub idempotency_key: Option<String>,
    /// Queue the plan as soon as it is approved (at once, when it needs no approval).
    pub run_when_approved: bool,
    /// The chat session the plan is proposed from; its progress is told there.
    #[serde(default)]
    pub chat_session: Option<praetor_store::ChatSessionId>,
}

/// Checks and normalises steps: ids default to `step-N` and must be unique.
pub fn normalize_steps(mut steps: Vec<Step>) -> Result<Vec<Step>> {
    if steps.is_empty() {
        return Err(Error::validation("steps", "a plan needs at least one step"));
    }
    if steps.len() > MAX_STEPS {
        return Err(Error::validation("steps", format!("a plan has at most {MAX_STEPS} steps")));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, step) in steps.iter_mut().enumerate() {
        if step.id.trim().is_empty() {
            step.id = format!("step-{}", i + 1);
        }
        let ok = step.id.len() <= 64
            && step.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !ok {
            return Err(Error::validation(format!("steps[{i}].id"), "letters, digits, '-', '_' and '.', at most 64"));
        }
        if !seen.insert(step.id.clone()) {
            return Err(Error::validation(format!("steps[{i}].id"), format!("duplicate step id `{}`", step.id)));
        }
        if step.action.trim().is_empty() {
            return Err(Error::validation(format!("steps[{i}].action"), "missing"));
        }
        if !step.params.is_object() {
            return Err(Error::validation(format!("steps[{i}].params"), "must be an object"));
        }
        if step.when.is_some() {
            return Err(Error::validation(
                format!("steps[{i}].when"),
                "step conditions need a policy set with CEL; not available yet",
            ));
        }
    }
    Ok(steps)
}

/// The hash an approval signs: steps, parameters, policy version and preview.
pub fn plan_hash(steps: &[Step], decision: &PlanDecision) -> String {
    let doc = json!({
        "steps": steps,
        "policyVersion": decision.policy_version,
        "preview": decision,
    });
    hex::encode(Sha256::digest(canonical_json(&doc).as_bytes()))
}

/// Expands templates (`template` + `args`, and `plan.run` steps) into plain steps.
fn expand(
    effective: &Effective,
    steps: Vec<Step>,
    template: Option<&str>,
    args: Option<&Value>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Step>> {
    let mut out = Vec::new();
    if let Some(name) = template {
        out.extend(expand_template(effective, name, args.cloned().unwrap_or_else(|| json!({})), "", "template", now)?);
    }
    for (i, step) in steps.into_iter().enumerate() {
        if step.action == "plan.run" {
            let name = step
                .params
                .get("template")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::validation(format!("steps[{i}].params.template"), "missing"))?;
            let args = step.params.get("args").cloned().unwrap_or_else(|| json!({}));
            let prefix = if step.id.is_empty() { format!("step-{}.", i + 1) } else { format!("{}.", step.id) };
            out.extend(expand_template(effective, name, args, &prefix, &format!("steps[{i}]"), now)?);
        } else {
            out.push(step);
        }
    }
    Ok(out)
}

/// A plan template's steps for `args`. A step whose `when` is false for these arguments is left
/// out; the remaining steps' parameters are rendered from the arguments.
fn expand_template(
    effective: &Effective,
    name: &str,
    args: Value,
    prefix: &str,
    field: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Step>> {
    let (t, _) =
        effective.template(name).ok_or_else(|| Error::validation(field, format!("no plan template named `{name}`")))?;
    let args = actions::with_defaults(&t.spec.params, &args);
    actions::validate_params(&format!("template {name}"), &t.spec.params, &args)?;
    let empty = json!({});
    let input = praetor_policy::expr::Input {
        params: &args,
        state: &empty,
        principal: &empty,
        plan: &empty,
        now,
        usage: &empty,
    };
    let lookup = |src: &str| effective.expr(src);
    let mut out = Vec::new();
    for ts in &t.spec.steps {
        if let Some(w) = &ts.when {
            let keep = effective
                .expr(w)
                .and_then(|c| praetor_policy::expr::eval_bool(&c, &input))
                .map_err(|e| Error::validation(field, format!("template {name} step {}: {e}", ts.id)))?;
            if !keep {
                continue;
            }
        }
        let params =
            praetor_policy::expr::render(&serde_json::to_value(&ts.params).map_err(Error::internal)?, &input, &lookup)
                .map_err(|e| Error::validation(field, format!("template {name} step {}: {e}", ts.id)))?;
        let on_failure = match ts.on_failure {
            praetor_policy::document::OnFailure::Stop => praetor_domain::plan::OnFailure::Stop,
            praetor_policy::document::OnFailure::Continue => praetor_domain::plan::OnFailure::Continue,
            praetor_policy::document::OnFailure::Compensate => praetor_domain::plan::OnFailure::Compensate,
        };
        out.push(Step { id: format!("{prefix}{}", ts.id), action: ts.action.clone(), params, when: None, on_failure });
    }
    Ok(out)
}

/// Steps ready to be decided: templates expanded, parameter defaults filled, ids checked.
pub fn prepare_steps(
    effective: &Effective,
    steps: Vec<Step>,
    template: Option<&str>,
    args: Option<&Value>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Step>> {
    let steps = expand(effective, steps, template, args, now)?;
    let steps: Vec<Step> = steps
        .into_iter()
        .map(|mut s| {
            if let Some(a) = actions::resolve(&s.action, effective) {
                s.params = actions::with_defaults(&a.schema, &s.params);
            }
            s
        })
        .collect();
    normalize_steps(steps)
}

/// What a simulation or proposal decided, with everything it was decided on.
pub struct Prepared {
    pub steps: Vec<Step>,
    pub decision: PlanDecision,
    pub principal: Value,
    pub policy: Arc<crate::governance::policy::Loaded>,
    pub gov: Snapshot,
    pub rights: pipeline::Rights,
    pub state: Value,
    pub project: ProjectId,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Prepared {
    /// The context the decision was made in.
    fn context(&self, org: praetor_store::OrgId) -> DecisionContext<'_> {
        DecisionContext {
            org,
            project: self.project,
            state: &self.state,
            now: self.now,
            policy: self.policy.clone(),
            principal: self.principal.clone(),
            rights: &self.rights,
            gov: &self.gov,
            plan: None,
        }
    }
}

/// Everything a proposal is decided on except governance state: the policy in force, the
/// expanded steps, the project state and the principal.
struct Inputs {
    project: ProjectId,
    policy: Arc<crate::governance::policy::Loaded>,
    steps: Vec<Step>,
    state: Value,
    principal: Value,
    now: chrono::DateTime<chrono::Utc>,
}

impl Inputs {
    fn request(&self, access: &OrgAccess) -> load::For<'_> {
        load::For {
            tenant: access.tenant(),
            project: self.project,
            effective: &self.policy.effective,
            principal: &self.principal,
            steps: &self.steps,
            phase: Phase::Propose,
            now: self.now,
        }
    }

    fn decide(self, access: &OrgAccess, gov: Snapshot, stage: crate::metrics::Stage) -> Prepared {
        let rights = pipeline::rights_of(access, self.project, &self.steps);
        let ctx = DecisionContext {
            org: access.org_id(),
            project: self.project,
            state: &self.state,
            now: self.now,
            policy: self.policy.clone(),
            principal: self.principal.clone(),
            rights: &rights,
            gov: &gov,
            plan: None,
        };
        let decision = pipeline::decide(stage, &ctx, &self.steps);
        Prepared {
            steps: self.steps,
            decision,
            principal: self.principal,
            policy: self.policy,
            gov,
            rights,
            state: self.state,
            project: self.project,
            now: self.now,
        }
    }
}

async fn inputs(
    app: &AppState,
    access: &OrgAccess,
    project: ProjectId,
    steps: Vec<Step>,
    template: Option<&str>,
    args: Option<&Value>,
) -> Result<Inputs> {
    // The project, the policy's versions, the state and the groups in one snapshot.
    let reads = crate::db::begin_reads(&app.db).await?;
    let project = super::projects::find_by_id_on(&reads, access, project).await?;
    access.permit::<ops::PlanPropose>(Domain::Project(project.id))?;
    let policy = app.policies.effective(&reads, access.tenant(), Some(project.id)).await?;
    let state = store::current_state(&reads, access.tenant(), project.id).await?;
    let groups = crate::authz::proposer::groups_of(&reads, access, access.principal()).await?;
    reads.end().await?;
    let now = app.clock.now();
    let steps = prepare_steps(&policy.effective, steps, template, args, now)?;
    let principal = pipeline::principal_value(access.principal(), &groups);
    Ok(Inputs { project: project.id, policy, steps, state, principal, now })
}

/// Runs the pipeline over the steps without saving anything. Needs `plan.propose`.
pub async fn simulate(
    app: &AppState,
    access: &OrgAccess,
    project: ProjectId,
    steps: Vec<Step>,
    template: Option<&str>,
    args: Option<&Value>,
) -> Result<Prepared> {
    let inputs = inputs(app, access, project, steps, template, args).await?;
    let gov = load::snapshot(&app.db, Some(&app.kills), &inputs.request(access)).await?;
    Ok(inputs.decide(access, gov, crate::metrics::Stage::Preview))
}

/// A rate-limit refusal the pipeline made earlier and that still holds for one of the plan's
/// steps: its check, answered again as the pipeline answered it.
fn certain_refusal(app: &AppState, access: &OrgAccess, inputs: &Inputs) -> Option<Error> {
    inputs.steps.iter().find_map(|step| {
        rate::applicable(&inputs.policy.effective, &step.action, access.org_id(), inputs.project, &inputs.principal)
            .iter()
            .find_map(|limit| app.refusals.certain(limit, &limit.key(Phase::Propose), inputs.now))
            .map(|check| pipeline::rate_limited(&check, inputs.now).into())
    })
}

/// Every rate-limit hit a proposal records: one per limit for each step that will not be
/// skipped.
fn proposal_hits(access: &OrgAccess, prepared: &Prepared, project: ProjectId) -> Vec<String> {
    prepared
        .steps
        .iter()
        .zip(&prepared.decision.steps)
        .filter(|(_, d)| !d.skipped)
        .flat_map(|(s, _)| {
            rate::applicable(&prepared.policy.effective, &s.action, access.org_id(), project, &prepared.principal)
        })
        .map(|a| a.key(Phase::Propose))
        .collect()
}

/// Records a proposal refused by a kill switch, a rate limit or a budget (nothing else of it is
/// kept: a flood of refused proposals must not fill the database with plans).
async fn audit_refusal(app: &AppState, access: &OrgAccess, project: ProjectId, steps: &[Step], err: &Error) {
    let record = async {
        let mut w = app.write(access.principal().chain()).await?;
        let actions: Vec<&str> = steps.iter().map(|s| s.action.as_str()).collect();
        w.audit(
            access.tenant(),
            crate::audit::Entry::new(
                "plan.refused",
                project,
                json!({"code": err.code(), "message": err.to_string(), "actions": actions}),
            )
            .in_project(project),
        )
        .await?;
        w.commit().await
    };
    if let Err(e) = record.await {
        tracing::warn!("could not audit a refused proposal: {e}");
    }
}

/// Freezes a plan with its preview. Needs `plan.propose` (and each step re-checks
/// `action.invoke:<action>` in the pipeline). The same idempotency key returns the same plan.
pub async fn propose(
    app: &AppState,
    access: &OrgAccess,
    project: ProjectId,
    input: ProposeInput,
) -> Result<plan::Model> {
    let principal = access.principal();
    if let Some(key) = &input.idempotency_key {
        if key.is_empty() || key.len() > 200 {
            return Err(Error::validation("idempotencyKey", "must be 1-200 characters"));
        }
        if let Some(existing) = plan::by_idempotency_key(&app.db, access.tenant(), project, key).await? {
            access.read_permit::<ops::PlanRead>(Domain::Project(project), "plan")?;
            let policy = app.policies.effective(&app.db, access.tenant(), Some(project)).await?;
            let again = prepare_steps(
                &policy.effective,
                input.steps.clone(),
                input.template.as_deref(),
                input.args.as_ref(),
                app.clock.now(),
            )?;
            let same = store::steps_of(&existing)? == again;
            return if same {
                Ok(existing)
            } else {
                Err(Error::Conflict("this idempotency key was used for a different plan".into()))
            };
        }
    }
    let title = match &input.title {
        Some(t) => super::validate::name("title", t)?,
        None => String::new(),
    };
    let inputs = inputs(app, access, project, input.steps, input.template.as_deref(), input.args.as_ref()).await?;
    // A refusal this process saw recently still holds: answer without the database.
    if let Some(err) = certain_refusal(app, access, &inputs) {
        // Refused without deciding again: counted as the decision it repeats.
        crate::metrics::refused_again(crate::metrics::Stage::Proposal, err.code());
        audit_refusal(app, access, project, &inputs.steps, &err).await;
        return Err(err);
    }
    // Rate-limit keys lock first, then the budget ledgers, then (when events are appended) the
    // audit chain: the same order as every other writer, so no two wait on each other.
    let mut w = app.write(principal.chain()).await?;
    let keys = load::rate_keys(&inputs.request(access));
    rate::lock(w.txn(), &keys).await?;
    let gov = load::snapshot(w.txn(), None, &inputs.request(access)).await?;
    let prepared = inputs.decide(access, gov, crate::metrics::Stage::Proposal);
    if let Some(err) = prepared.decision.refusal(w.now()).map(Error::from) {
        drop(w);
        for (key, period, max, check) in prepared.decision.steps.iter().flat_map(|s| s.rate_refusals.iter()) {
            app.refusals.remember(key, period, *max, check);
        }
        audit_refusal(app, access, project, &prepared.steps, &err).await;
        return Err(err);
    }
    rate::record(w.txn(), access.org_id(), &proposal_hits(access, &prepared, project), w.now()).await?;
    let (steps, decision, policy) = (&prepared.steps, &prepared.decision, prepared.policy.clone());
    let title = if title.is_empty() {
        let null = Value::Null;
        let template = input.template.as_deref().map(|t| (t, input.args.as_ref().unwrap_or(&null)));
        let titled: Vec<_> = steps.iter().map(|s| Titled { action: &s.action, params: &s.params }).collect();
        plan_title(&policy.effective, template, &titled)
    } else {
        title
    };
    let hash = plan_hash(steps, decision);
    let now = w.now();
    let on_behalf_of =
        principal.on_behalf_of.iter().find(|a| a.kind == praetor_domain::ActorKind::User).map(|a| a.id.clone());
    let mut model = praetor_store::insert(
        w.txn(),
        plan::Model {
            id: PlanId::generate(),
            org_id: access.org_id(),
            project_id: project,
            title,
            status: PlanStatus::Draft.as_str().into(),
            verdict: decision.verdict.as_str().into(),
            plan_hash: hash.clone(),
            policy_version: decision.policy_version.clone(),
            steps: canonical_json(&serde_json::to_value(steps).map_err(Error::internal)?),
            preview: canonical_json(&serde_json::to_value(decision).map_err(Error::internal)?),
            approval_stages: canonical_json(&serde_json::to_value(&decision.approvals).map_err(Error::internal)?),
            current_stage: 0,
            template: input.template.clone(),
            template_args: input.args.as_ref().map(canonical_json),
            idempotency_key: input.idempotency_key.clone(),
            run_when_approved: input.run_when_approved,
            proposer: principal.chain_json()?,
            proposer_subject: principal.rbac_subject(),
            on_behalf_of,
            cost: decision.cost,
            risk: decision.risk.as_str().to_string(),
            expires_at: (decision.verdict == Verdict::NeedsApproval)
                .then(|| now + policy.effective.approval_ttl(Duration::hours(DEFAULT_APPROVAL_TTL_HOURS))),
            state_hash: None,
            error: None,
            next_step: 0,
            event_count: 0,
            created_at: w.now(),
            updated_at: w.now(),
            unattended: decision.unattended,
            chat_session_id: input.chat_session,
        },
    )
    .await
    .map_err(conflict_means("this idempotency key is being used by a concurrent proposal"))?;
    let mut events = vec![PlanEvent::Proposed {
        plan_hash: hash,
        verdict: decision.verdict,
        policy_version: decision.policy_version.clone(),
        steps: steps.len(),
    }];
    // A refused plan asks nobody, though some of its steps alone would need approval.
    let stages = if decision.verdict == Verdict::NeedsApproval { decision.approvals.as_slice() } else { &[] };
    for (i, stage) in stages.iter().enumerate() {
        events.push(PlanEvent::ApprovalRequested {
            stage: i as u32,
            name: stage.name.clone(),
            groups: stage.groups.clone(),
            count: stage.count,
        });
    }
    let (_, project_seq) = store::current_state_at(w.txn(), access.tenant(), project).await?;
    let ctx = prepared.context(model.org_id);
    let plan_value = json!({"cost": decision.cost, "risk": decision.risk, "steps": steps.len()});
    let rows = steps
        .iter()
        .zip(decision.steps.iter())
        .map(|(step, d)| pipeline::decision_row(&ctx, Some(model.id), "preview", step, d, &plan_value, project_seq))
        .collect::<Result<Vec<_>>>()?;
    praetor_store::insert_many(w.txn(), rows).await?;
    let mut view = praetor_domain::reducer::PlanView::new(steps.len());
    if (input.run_when_approved || decision.auto_run) && decision.verdict == Verdict::Allowed {
        match budget::reserve(&mut w, &model, &policy.effective).await? {
            budget::Reserved::Yes => events.push(PlanEvent::Queued { by: principal.actor() }),
            budget::Reserved::No(x) => return Err(x.into()),
        }
    }
    store::append(&mut w, &mut model, &mut view, events).await?;
    if view.status == PlanStatus::Queued {
        queue::enqueue(w.txn(), model.org_id, model.id, now, now).await?;
    }
    w.commit().await?;
    app.wakeup.notify_one();
    Ok(model)
}

/// A plan the caller may read; NOT_FOUND otherwise.
pub async fn find(app: &AppState, access: &OrgAccess, id: PlanId) -> Result<plan::Model> {
    let p = plan::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("plan"))?;
    access.read_permit::<ops::PlanRead>(Domain::Project(p.project_id), "plan")?;
    Ok(p)
}

/// The plans of a project, newest first, optionally of one status.
pub async fn list(
    app: &AppState,
    access: &OrgAccess,
    project: ProjectId,
    status: Option<PlanStatus>,
    args: PageArgs<PlanId>,
) -> Result<Page<plan::Model>> {
    access.read_permit::<ops::PlanRead>(Domain::Project(project), "project")?;
    let status = status.map(|s| s.as_str());
    let rows =
        plan::newest_of_project(&app.db, access.tenant(), project, status, args.after, args.fetch_limit()).await?;
    Ok(Page::from_overfetch(rows, args.first))
}

/// Locks the plan row for a state change and returns it with its folded view.
pub(super) async fn lock(
    w: &crate::write::Write<'_>,
    access: &OrgAccess,
    id: PlanId,
) -> Result<(plan::Model, praetor_domain::reducer::PlanView)> {
    let p = plan::lock(w.txn(), access.tenant(), id).await?.ok_or_else(|| Error::not_found("plan"))?;
    access.read_permit::<ops::PlanRead>(Domain::Project(p.project_id), "plan")?;
    let view = store::view(w.txn(), &p).await?;
    Ok((p, view))
}

/// Group names the principal belongs to in the access's organization.
pub async fn groups_of(app: &AppState, access: &OrgAccess, principal: &Principal) -> Result<Vec<String>> {
    crate::authz::proposer::groups_of(&app.db, access, principal).await
}

/// Queues an approved plan. Needs `plan.execute`.
pub async fn execute(app: &AppState, access: &OrgAccess, id: PlanId) -> Result<plan::Model> {
    let principal = access.principal();
    let mut w = app.write(principal.chain()).await?;
    let (mut p, mut view) = lock(&w, access, id).await?;
    access.permit::<ops::PlanExecute>(Domain::Project(p.project_id))?;
    if view.status != PlanStatus::Approved {
        let why = match view.status {
            PlanStatus::PendingApproval => "the plan is still waiting for approval".to_string(),
            s => format!("the plan is {}", s.as_str()),
        };
        return Err(if view.status == PlanStatus::PendingApproval {
            Error::ApprovalRequired(why)
        } else {
            Error::Conflict(why)
        });
    }
    if let Some(k) = crate::governance::kill::in_force(w.txn(), p.org_id, Some(p.project_id)).await? {
        return Err(Error::KillSwitch(Box::new(k)));
    }
    let policy = app.policies.effective(w.txn(), access.tenant(), Some(p.project_id)).await?;
    if let budget::Reserved::No(x) = budget::reserve(&mut w, &p, &policy.effective).await? {
        return Err(x.into());
    }
    store::append(&mut w, &mut p, &mut view, vec![PlanEvent::Queued { by: principal.actor() }]).await?;
    let now = w.now();
    queue::enqueue(w.txn(), p.org_id, p.id, now, now).await?;
    w.commit().await?;
    app.wakeup.notify_one();
    Ok(p)
}

/// Cancels a plan that has not finished. A running plan stops before its next step. Needs
/// `plan.cancel`.
pub async fn cancel(app: &AppState, access: &OrgAccess, id: PlanId, reason: &str) -> Result<plan::Model> {
    let reason = super::validate::text("reason", reason, 2_000)?;
    let principal = access.principal();
    let mut w = app.write(principal.chain()).await?;
    let (mut p, mut view) = lock(&w, access, id).await?;
    access.permit::<ops::PlanCancel>(Domain::Project(p.project_id))?;
    if view.status.is_terminal() {
        return Err(Error::Conflict(format!("the plan is already {}", view.status.as_str())));
    }
    store::append(&mut w, &mut p, &mut view, vec![PlanEvent::Cancelled { by: principal.actor(), reason }]).await?;
    w.commit().await?;
    Ok(p)
}

/// The plan's log after `after` (all of it without), each event with the plan's status right
/// after it, folded from the log itself (the plan row may be older than the log: a run can
/// commit between the two reads). Needs `plan.read`.
pub async fn events_with_status(
    app: &AppState,
    access: &OrgAccess,
    plan: &plan::Model,
    after: Option<i64>,
) -> Result<Vec<(praetor_store::plan_event::Model, PlanStatus)>> {
    access.read_permit::<ops::PlanRead>(Domain::Project(plan.project_id), "plan")?;
    let rows = store::load(&app.db, access.tenant(), plan.id).await?;
    let mut view = praetor_domain::reducer::PlanView::new(store::steps_of(plan)?.len());
    let mut out = Vec::new();
    for e in rows {
        let event = store::decode(&e)?;
        praetor_domain::reducer::apply(&mut view, &event)
            .map_err(|why| Error::internal(format!("plan {} log does not fold: {why}", plan.id)))?;
        if after.is_none_or(|a| e.seq > a) {
            out.push((e, view.status));
        }
    }
    Ok(out)
}

/// Folds the plan's recorded events again (calling no handler), checks every state hash and
/// decides every executed step again. Needs `plan.read`.
pub async fn replay(app: &AppState, access: &OrgAccess, id: PlanId) -> Result<crate::engine::replay::Report> {
    let p = find(app, access, id).await?;
    crate::engine::replay::replay_plan(&app.db, &app.policies, &p).await
}

/// Replays every state change of a project from empty state and compares with the stored
/// state. Needs `state.read` in the project.
pub async fn replay_project(app: &AppState, access: &OrgAccess, slug: &str) -> Result<crate::engine::replay::Report> {
    let p = super::projects::find_by_slug(app, access, slug).await?;
    access.permit::<ops::StateRead>(Domain::Project(p.id))?;
    crate::engine::replay::replay_project(&app.db, access.tenant(), p.id).await
}
