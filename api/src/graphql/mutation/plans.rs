//! `proposePlan`, `simulatePlan`, `approvePlan`, `rejectPlan`, `executePlan`, `cancelPlan`.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject};
use praetor_store::PlanId;
use serde_json::Value;

use crate::authz::OrgAccess;
use crate::graphql::object::{PlanObject, PlanPreview, PlanStep};
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::plans::{self, ProposeInput};
use crate::services::{orgs, projects, validate};
use praetor_domain::plan::{OnFailure, Step};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum OnFailureInput {
    #[default]
    Stop,
    Continue,
    Compensate,
}

#[derive(InputObject)]
pub struct StepInput {
    /// Unique within the plan; defaults to `step-N`.
    #[graphql(default)]
    pub id: String,
    pub action: String,
    #[graphql(default)]
    pub params: Option<Json<Value>>,
    /// A CEL condition; the step is skipped when false.
    pub when: Option<String>,
    #[graphql(default)]
    pub on_failure: OnFailureInput,
}

#[derive(InputObject)]
pub struct ProposePlanInput {
    pub org: String,
    /// The project's slug.
    pub project: String,
    pub title: Option<String>,
    /// Steps to run (after the template's, when one is given).
    #[graphql(default)]
    pub steps: Vec<StepInput>,
    /// A plan template to expand, with its arguments.
    pub template: Option<String>,
    pub args: Option<Json<Value>>,
    /// Proposing again with the same key returns the same plan.
    pub idempotency_key: Option<String>,
    /// Queue the plan as soon as it is approved (at once, if it needs no approval).
    #[graphql(default)]
    pub run_when_approved: bool,
}

#[derive(InputObject)]
pub struct SimulatePlanInput {
    pub org: String,
    pub project: String,
    #[graphql(default)]
    pub steps: Vec<StepInput>,
    pub template: Option<String>,
    pub args: Option<Json<Value>>,
}

#[derive(InputObject)]
pub struct ApprovePlanInput {
    pub plan_id: ID,
    /// The hash of the plan you reviewed; approving signs it.
    pub plan_hash: String,
    #[graphql(default)]
    pub comment: String,
}

#[derive(InputObject)]
pub struct RejectPlanInput {
    pub plan_id: ID,
    #[graphql(default)]
    pub comment: String,
}

#[derive(InputObject)]
pub struct CancelPlanInput {
    pub plan_id: ID,
    #[graphql(default)]
    pub reason: String,
}

/// The result of a simulation: the normalised steps and their preview. Nothing is saved.
#[derive(SimpleObject)]
pub struct Simulation {
    pub steps: Vec<PlanStep>,
    pub preview: PlanPreview,
    pub plan_hash: String,
}

fn steps(input: Vec<StepInput>) -> Vec<Step> {
    input
        .into_iter()
        .map(|s| Step {
            id: s.id,
            action: s.action.trim().to_string(),
            params: s.params.map(|j| j.0).unwrap_or_else(|| Value::Object(Default::default())),
            when: s.when,
            on_failure: match s.on_failure {
                OnFailureInput::Stop => OnFailure::Stop,
                OnFailureInput::Continue => OnFailure::Continue,
                OnFailureInput::Compensate => OnFailure::Compensate,
            },
        })
        .collect()
}

async fn plan_access(ctx: &Context<'_>, id: &ID) -> Result<(OrgAccess, PlanId)> {
    let app = app(ctx)?;
    let id: PlanId = validate::id("planId", id)?;
    let access = NodeId::Plan(id).enter(app, principal(ctx)?).await?;
    Ok((access, id))
}

#[derive(Default)]
pub struct PlanMutation;

#[Object]
impl PlanMutation {
    /// Freezes a plan with its preview. Needs `plan.propose` in the project, and
    /// `action.invoke:<action>` for each step (checked in the preview).
    async fn propose_plan(&self, ctx: &Context<'_>, input: ProposePlanInput) -> Result<PlanObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = projects::find_by_slug(app, &access, &input.project).await?;
        let p = plans::propose(
            app,
            &access,
            project.id,
            ProposeInput {
                title: input.title,
                steps: steps(input.steps),
                template: input.template,
                args: input.args.map(|j| j.0),
                idempotency_key: input.idempotency_key,
                run_when_approved: input.run_when_approved,
                chat_session: None,
            },
        )
        .await?;
        Ok(PlanObject::new(access, p))
    }

    /// Runs the decision pipeline over steps without saving anything.
    async fn simulate_plan(&self, ctx: &Context<'_>, input: SimulatePlanInput) -> Result<Simulation> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = projects::find_by_slug(app, &access, &input.project).await?;
        let args = input.args.map(|j| j.0);
        let prepared =
            plans::simulate(app, &access, project.id, steps(input.steps), input.template.as_deref(), args.as_ref())
                .await?;
        let (steps, decision) = (prepared.steps, prepared.decision);
        Ok(Simulation {
            plan_hash: plans::plan_hash(&steps, &decision),
            steps: steps.iter().map(Into::into).collect(),
            preview: PlanPreview::try_from(&decision)?,
        })
    }

    /// Approves the plan's current stage. Needs `plan.approve`; the proposer (and whoever
    /// they acted for) cannot approve; agents never do.
    async fn approve_plan(&self, ctx: &Context<'_>, input: ApprovePlanInput) -> Result<PlanObject> {
        let (access, id) = plan_access(ctx, &input.plan_id).await?;
        let p = plans::approve(app(ctx)?, &access, id, &input.plan_hash, &input.comment).await?;
        Ok(PlanObject::new(access, p))
    }

    /// Rejects a plan waiting for approval. Needs `plan.reject`.
    async fn reject_plan(&self, ctx: &Context<'_>, input: RejectPlanInput) -> Result<PlanObject> {
        let (access, id) = plan_access(ctx, &input.plan_id).await?;
        let p = plans::reject(app(ctx)?, &access, id, &input.comment).await?;
        Ok(PlanObject::new(access, p))
    }

    /// Queues an approved plan for the engine. Needs `plan.execute`.
    async fn execute_plan(&self, ctx: &Context<'_>, plan_id: ID) -> Result<PlanObject> {
        let (access, id) = plan_access(ctx, &plan_id).await?;
        let p = plans::execute(app(ctx)?, &access, id).await?;
        Ok(PlanObject::new(access, p))
    }

    /// Cancels a plan that has not finished. Needs `plan.cancel`.
    async fn cancel_plan(&self, ctx: &Context<'_>, input: CancelPlanInput) -> Result<PlanObject> {
        let (access, id) = plan_access(ctx, &input.plan_id).await?;
        let p = plans::cancel(app(ctx)?, &access, id, &input.reason).await?;
        Ok(PlanObject::new(access, p))
    }
}
