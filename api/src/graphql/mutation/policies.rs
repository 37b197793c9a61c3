//! `applyPolicy`, `validatePolicy`, `rollbackPolicy`.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject};

use crate::authz::ops;
use crate::graphql::object::{PolicyDiagnostic, PolicyProposalObject, PolicyVersionObject};
use crate::graphql::{app, principal};
use crate::services::{orgs, policies, projects};

#[derive(InputObject)]
pub struct PolicySourceInput {
    /// A file name, used in diagnostics (`file:line:column`).
    #[graphql(default)]
    pub name: String,
    /// The YAML text (one or more documents).
    pub text: String,
}

#[derive(InputObject)]
pub struct ApplyPolicyInput {
    pub org: String,
    /// A project slug: apply to that project only. Omitted: the organization's documents, and
    /// the projects' documents the bundle contains (each scope gets its own version).
    pub project: Option<String>,
    pub sources: Vec<PolicySourceInput>,
    #[graphql(default)]
    pub comment: String,
}

#[derive(InputObject)]
pub struct ApplyBudgetRecommendationInput {
    pub org: String,
    /// The project's slug.
    pub project: String,
    /// The recommended daily limit, as the caller was shown it.
    pub daily: f64,
    #[graphql(default)]
    pub comment: String,
}

#[derive(InputObject)]
pub struct RollbackPolicyInput {
    pub org: String,
    pub project: Option<String>,
    /// The version whose documents become the newest version.
    pub version: i64,
    #[graphql(default)]
    pub comment: String,
}

#[derive(SimpleObject)]
pub struct AppliedPolicy {
    /// New versions, one per scope whose documents changed (none if nothing changed, or while
    /// the change waits for approval).
    pub versions: Vec<PolicyVersionObject>,
    /// Verification findings that do not block (warnings).
    pub warnings: Vec<PolicyDiagnostic>,
    /// The change, kept for a second person's approval when the policy in force asks for one
    /// (`spec.policyChanges.requireApproval`); nothing is in force until it is approved.
    pub pending_proposal: Option<PolicyProposalObject>,
}

impl AppliedPolicy {
    fn new(access: &crate::authz::OrgAccess, applied: policies::Applied) -> Self {
        Self {
            versions: applied.versions.into_iter().map(PolicyVersionObject).collect(),
            warnings: applied.warnings.iter().map(Into::into).collect(),
            pending_proposal: applied.pending.map(|model| PolicyProposalObject { access: access.clone(), model }),
        }
    }
}

/// A decided proposal, and the versions its approval stored.
#[derive(SimpleObject)]
pub struct DecidedPolicyProposal {
    pub proposal: PolicyProposalObject,
    pub versions: Vec<PolicyVersionObject>,
}

#[derive(SimpleObject)]
pub struct PolicyValidation {
    /// No error-severity diagnostics.
    pub ok: bool,
    pub diagnostics: Vec<PolicyDiagnostic>,
}

#[derive(Default)]
pub struct PolicyMutation;

fn sources(input: Vec<PolicySourceInput>) -> crate::error::Result<Vec<praetor_policy::Source>> {
    policies::named_sources(input.into_iter().map(|s| (s.name, s.text)).collect())
}

