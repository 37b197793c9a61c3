//! `Plan` with its preview, approvals, progress and event log.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_store::{plan, plan_event};
use serde_json::Value;

use super::audit_event::Actor;
use super::{ApprovalDecisionGql, OnFailureGql, PlanStatusGql, PolicyLevelGql, RiskGql, StepStatusGql, VerdictGql};
use super::{ProjectObject, connection, page_complexity};
use crate::authz::{Domain, OrgAccess, ops};
use crate::engine::store;
use crate::error::{Error, stored_value};
use crate::governance::pipeline::{Check, PlanDecision, RuleRef, StepDecision};
use crate::graphql::app;
use crate::graphql::loader::{self, ApprovalsKey, GroupsKey, PlanViewKey, ProjectKey};
use crate::services::approvals;
use crate::services::page::{Page, PageArgs};
use praetor_domain::plan::{Stage, Step};
use praetor_domain::reducer::PlanView;
use praetor_domain::{ApprovalDecision, PlanStatus, Verdict};
use praetor_policy::document::Risk;

/// Where a decision came from.
#[derive(SimpleObject)]
pub struct PolicyRuleRef {
    pub policy: String,
    pub rule: String,
    pub level: PolicyLevelGql,
    pub version: String,
    pub file: String,
    pub line: u32,
}

impl From<&RuleRef> for PolicyRuleRef {
    fn from(r: &RuleRef) -> Self {
        Self {
            policy: r.policy.clone(),
            rule: r.rule.clone(),
            level: r.level.into(),
            version: r.version.clone(),
            file: r.file.clone(),
            line: r.line,
        }
    }
}

/// One check of the decision pipeline.
#[derive(SimpleObject)]
pub struct DecisionCheck {
    /// rbac, action, params, kill_switch, window, rate_limit, precondition, budget, approval.
    pub name: String,
    pub verdict: VerdictGql,
    /// A stable reason code (OK, FORBIDDEN, POLICY_DENIED, …).
    pub code: String,
    pub message: String,
    pub rule: Option<PolicyRuleRef>,
    /// When a refusal that passes with time (a rate limit, a closed window) would pass.
    pub retry_at: Option<DateTime<Utc>>,
}

impl From<&Check> for DecisionCheck {
    fn from(c: &Check) -> Self {
        Self {
            name: c.name.clone(),
            verdict: c.verdict.into(),
            code: c.code.clone(),
            message: c.message.clone(),
            rule: c.rule.as_ref().map(Into::into),
            retry_at: c.retry_at,
        }
    }
}

/// A predicted or recorded change of the project state.
#[derive(SimpleObject)]
pub struct StateChangeGql {
    pub path: String,
    pub before: Option<Json<Value>>,
    pub after: Option<Json<Value>>,
}

#[derive(SimpleObject)]
pub struct ApprovalStageSpec {
    pub name: String,
    /// Any member of any of these groups may approve.
    pub groups: Vec<String>,
    pub count: u32,
    /// The rule that asked for it.
    pub rule: String,
}

impl From<&Stage> for ApprovalStageSpec {
    fn from(s: &Stage) -> Self {
        Self { name: s.name.clone(), groups: s.groups.clone(), count: s.count, rule: s.rule.clone() }
    }
}

#[derive(SimpleObject)]
pub struct StepPreview {
    pub id: String,
    pub action: String,
    pub verdict: VerdictGql,
    pub checks: Vec<DecisionCheck>,
    pub approvals: Vec<ApprovalStageSpec>,
    pub cost: f64,
    pub risk: RiskGql,
    pub state_diff: Vec<StateChangeGql>,
}

impl TryFrom<&StepDecision> for StepPreview {
    type Error = Error;

    fn try_from(s: &StepDecision) -> Result<Self, Error> {
        Ok(Self {
            id: s.id.clone(),
            action: s.action.clone(),
            verdict: s.verdict.into(),
            checks: s.checks.iter().map(Into::into).collect(),
            approvals: s.approvals.iter().map(Into::into).collect(),
            cost: s.cost,
            risk: s.risk.into(),
            state_diff: s
                .state_diff
                .iter()
                .map(|c| StateChangeGql {
                    path: c.path.clone(),
                    before: c.before.clone().map(Json),
                    after: c.after.clone().map(Json),
                })
                .collect(),
        })
    }
}

/// What the plan would do and what governance says about it.
#[derive(SimpleObject)]
pub struct PlanPreview {
    pub verdict: VerdictGql,
    pub cost: f64,
    pub risk: RiskGql,
    pub reason_codes: Vec<String>,
    pub approvals: Vec<ApprovalStageSpec>,
    pub steps: Vec<StepPreview>,
    pub policy_version: String,
    /// Checks of the plan as a whole: whether its approvals can ever be given, budget, autonomy.
    pub checks: Vec<DecisionCheck>,
    /// Proposed with no person in the principal chain (autonomy applies).
    pub unattended: bool,
    /// Autonomy lets the plan start by itself.
    pub auto_run: bool,
}

impl TryFrom<&PlanDecision> for PlanPreview {
    type Error = Error;

