//! Policy versions, the effective policy of a project, diagnostics and decision explanations.

use async_graphql::{Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_policy::Diagnostic;
use praetor_store::policy_version;
use serde_json::Value;

use super::audit_event::Actor;
use super::{PolicyEffectGql, PolicyLevelGql, RiskGql, ScopeGql, SeverityGql};
use crate::governance::policy::Loaded;

/// A problem found in policy documents.
#[derive(SimpleObject, Clone)]
pub struct PolicyDiagnostic {
    /// A stable code such as PV006.
    pub code: String,
    pub severity: SeverityGql,
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The document path, e.g. `spec.rules[2].when`.
    pub path: String,
}

impl From<&Diagnostic> for PolicyDiagnostic {
    fn from(d: &Diagnostic) -> Self {
        Self {
            code: d.code.to_string(),
            severity: d.severity.into(),
            message: d.message.clone(),
            file: d.location.file.clone(),
            line: d.location.line,
            column: d.location.column,
            path: d.location.path.clone(),
        }
    }
}

#[derive(SimpleObject)]
pub struct PolicySource {
    pub name: String,
    pub text: String,
}

pub struct PolicyVersionObject(pub policy_version::Model);

#[Object(name = "PolicyVersion")]
impl PolicyVersionObject {
    async fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// The whole organization's policy, or one project's.
    async fn scope(&self) -> ScopeGql {
        if self.0.project_id.is_some() { ScopeGql::Project } else { ScopeGql::Org }
    }

    /// The project's slug, for a project's policy.
    async fn project(&self) -> Option<&str> {
        self.0.project_id.map(|_| self.0.label.as_str())
    }

    async fn version(&self) -> i64 {
        self.0.version
    }

    /// SHA-256 of the applied sources.
    async fn hash(&self) -> &str {
        &self.0.hash
    }

    async fn author(&self) -> async_graphql::Result<Vec<Actor>> {
        Ok(Actor::chain(format_args!("the author of policy version {}", self.0.id), &self.0.author)?)
    }

    async fn comment(&self) -> &str {
        &self.0.comment
    }

    /// Unified diff against the previous version of the scope.
    async fn diff(&self) -> &str {
        &self.0.diff
    }

    /// The YAML files exactly as applied.
    async fn sources(&self) -> Vec<PolicySource> {
        crate::governance::policy::sources_of(&self.0)
            .unwrap_or_default()
            .into_iter()
            .map(|s| PolicySource { name: s.name, text: s.text })
            .collect()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(SimpleObject)]
pub struct EffectiveRule {
    pub policy: String,
    pub rule: String,
    pub level: PolicyLevelGql,
    pub version: String,
    pub file: String,
    pub line: u32,
    pub actions: Vec<String>,
    pub effect: PolicyEffectGql,
    pub when: Option<String>,
    pub reason: Option<String>,
    /// Approval stages, as `group|group xN`.
    pub approvals: Vec<String>,
}

#[derive(SimpleObject)]
pub struct ActionInfo {
    pub name: String,
    pub description: String,
    pub risk: RiskGql,
    /// A number, or the CEL expression computing it.
    pub cost: String,
    pub aliases: Vec<String>,
    pub params: Json<Value>,
    pub builtin: bool,
}

#[derive(SimpleObject)]
pub struct TemplateInfo {
    pub name: String,
    pub description: String,
    pub aliases: Vec<String>,
    pub params: Json<Value>,
    pub steps: Vec<String>,
}

/// The policy in force for a project: every level, every rule with where it came from.
pub struct EffectivePolicy(pub std::sync::Arc<Loaded>);

#[Object]
impl EffectivePolicy {
    /// `org@3+web@2`, or `none`.
    async fn version(&self) -> &str {
        &self.0.label
    }

    async fn rules(&self) -> Vec<EffectiveRule> {
        self.0
            .effective
            .rules()
            .into_iter()
            .map(|(level, version, r)| EffectiveRule {
                policy: r.policy.clone(),
                rule: r.rule.name.clone(),
                level: level.into(),
                version: version.to_string(),
                file: r.origin.file.clone(),
                line: r.origin.line,
                actions: r.rule.actions.clone(),
                effect: r.rule.effect.into(),
                when: r.rule.when.clone(),
                reason: r.rule.reason.clone(),
                approvals: r.rule.approvals.iter().map(|s| format!("{} x{}", s.groups().join("|"), s.count)).collect(),
            })
            .collect()
    }

    /// Registered actions: built-ins and those defined by policy documents.
    async fn actions(&self) -> Vec<ActionInfo> {
        let mut out: Vec<ActionInfo> = crate::actions::BUILTINS
            .iter()
            .map(|b| ActionInfo {
                name: b.name.to_string(),
                description: b.description.to_string(),
                risk: b.risk.into(),
                cost: "0".into(),
                aliases: Vec::new(),
                params: Json((b.schema)()),
                builtin: true,
            })
            .collect();
        out.extend(self.0.effective.actions().into_iter().map(|a| ActionInfo {
            name: a.name.clone(),
            description: a.spec.description.clone(),
            risk: a.spec.risk.into(),
            cost: match &a.spec.cost {
                praetor_policy::document::Cost::Fixed(c) => c.to_string(),
                praetor_policy::document::Cost::Computed { expr } => expr.clone(),
            },
            aliases: a.spec.aliases.clone(),
            params: Json(a.spec.params.clone()),
            builtin: false,
        }));
        out
    }

    async fn templates(&self) -> Vec<TemplateInfo> {
        self.0
            .effective
            .templates()
            .into_iter()
            .map(|t| TemplateInfo {
                name: t.name.clone(),
                description: t.spec.description.clone(),
                aliases: t.spec.aliases.clone(),
                params: Json(t.spec.params.clone()),
                steps: t.spec.steps.iter().map(|s| format!("{}: {}", s.id, s.action)).collect(),
            })
            .collect()
    }

    /// Limits, budgets, windows, blackouts and autonomy of every level, as JSON.
    async fn governance(&self) -> Json<Value> {
        let e = &self.0.effective;
        let mut limits = Vec::new();
        let mut budgets = Vec::new();
        let mut windows = Vec::new();
        let mut blackouts = Vec::new();
        for l in e.layers() {
            for p in &l.set.policies {
                for lim in &p.spec.limits {
                    limits.push(serde_json::json!({"level": l.level.as_str(), "policy": p.name, "limit": lim}));
                }
                if let Some(b) = &p.spec.budget {
                    budgets.push(serde_json::json!({"level": l.level.as_str(), "policy": p.name, "budget": b}));
                }
                for w in &p.spec.windows {
                    windows.push(serde_json::json!({"level": l.level.as_str(), "policy": p.name, "window": w}));
                }
                for b in &p.spec.blackouts {
                    blackouts.push(serde_json::json!({"level": l.level.as_str(), "policy": p.name, "blackout": b}));
                }
            }
        }
        Json(serde_json::json!({
            "limits": limits,
            "budgets": budgets,
            "windows": windows,
            "blackouts": blackouts,
            "autonomy": e.autonomy(),
            "egress": e.egress_lists(),
        }))
    }
}

/// A rule consulted by a decision.
#[derive(SimpleObject)]
pub struct RuleTraceGql {
    pub policy: String,
    pub rule: String,
    pub level: PolicyLevelGql,
    pub version: String,
    pub file: String,
    pub line: u32,
    pub effect: PolicyEffectGql,
    pub matched: bool,
    pub note: Option<String>,
}

impl From<&praetor_policy::decide::RuleTrace> for RuleTraceGql {
    fn from(t: &praetor_policy::decide::RuleTrace) -> Self {
        Self {
            policy: t.policy.clone(),
            rule: t.rule.clone(),
            level: t.level.into(),
            version: t.version.clone(),
            file: t.file.clone(),
            line: t.line,
            effect: t.effect.into(),
            matched: t.matched,
            note: t.note.clone(),
        }
    }
}

/// How a step would be decided, with every rule consulted.
#[derive(SimpleObject)]
pub struct Explanation {
    pub action: String,
    pub policy_version: String,
    pub verdict: super::VerdictGql,
    pub checks: Vec<super::plan::DecisionCheck>,
    pub rules: Vec<RuleTraceGql>,
    pub decided_by: Option<RuleTraceGql>,
    pub approvals: Vec<super::plan::ApprovalStageSpec>,
}

/// One rule change between two policy versions.
#[derive(SimpleObject)]
pub struct PolicyChange {
    /// added, removed or changed.
    pub kind: String,
    pub policy: String,
    pub rule: String,
    pub actions: Vec<String>,
    pub when: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<praetor_policy::diff::Change> for PolicyChange {
    fn from(c: praetor_policy::diff::Change) -> Self {
        Self {
            kind: c.kind.to_string(),
            policy: c.policy,
            rule: c.rule,
            actions: c.actions,
            when: c.when,
            before: c.before,
            after: c.after,
        }
    }
}

/// What a policy change would have changed in recorded decisions.
#[derive(SimpleObject)]
pub struct PolicyImpact {
    pub decisions_checked: u64,
    pub newly_denied: u64,
    pub newly_allowed: u64,
    pub newly_needing_approval: u64,
    pub unchanged: u64,
}

#[derive(SimpleObject)]
pub struct PolicyDiffResult {
    pub from_version: String,
    pub to_version: String,
    pub changes: Vec<PolicyChange>,
    pub impact: PolicyImpact,
}

/// A change to policy proposed for a second person's approval, when the policy in force asks
/// for one (`spec.policyChanges.requireApproval`): pending, or as it was decided.
pub struct PolicyProposalObject {
    pub access: crate::authz::OrgAccess,
    pub model: praetor_store::policy_change::Model,
}

#[Object(name = "PolicyProposal")]
impl PolicyProposalObject {
    async fn id(&self) -> String {
        self.model.id.to_string()
    }

    /// The whole organization's policy, or one project's.
    async fn scope(&self) -> ScopeGql {
        if self.model.project_id.is_some() { ScopeGql::Project } else { ScopeGql::Org }
    }

    /// The project's slug, for a project's policy.
    async fn project(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(id) = self.model.project_id else { return Ok(None) };
        let app = crate::graphql::app(ctx)?;
        Ok(praetor_store::project::by_id(&app.db, self.access.tenant(), id)
            .await
            .map_err(crate::error::Error::from)?
            .map(|p| p.slug))
    }

    /// `PENDING`, `APPLIED`, `REJECTED`, `WITHDRAWN` or `SUPERSEDED` (another change to its
    /// policy was stored first).
    async fn status(&self) -> String {
        self.model.status.to_ascii_uppercase()
    }

    /// SHA-256 of the proposed sources.
    async fn hash(&self) -> &str {
        &self.model.hash
    }

    async fn comment(&self) -> &str {
        &self.model.comment
    }

    async fn proposed_by(&self) -> async_graphql::Result<Vec<Actor>> {
        Ok(Actor::chain(format_args!("the proposer of policy change {}", self.model.id), &self.model.proposed_by)?)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// Who approved, rejected or withdrew it.
    async fn decided_by(&self) -> async_graphql::Result<Option<Vec<Actor>>> {
        match &self.model.decided_by {
            Some(chain) => {
                Ok(Some(Actor::chain(format_args!("the decider of policy change {}", self.model.id), chain)?))
            }
            None => Ok(None),
        }
    }

    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.model.decided_at
    }

    async fn decision_comment(&self) -> &str {
        &self.model.decision_comment
    }

    /// The YAML files as proposed.
    async fn sources(&self) -> async_graphql::Result<Vec<PolicySource>> {
        Ok(crate::services::policies::sources_of_change(&self.model)?
            .into_iter()
            .map(|s| PolicySource { name: s.name, text: s.text })
            .collect())
    }

    /// Unified diff of the proposed documents against the scope's version in force now.
    async fn diff(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<String> {
        Ok(crate::services::policies::change_diff(crate::graphql::app(ctx)?, &self.model).await?)
    }

    /// Whether the viewer may approve it now (someone other than its proposer, with
    /// `policy.write` in its scope), and if not, why.
    async fn viewer_can_approve(&self) -> bool {
        crate::services::policies::may_not_decide(&self.access, &self.model, true).is_none()
    }

    /// Why the viewer may not approve it, when they may not.
    async fn viewer_cannot_approve_reason(&self) -> Option<String> {
        crate::services::policies::may_not_decide(&self.access, &self.model, true)
    }
}