#[Object]
impl PolicyMutation {
    /// Validates, verifies and stores policy documents as new immutable versions. An invalid
    /// bundle is refused whole: VALIDATION with every diagnostic in `extensions.diagnostics`.
    /// Needs `policy.write` in the organization (or the project).
    #[graphql(complexity = "200 + child_complexity")]
    async fn apply_policy(&self, ctx: &Context<'_>, input: ApplyPolicyInput) -> Result<AppliedPolicy> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = match &input.project {
            Some(slug) => Some(projects::find_by_slug(app, &access, slug).await?),
            None => None,
        };
        let applied = policies::apply(app, &access, project.as_ref(), sources(input.sources)?, &input.comment).await?;
        Ok(AppliedPolicy::new(&access, applied))
    }

    /// Applies the project's budget recommendation: a new version of the project's policy with
    /// the generated document `budget-recommendation.yaml` setting `daily`, which must be the
    /// recommendation as it is now (`CONFLICT` otherwise, or when another document of the project
    /// sets a lower limit, which would win). Needs `policy.write` in the project.
    async fn apply_budget_recommendation(
        &self,
        ctx: &Context<'_>,
        input: ApplyBudgetRecommendationInput,
    ) -> Result<AppliedPolicy> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = projects::find_by_slug(app, &access, &input.project).await?;
        let applied =
            crate::services::budget_advice::apply(app, &access, &project, input.daily, &input.comment).await?;
        Ok(AppliedPolicy::new(&access, applied))
    }

    /// Validates and verifies documents without storing anything (for editors). Needs
    /// `policy.read`. Limited per caller (see `RATE_LIMITED`).
    #[graphql(complexity = "200 + child_complexity")]
    async fn validate_policy(&self, ctx: &Context<'_>, input: ApplyPolicyInput) -> Result<PolicyValidation> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = match &input.project {
            Some(slug) => Some(projects::find_by_slug(app, &access, slug).await?),
            None => None,
        };
        let domain = project.as_ref().map(|p| crate::authz::Domain::Project(p.id)).unwrap_or(crate::authz::Domain::Org);
        access.permit::<ops::PolicyRead>(domain)?;
        // Each validation compiles and verifies a whole bundle: a caller gets so many a minute.
        app.validations.admit(&access.principal().rbac_subject(), "policy validations")?;
        match policies::check(app, &access, project.as_ref(), &sources(input.sources)?).await {
            Ok((_, warnings)) => {
                Ok(PolicyValidation { ok: true, diagnostics: warnings.iter().map(Into::into).collect() })
            }
            Err(crate::error::Error::PolicyInvalid(diags)) => {
                Ok(PolicyValidation { ok: false, diagnostics: diags.iter().map(Into::into).collect() })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Approves a pending policy proposal: its documents are stored as new versions, in the
    /// transaction that marks it applied. Needs `policy.write` in its scope; its proposer
    /// cannot approve it (FORBIDDEN). CONFLICT when it is no longer pending, or when another
    /// change landed in its scope since it was proposed (propose it again).
    async fn approve_policy_proposal(
        &self,
        ctx: &Context<'_>,
        id: async_graphql::ID,
        #[graphql(default)] comment: String,
    ) -> Result<DecidedPolicyProposal> {
        let app = app(ctx)?;
        let id: praetor_store::PolicyChangeId = crate::services::validate::id("id", &id)?;
        let access = policies::enter_change(app, principal(ctx)?, id).await?;
        let (model, applied) = policies::approve_change(app, &access, id, &comment).await?;
        Ok(DecidedPolicyProposal {
            versions: applied.versions.into_iter().map(PolicyVersionObject).collect(),
            proposal: PolicyProposalObject { access, model },
        })
    }

    /// Rejects a pending policy proposal; its proposer withdraws it the same way. Needs
    /// `policy.write` in its scope.
    async fn reject_policy_proposal(
        &self,
        ctx: &Context<'_>,
        id: async_graphql::ID,
        #[graphql(default)] comment: String,
    ) -> Result<PolicyProposalObject> {
        let app = app(ctx)?;
        let id: praetor_store::PolicyChangeId = crate::services::validate::id("id", &id)?;
        let access = policies::enter_change(app, principal(ctx)?, id).await?;
        let model = policies::reject_change(app, &access, id, &comment).await?;
        Ok(PolicyProposalObject { access, model })
    }

    /// Makes an earlier version's documents the newest version. Needs `policy.write`. Where
    /// policy changes need a second person's approval, the rollback is kept as a pending
    /// proposal and the answer is APPROVAL_REQUIRED naming it.
    async fn rollback_policy(&self, ctx: &Context<'_>, input: RollbackPolicyInput) -> Result<PolicyVersionObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = match &input.project {
            Some(slug) => Some(projects::find_by_slug(app, &access, slug).await?),
            None => None,
        };
        Ok(PolicyVersionObject(
            policies::rollback(app, &access, project.as_ref(), input.version, &input.comment).await?,
        ))
    }
}
