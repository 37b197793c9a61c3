//! `explainDecision` and `policyDiff`.

use async_graphql::{Context, Json, Object, Result};
use serde_json::Value;

use crate::authz::ops;
use crate::governance::policy::{Loaded, by_number, compile_stored, latest};
use crate::graphql::object::{Explanation, PolicyChange, PolicyDiffResult, PolicyImpact, RuleTraceGql};
use crate::graphql::{app, principal};
use crate::services::{orgs, policies, projects};

#[derive(Default)]
pub struct PolicyQuery;

#[Object]
impl PolicyQuery {
    /// How `action` with `params` would be decided in the project now: the verdict, every
    /// check, every rule consulted and which one decided (file:line). Needs `policy.read`.
    #[graphql(complexity = "50 + child_complexity")]
    async fn explain_decision(
        &self,
        ctx: &Context<'_>,
        org: String,
        project: String,
        action: String,
        params: Option<Json<Value>>,
    ) -> Result<Explanation> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        let p = projects::find_by_slug(app, &access, &project).await?;
        let params = params.map(|j| j.0).unwrap_or_else(|| serde_json::json!({}));
        let (policy, step, traces) = policies::explain(app, &access, &p, &action, params).await?;
        Ok(Explanation {
            action,
            policy_version: policy.label.clone(),
            verdict: step.verdict.into(),
            checks: step.checks.iter().map(Into::into).collect(),
            rules: traces.reasons.iter().map(RuleTraceGql::from).collect(),
            decided_by: traces.decided_by.as_ref().map(RuleTraceGql::from),
            approvals: step.approvals.iter().map(Into::into).collect(),
        })
    }

    /// The rules that change between two versions of a scope (`to` defaults to the newest),
    /// and how the project's last `sample` recorded decisions would be decided under `to`.
    /// Needs `policy.read`. Costs more the larger `sample` is.
    #[graphql(complexity = "100 + (sample.clamp(0, 5000) as usize) / 5 + child_complexity")]
    async fn policy_diff(
        &self,
        ctx: &Context<'_>,
        org: String,
        project: String,
        from: i64,
        to: Option<i64>,
        #[graphql(default = 500)] sample: i32,
    ) -> Result<PolicyDiffResult> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        let p = projects::find_by_slug(app, &access, &project).await?;
        access.read_permit::<ops::PolicyRead>(crate::authz::Domain::Project(p.id), "project")?;
        if !(1..=5000).contains(&sample) {
            return Err(crate::error::Error::validation("sample", "between 1 and 5000").into());
        }
        // The diff is of the project's own versions when it has any, else of the org's.
        let project_scope = latest(&app.db, access.tenant(), Some(p.id)).await?.is_some();
        let scope = project_scope.then_some(p.id);
        let old = by_number(&app.db, access.tenant(), scope, from).await?;
        let new = match to {
            Some(n) => by_number(&app.db, access.tenant(), scope, n).await?,
            None => latest(&app.db, access.tenant(), scope)
                .await?
                .ok_or_else(|| crate::error::Error::not_found("policy version"))?,
        };
        let current = app.policies.effective(&app.db, access.tenant(), Some(p.id)).await?;
        let org_set =
            current.effective.layers().iter().find(|l| l.level == praetor_policy::Level::Org).map(|l| l.set.clone());
        let base = if project_scope { org_set.as_deref() } else { None };
        let old_set = compile_stored(&old, base)?;
        let new_set = std::sync::Arc::new(compile_stored(&new, base)?);
        let changes = praetor_policy::diff::diff(&old_set, &new_set).into_iter().map(PolicyChange::from).collect();
        // The effective policy with `to` in place of the scope's current version.
        let mut layers: Vec<praetor_policy::Layer> = current.effective.layers().to_vec();
        let level = if project_scope { praetor_policy::Level::Project } else { praetor_policy::Level::Org };
        let label = format!("{}@{}", new.label, new.version);
        layers.retain(|l| l.level != level);
        layers.push(praetor_policy::Layer { level, set: new_set, version: label.clone() });
        let candidate = Loaded { effective: praetor_policy::Effective::new(layers), label };
        let impact = policies::impact(app, &access, p.id, &candidate, sample as u64).await?;
        Ok(PolicyDiffResult {
            from_version: format!("{}@{}", old.label, old.version),
            to_version: format!("{}@{}", new.label, new.version),
            changes,
            impact: PolicyImpact {
                decisions_checked: impact.checked,
                newly_denied: impact.newly_denied,
                newly_allowed: impact.newly_allowed,
                newly_needing_approval: impact.newly_needing_approval,
                unchanged: impact.unchanged,
            },
        })
    }
}