    fn try_from(d: &PlanDecision) -> Result<Self, Error> {
        Ok(Self {
            verdict: d.verdict.into(),
            cost: d.cost,
            risk: d.risk.into(),
            reason_codes: d.reason_codes.clone(),
            approvals: d.approvals.iter().map(Into::into).collect(),
            steps: d.steps.iter().map(TryInto::try_into).collect::<Result<_, _>>()?,
            policy_version: d.policy_version.clone(),
            checks: d.checks.iter().map(Into::into).collect(),
            unattended: d.unattended,
            auto_run: d.auto_run,
        })
    }
}

#[derive(SimpleObject)]
pub struct PlanStep {
    pub id: String,
    pub action: String,
    pub params: Json<Value>,
    pub when: Option<String>,
    pub on_failure: OnFailureGql,
}

impl From<&Step> for PlanStep {
    fn from(s: &Step) -> Self {
        Self {
            id: s.id.clone(),
            action: s.action.clone(),
            params: Json(s.params.clone()),
            when: s.when.clone(),
            on_failure: s.on_failure.into(),
        }
    }
}

/// Execution progress of one step.
#[derive(SimpleObject)]
pub struct StepProgressGql {
    pub id: String,
    pub status: StepStatusGql,
    pub attempts: u32,
    pub output: Option<Json<Value>>,
    pub error: Option<String>,
}

#[derive(SimpleObject)]
pub struct ApprovalGql {
    pub approver: String,
    pub decision: ApprovalDecisionGql,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

#[derive(SimpleObject)]
pub struct ApprovalStageStatus {
    pub index: u32,
    pub name: String,
    pub groups: Vec<String>,
    pub count: u32,
    /// Whether someone who approved an earlier stage of this plan may approve this one too
    /// (only when policy says so; otherwise each stage needs people of its own).
    pub allow_earlier_approvers: bool,
    pub satisfied: bool,
    pub approvals: Vec<ApprovalGql>,
}

/// Whether the viewer may approve now, and why not.
#[derive(SimpleObject)]
pub struct ApprovalAbility {
    pub can: bool,
    pub reason: Option<String>,
}

/// An event of the plan's log.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PlanEventGql {
    pub seq: i64,
    pub kind: String,
    /// The event as stored (read when `data` is asked for).
    #[graphql(skip)]
    pub stored: String,
    /// The project state hash after this event, for state changes.
    pub state_hash: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

#[async_graphql::ComplexObject]
impl PlanEventGql {
    /// The event's data (its shape depends on `kind`). A stored event that does not parse is
    /// an error, never null.
    async fn data(&self) -> Result<Json<Value>> {
        Ok(Json(crate::error::stored(format_args!("plan event {}", self.seq), &self.stored)?))
    }
}

impl From<&plan_event::Model> for PlanEventGql {
    fn from(e: &plan_event::Model) -> Self {
        Self {
            seq: e.seq,
            kind: e.kind.clone(),
            stored: e.data.clone(),
            state_hash: e.state_hash.clone(),
            occurred_at: e.occurred_at,
        }
    }
}

pub struct PlanObject {
    access: OrgAccess,
    model: plan::Model,
}

impl PlanObject {
    pub fn new(access: OrgAccess, model: plan::Model) -> Self {
        Self { access, model }
    }

    fn decision(&self) -> Result<PlanDecision, Error> {
        serde_json::from_str(&self.model.preview).map_err(|e| Error::internal(format!("plan preview unreadable: {e}")))
    }

    fn stages(&self) -> Result<Vec<Stage>, Error> {
        crate::engine::store::stages_of(&self.model)
    }

    /// The plan's status and progress folded from its log (batched across a list of plans).
    async fn view(&self, ctx: &Context<'_>) -> Result<PlanView> {
        let key = PlanViewKey(self.access.tenant(), self.model.id, store::steps_of(&self.model)?.len());
        Ok(loader::one(ctx, key).await?.ok_or_else(|| Error::internal(format!("plan {} has no log", self.model.id)))?)
    }
}

#[Object(name = "Plan")]
impl PlanObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn title(&self) -> &str {
        &self.model.title
    }

    async fn status(&self) -> Result<PlanStatusGql> {
        Ok(stored_value(format_args!("the status of plan {}", self.model.id), &self.model.status, PlanStatus::parse)?
            .into())
    }

    async fn verdict(&self) -> Result<VerdictGql> {
        Ok(stored_value(format_args!("the verdict of plan {}", self.model.id), &self.model.verdict, Verdict::parse)?
            .into())
    }

    /// What an approval signs. A changed plan is a new plan with a new hash.
    async fn plan_hash(&self) -> &str {
        &self.model.plan_hash
    }

    async fn policy_version(&self) -> &str {
        &self.model.policy_version
    }

    async fn cost(&self) -> f64 {
        self.model.cost
    }

    async fn risk(&self) -> Result<RiskGql> {
        Ok(stored_value(format_args!("the risk of plan {}", self.model.id), &self.model.risk, Risk::parse)?.into())
    }

    async fn run_when_approved(&self) -> bool {
        self.model.run_when_approved
    }

