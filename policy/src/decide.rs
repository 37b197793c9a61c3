//! The effective policy of a project and the decision function.
//!
//! Layers apply together: federation (instance-wide) -> organization -> project. Every
//! matching rule of every layer counts and the strictest effect wins (deny, then
//! require_approval, then allow), so a lower level can only tighten what a higher level
//! allows. No matching rule means allow: RBAC already authorised the invocation, and policy
//! only adds requirements. A condition that fails to evaluate denies (fail closed).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::document::{Autonomy, AutonomyMode, Budget, Effect, Limit};
use crate::expr::{self, Input};
use crate::glob;
use crate::set::{ActionDef, PolicySet, TemplateDef};
use crate::time::parse_duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Federation,
    Org,
    Project,
}

impl Level {
    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Federation => "federation",
            Level::Org => "org",
            Level::Project => "project",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Layer {
    pub level: Level,
    pub set: Arc<PolicySet>,
    /// A label for the stored version, e.g. `org@3`.
    pub version: String,
}

/// One approval stage a decision requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageSpec {
    pub name: String,
    pub groups: Vec<String>,
    pub count: u32,
    /// `policy/rule` that asked for it.
    pub rule: String,
    /// Someone who approved an earlier stage may approve this one too.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_earlier_approvers: bool,
}

/// A rule consulted for a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleTrace {
    pub policy: String,
    pub rule: String,
    pub level: Level,
    pub version: String,
    pub file: String,
    pub line: u32,
    pub effect: Effect,
    pub matched: bool,
    /// Why it matched or not (a CEL error, the reason text, …).
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub effect: Effect,
    pub approvals: Vec<StageSpec>,
    /// Every rule whose actions cover the action, in evaluation order.
    pub reasons: Vec<RuleTrace>,
    /// The first rule with the final effect (none when nothing matched).
    pub decided_by: Option<RuleTrace>,
}

/// What a decision is about.
#[derive(Debug, Clone)]
pub struct DecisionInput<'a> {
    pub action: &'a str,
    pub params: &'a Value,
    pub state: &'a Value,
    pub principal: &'a Value,
    pub plan: &'a Value,
    pub now: DateTime<Utc>,
    pub usage: &'a Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum WindowStatus {
    Open,
    Closed { rule: String, level: Level, file: String, line: u32, reason: String, next_open: Option<DateTime<Utc>> },
}

#[derive(Debug, Clone)]
pub struct Effective {
    layers: Vec<Layer>,
    /// Action name -> the rules whose globs match it, as (layer, policy, rule) positions:
    /// a decision looks only at the rules that can apply, however many the set has.
    index: Arc<std::sync::Mutex<HashMap<String, Positions>>>,
    /// Whether any rule condition reads `usage` (computed once).
    reads_usage: Arc<std::sync::OnceLock<bool>>,
}

/// Where a rule sits: (layer, policy, rule).
type Positions = Arc<Vec<(usize, usize, usize)>>;

/// How many action names the rule index remembers before starting over.
const INDEX_LIMIT: usize = 10_000;

impl Effective {
    pub fn new(mut layers: Vec<Layer>) -> Self {
        layers.sort_by_key(|l| l.level);
        Self { layers, index: Default::default(), reads_usage: Default::default() }
    }

    pub fn empty() -> Self {
        Self::new(Vec::new())
    }

    fn rules_for(&self, action: &str) -> Positions {
        if let Ok(index) = self.index.lock()
            && let Some(hit) = index.get(action)
        {
            return hit.clone();
        }
        let mut found = Vec::new();
        for (li, l) in self.layers.iter().enumerate() {
            for (pi, p) in l.set.policies.iter().enumerate() {
                for (ri, r) in p.rules.iter().enumerate() {
                    if r.rule.actions.iter().any(|g| glob::matches(g, action)) {
                        found.push((li, pi, ri));
                    }
                }
            }
        }
        let found = Arc::new(found);
        if let Ok(mut index) = self.index.lock() {
            if index.len() >= INDEX_LIMIT {
                index.clear();
            }
            index.insert(action.to_string(), found.clone());
        }
        found
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// `org@3+project@1` (or `none`).
    pub fn version(&self) -> String {
        if self.layers.is_empty() {
            return "none".into();
        }
        self.layers.iter().map(|l| l.version.clone()).collect::<Vec<_>>().join("+")
    }

    /// The action named `name`, from the most specific layer that defines it.
    pub fn action(&self, name: &str) -> Option<(&ActionDef, &PolicySet)> {
        self.layers.iter().rev().find_map(|l| l.set.actions.get(name).map(|a| (a, &*l.set)))
    }

    pub fn template(&self, name: &str) -> Option<(&TemplateDef, &PolicySet)> {
        self.layers.iter().rev().find_map(|l| l.set.templates.get(name).map(|t| (t, &*l.set)))
    }

    /// Every action and template defined in any layer.
    pub fn actions(&self) -> Vec<&ActionDef> {
        let mut seen = std::collections::BTreeMap::new();
        for l in self.layers.iter().rev() {
            for (n, a) in &l.set.actions {
                seen.entry(n.clone()).or_insert(a);
            }
        }
        seen.into_values().collect()
    }

    pub fn templates(&self) -> Vec<&TemplateDef> {
        let mut seen = std::collections::BTreeMap::new();
        for l in self.layers.iter().rev() {
            for (n, t) in &l.set.templates {
                seen.entry(n.clone()).or_insert(t);
            }
        }
        seen.into_values().collect()
    }

    /// The compiled expression `src`, from whichever layer compiled it.
    pub fn expr(&self, src: &str) -> Result<expr::Compiled, String> {
        for l in &self.layers {
            if let Ok(c) = l.set.expr(src) {
                return Ok(c);
            }
        }
        expr::compile(src)
    }

    /// Every rule with its origin, in evaluation order.
    pub fn rules(&self) -> Vec<(Level, &str, &crate::set::RuleDef)> {
        let mut out = Vec::new();
        for l in &self.layers {
            for p in &l.set.policies {
                for r in &p.rules {
                    out.push((l.level, l.version.as_str(), r));
                }
            }
        }
        out
    }

    pub fn decide(&self, input: &DecisionInput<'_>) -> Decision {
        let cel_input = Input {
            params: input.params,
            state: input.state,
            principal: input.principal,
            plan: input.plan,
            now: input.now,
            usage: input.usage,
        };
        let positions = self.rules_for(input.action);
        let rules: Vec<(&Layer, &crate::set::RuleDef)> = positions
            .iter()
            .filter_map(|(li, pi, ri)| {
                let l = self.layers.get(*li)?;
                Some((l, l.set.policies.get(*pi)?.rules.get(*ri)?))
            })
            .collect();
        // One scope for the whole decision: each variable is converted once.
        let mut vars = std::collections::BTreeSet::new();
        for (_, r) in &rules {
            if let Some(c) = &r.when {
                vars.extend(c.variables.iter().cloned());
            }
        }
        let evaluated: Vec<Option<Result<bool, String>>> = expr::with_scope(&cel_input, &vars, |ctx| {
            rules
                .iter()
                .map(|(_, r)| match (&r.rule.when, &r.when) {
                    (None, _) => None,
                    (Some(_), Some(c)) => Some(expr::eval_bool_in(c, ctx)),
                    (Some(src), None) => Some(expr::compile(src).and_then(|c| expr::eval_bool(&c, &cel_input))),
                })
                .collect()
        })
        .unwrap_or_else(|e| rules.iter().map(|(_, r)| r.rule.when.as_ref().map(|_| Err(e.clone()))).collect());

        let mut reasons = Vec::with_capacity(rules.len());
        let mut effect = Effect::Allow;
        let mut approvals: Vec<StageSpec> = Vec::new();
        for ((layer, r), result) in rules.iter().zip(evaluated) {
            let (matched, note, rule_effect) = match result {
                None | Some(Ok(true)) => (true, r.rule.reason.clone(), r.rule.effect),
                Some(Ok(false)) => (false, None, r.rule.effect),
                // Fail closed: a condition that cannot be evaluated denies.
                Some(Err(e)) => (true, Some(format!("condition could not be evaluated, denying: {e}")), Effect::Deny),
            };
            if matched {
                effect = effect.max(rule_effect);
                if rule_effect == Effect::RequireApproval {
                    for stage in &r.rule.approvals {
                        let spec = StageSpec {
                            name: stage.display_name(),
                            groups: stage.groups(),
                            count: stage.count,
                            rule: format!("{}/{}", r.policy, r.rule.name),
                            allow_earlier_approvers: stage.allow_earlier_approvers,
                        };
                        if !approvals.iter().any(|a| {
                            a.groups == spec.groups
                                && a.count == spec.count
                                && a.name == spec.name
                                && a.allow_earlier_approvers == spec.allow_earlier_approvers
                        }) {
                            approvals.push(spec);
                        }
                    }
                }
            }
            reasons.push(RuleTrace {
                policy: r.policy.clone(),
                rule: r.rule.name.clone(),
                level: layer.level,
                version: layer.version.clone(),
                file: r.origin.file.clone(),
                line: r.origin.line,
                effect: rule_effect,
                matched,
                note,
            });
        }
        let decided_by =
            reasons.iter().find(|t| t.matched && t.effect == effect).cloned().filter(|_| !reasons.is_empty());
        if effect != Effect::RequireApproval {
            approvals.clear();
        }
        Decision { effect, approvals, reasons, decided_by }
    }

    /// Whether `action` may run at `now` as far as windows and blackouts go. Blackouts beat
    /// windows; every layer's windows that cover the action must be open.
    pub fn window_status(&self, action: &str, now: DateTime<Utc>) -> WindowStatus {
        for l in &self.layers {
            for p in &l.set.policies {
                for (b, spec, origin) in &p.blackouts {
                    if b.actions.iter().any(|g| glob::matches(g, action)) && spec.active(now) {
                        return WindowStatus::Closed {
                            rule: format!("{}/{}", p.name, b.name.clone().unwrap_or_else(|| "blackout".into())),
                            level: l.level,
                            file: origin.file.clone(),
                            line: origin.line,
                            reason: b.reason.clone().unwrap_or_else(|| "blackout".into()),
                            next_open: Some(spec.to),
                        };
                    }
                }
            }
        }
        for l in &self.layers {
            for p in &l.set.policies {
                let applicable: Vec<_> =
                    p.windows.iter().filter(|(w, _, _)| w.actions.iter().any(|g| glob::matches(g, action))).collect();
                if applicable.is_empty() {
                    continue;
                }
                // Within one policy, any of its windows may be open; across policies, all must.
                if applicable.iter().any(|(_, s, _)| s.is_open(now)) {
                    continue;
                }
                let next_open = applicable.iter().filter_map(|(_, s, _)| s.next_open(now)).min();
                let (w, _, origin) = applicable[0];
                return WindowStatus::Closed {
                    rule: format!("{}/{}", p.name, w.name.clone().unwrap_or_else(|| "window".into())),
                    level: l.level,
                    file: origin.file.clone(),
                    line: origin.line,
                    reason: format!(
                        "{} is only allowed {} {}-{} ({})",
                        action,
                        days_text(&w.days),
                        w.from,
                        w.to,
                        w.timezone
                    ),
                    next_open,
                };
            }
        }
        WindowStatus::Open
    }

    /// Rate limits that apply to `action`, from every layer.
    pub fn limits_for(&self, action: &str) -> Vec<(Level, String, &Limit)> {
        let mut out = Vec::new();
        for l in &self.layers {
            for p in &l.set.policies {
                for (i, lim) in p.spec.limits.iter().enumerate() {
                    if lim.actions.iter().any(|g| glob::matches(g, action)) {
                        let name = lim.name.clone().unwrap_or_else(|| format!("{}/limits[{i}]", p.name));
                        out.push((l.level, name, lim));
                    }
                }
            }
        }
        out
    }

    /// Budgets of every layer.
    pub fn budgets(&self) -> Vec<(Level, String, &Budget)> {
        self.layers
            .iter()
            .flat_map(|l| {
                l.set.policies.iter().filter_map(move |p| p.spec.budget.as_ref().map(|b| (l.level, p.name.clone(), b)))
            })
            .collect()
    }

    /// The strictest autonomy of all layers (`off` when none says otherwise).
    pub fn autonomy(&self) -> Autonomy {
        let all: Vec<&Autonomy> =
            self.layers.iter().flat_map(|l| l.set.policies.iter().filter_map(|p| p.spec.autonomy.as_ref())).collect();
        if all.is_empty() {
            return Autonomy {
                mode: AutonomyMode::Off,
                max_risk: None,
                max_cost_per_plan: None,
                max_plans_per_hour: None,
            };
        }
        Autonomy {
            mode: all.iter().map(|a| a.mode).min().unwrap_or(AutonomyMode::Off),
            max_risk: all.iter().filter_map(|a| a.max_risk).min(),
            max_cost_per_plan: all.iter().filter_map(|a| a.max_cost_per_plan).reduce(f64::min),
            max_plans_per_hour: all.iter().filter_map(|a| a.max_plans_per_hour).min(),
        }
    }

    /// Whether any rule's condition reads `usage`: only then is it worth counting.
    pub fn reads_usage(&self) -> bool {
        *self.reads_usage.get_or_init(|| {
            self.layers.iter().any(|l| {
                l.set
                    .policies
                    .iter()
                    .any(|p| p.rules.iter().any(|r| r.when.as_ref().is_some_and(|c| c.variables.contains("usage"))))
            })
        })
    }

    /// Whether any layer says anything about autonomy (without settings, autonomy does not
    /// restrict anything).
    pub fn autonomy_configured(&self) -> bool {
        self.layers.iter().any(|l| l.set.policies.iter().any(|p| p.spec.autonomy.is_some()))
    }

    /// How long approval requests live: the shortest TTL any layer sets, else `default`.
    pub fn approval_ttl(&self, default: Duration) -> Duration {
        self.layers
            .iter()
            .flat_map(|l| {
                l.set.policies.iter().filter_map(|p| p.spec.approval.as_ref().and_then(|a| parse_duration(&a.ttl).ok()))
            })
            .min()
            .unwrap_or(default)
    }

    /// The egress allowlist of each layer that has one.
    pub fn egress_lists(&self) -> Vec<Vec<String>> {
        self.layers
            .iter()
            .filter_map(|l| {
                let hosts: Vec<String> = l
                    .set
                    .policies
                    .iter()
                    .filter_map(|p| p.spec.egress.as_ref())
                    .flat_map(|e| e.allow.clone())
                    .collect();
                (!hosts.is_empty()).then_some(hosts)
            })
            .collect()
    }

    /// Hosts outbound calls may reach: a host must be allowed by every layer that lists hosts.
    pub fn egress_allows(&self, host: &str) -> bool {
        let lists = self.egress_lists();
        if lists.is_empty() {
            return false;
        }
        let host = host.to_ascii_lowercase();
        lists.iter().all(|list| {
            list.iter().any(|pattern| match pattern.strip_prefix("*.") {
                Some(suffix) => host.ends_with(&format!(".{}", suffix.to_ascii_lowercase())),
                None => pattern.eq_ignore_ascii_case(&host) || pattern == "*",
            })
        })
    }

    /// Whether recommended budgets are applied by themselves here, and within which bounds:
    /// only when the organization's own policy says `automatic` and every other layer that says
    /// something agrees, between the highest `min` and the lowest `max` any of them sets.
    /// `None`: applied by people only.
    pub fn adaptive_budget(&self) -> Option<(f64, f64)> {
        let all: Vec<(Level, &crate::document::AdaptiveBudget)> = self
            .layers
            .iter()
            .flat_map(|l| {
                l.set.policies.iter().filter_map(move |p| p.spec.adaptive_budget.as_ref().map(|a| (l.level, a)))
            })
            .collect();
        let automatic = |a: &crate::document::AdaptiveBudget| a.apply == crate::document::AdaptiveApply::Automatic;
        if !all.iter().any(|(level, a)| *level == Level::Org && automatic(a)) || !all.iter().all(|(_, a)| automatic(a))
        {
            return None;
        }
        let all: Vec<_> = all.into_iter().map(|(_, a)| a).collect();
        let lo = all.iter().filter_map(|a| a.min).reduce(f64::max)?;
        let hi = all.iter().filter_map(|a| a.max).reduce(f64::min)?;
        (lo <= hi).then_some((lo, hi))
    }

    /// Whether a change to policy waits for a second person's approval (any layer asks for it).
    pub fn policy_changes_need_approval(&self) -> bool {
        self.layers
            .iter()
            .flat_map(|l| l.set.policies.iter().filter_map(|p| p.spec.policy_changes.as_ref()))
            .any(|c| c.require_approval)
    }

    /// The longest a temporary grant may last and whether it needs approval (strictest).
    pub fn grants(&self) -> Option<(Duration, bool)> {
        let all: Vec<(Duration, bool)> = self
            .layers
            .iter()
            .flat_map(|l| l.set.policies.iter().filter_map(|p| p.spec.grants.as_ref()))
            .filter_map(|g| parse_duration(&g.max_duration).ok().map(|d| (d, g.require_approval)))
            .collect();
        if all.is_empty() {
            return None;
        }
        Some((all.iter().map(|(d, _)| *d).min().unwrap_or_default(), all.iter().any(|(_, r)| *r)))
    }
}

fn days_text(days: &[crate::document::Weekday]) -> String {
    days.iter().map(|d| format!("{:?}", d).to_lowercase()).collect::<Vec<_>>().join(",")
}