    async fn steps(&self) -> Result<Vec<PlanStep>> {
        Ok(store::steps_of(&self.model)?.iter().map(Into::into).collect())
    }

    /// The preview frozen with the plan.
    async fn preview(&self) -> Result<PlanPreview> {
        Ok(PlanPreview::try_from(&self.decision()?)?)
    }

    /// Who proposed it: the principal chain, outermost first.
    async fn proposer(&self) -> Result<Vec<Actor>> {
        Ok(Actor::chain(format_args!("the proposer of plan {}", self.model.id), &self.model.proposer)?)
    }

    /// The approval stages and the decisions given on each.
    async fn approval_stages(&self, ctx: &Context<'_>) -> Result<Vec<ApprovalStageStatus>> {
        let rows = loader::one(ctx, ApprovalsKey(self.access.tenant(), self.model.id)).await?.unwrap_or_default();
        Ok(self
            .stages()?
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(ApprovalStageStatus {
                    index: i as u32,
                    name: s.name.clone(),
                    groups: s.groups.clone(),
                    count: s.count,
                    allow_earlier_approvers: s.allow_earlier_approvers,
                    satisfied: (i as i32) < self.model.current_stage,
                    approvals: rows
                        .iter()
                        .filter(|a| a.stage == i as i32)
                        .map(|a| {
                            Ok(ApprovalGql {
                                approver: a.approver_name.clone(),
                                decision: stored_value(
                                    format_args!("an approval of plan {}", self.model.id),
                                    &a.decision,
                                    ApprovalDecision::parse,
                                )?
                                .into(),
                                comment: a.comment.clone(),
                                created_at: a.created_at,
                            })
                        })
                        .collect::<Result<_, Error>>()?,
                })
            })
            .collect::<Result<_, Error>>()?)
    }

    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.model.expires_at
    }

    /// Step-by-step progress, folded from the event log.
    async fn progress(&self, ctx: &Context<'_>) -> Result<Vec<StepProgressGql>> {
        let view = self.view(ctx).await?;
        let steps = store::steps_of(&self.model)?;
        Ok(steps
            .iter()
            .zip(view.steps.iter())
            .map(|(s, p)| StepProgressGql {
                id: s.id.clone(),
                status: p.status.into(),
                attempts: p.attempts,
                output: p.output.clone().map(Json),
                error: p.error.clone(),
            })
            .collect())
    }

    /// The plan's event log, oldest first; the cursor is the event's sequence number.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, PlanEventGql>> {
        let args = PageArgs::<i64>::parse(first, after.as_deref())?;
        let all = store::load(&app(ctx)?.db, self.access.tenant(), self.model.id).await?;
        let rows: Vec<_> = all
            .into_iter()
            .filter(|e| args.after.is_none_or(|a| e.seq > a))
            .take(args.fetch_limit() as usize)
            .collect();
        let page = Page::from_overfetch(rows, args.first);
        Ok(connection(page, args.after.is_some(), |e| e.seq.to_string(), |e| PlanEventGql::from(&e)))
    }

    /// The project state hash the run ended with.
    async fn state_hash(&self) -> Option<&str> {
        self.model.state_hash.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }

    async fn project(&self, ctx: &Context<'_>) -> Result<ProjectObject> {
        let id = self.model.project_id;
        self.access.read_permit::<ops::ProjectRead>(Domain::Project(id), "project")?;
        let p =
            loader::one(ctx, ProjectKey(self.access.tenant(), id)).await?.ok_or_else(|| Error::not_found("project"))?;
        Ok(ProjectObject::new(self.access.clone(), p))
    }

    /// Whether the caller may perform `operation` on this plan's project (e.g. `plan.approve`).
    async fn viewer_can(&self, operation: String) -> bool {
        self.access.may_named(Domain::Project(self.model.project_id), &operation)
    }

    /// Whether the caller could approve the current stage right now (rights, separation of
    /// duties, the stage's groups, expiry), and if not, why.
    async fn viewer_can_approve_now(&self, ctx: &Context<'_>) -> Result<ApprovalAbility> {
        // The viewer's groups and the plan's decisions come in batches for a list of plans:
        // both asked for in the same poll, so every plan of the list joins the same two
        // batches however busy the machine is.
        let (mut groups, mut approvals) = (Vec::new(), Vec::new());
        if approvals::may_need_reads(&self.model) {
            let tenant = self.access.tenant();
            let member = crate::authz::proposer::group_member_of(self.access.principal());
            let groups_of = async {
                match member {
                    Some(user) => loader::one(ctx, GroupsKey(tenant, user)).await,
                    None => Ok(None),
                }
            };
            let (g, a) = tokio::try_join!(groups_of, loader::one(ctx, ApprovalsKey(tenant, self.model.id)))?;
            groups = g.unwrap_or_default();
            approvals = a.unwrap_or_default();
        }
        let now = app(ctx)?.clock.now();
        let (can, reason) = approvals::ability_with(now, &self.access, &self.model, &groups, &approvals)?;
        Ok(ApprovalAbility { can, reason })
    }
}
