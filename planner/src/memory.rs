//! Session memory: the facts planners extracted (the last plan, its action and parameters, the
//! last value named for each parameter such as `service` or `env`) and a bounded rolling summary
//! of the conversation. Serializable, so the caller stores it with the chat session; pure and
//! deterministic (no clock), so the same conversation always yields the same memory.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::EntryKind;
use crate::plan::{Outcome, ProposedPlan};

/// One exchange in the rolling summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    pub request: String,
    pub outcome: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// The last plan proposed in the session: what "again" repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_plan: Option<ProposedPlan>,
    /// The last plan's main action or template (its template, else its last step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_kind: Option<EntryKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_params: Option<Value>,
    /// Parameter name -> the last value named for it (`service` -> `"web"`): what "it" means.
    #[serde(default)]
    pub facts: BTreeMap<String, Value>,
    /// The last few exchanges, oldest first.
    #[serde(default)]
    pub turns: Vec<Turn>,
}

/// Exchanges kept in the rolling summary.
pub const MAX_TURNS: usize = 8;
/// Characters kept of each side of an exchange.
pub const MAX_TURN_CHARS: usize = 200;
/// Distinct facts kept; parameter names come from the catalog, so this is rarely reached.
pub const MAX_FACTS: usize = 32;
/// Longest string value remembered as a fact.
const MAX_FACT_CHARS: usize = 200;

fn cap(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Memory {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.last_plan.is_none() && self.facts.is_empty() && self.turns.is_empty()
    }

    /// Forgets everything ("clear memory").
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// The last value named for `param`.
    pub fn fact(&self, param: &str) -> Option<&Value> {
        self.facts.get(param)
    }

    /// Records what a planner answered to `request`: a plan becomes the last plan and its
    /// parameters become facts; every outcome adds a line to the summary.
    pub fn record(&mut self, request: &str, outcome: &Outcome) {
        if let Outcome::Plan(plan) = outcome {
            self.remember_plan(plan);
        }
        self.note(request, &outcome.summary());
    }

    /// Adds an exchange to the rolling summary (e.g. "approve" -> "approved").
    pub fn note(&mut self, request: &str, outcome: &str) {
        self.turns.push(Turn { request: cap(request, MAX_TURN_CHARS), outcome: cap(outcome, MAX_TURN_CHARS) });
        if self.turns.len() > MAX_TURNS {
            let excess = self.turns.len() - MAX_TURNS;
            self.turns.drain(..excess);
        }
    }

    /// Makes `plan` the last plan and extracts its parameters as facts.
    pub fn remember_plan(&mut self, plan: &ProposedPlan) {
        let targets = plan.targets();
        let main = targets.iter().find(|(k, _, _)| *k == EntryKind::Template).or_else(|| targets.last());
        if let Some((kind, name, params)) = main {
            self.last_kind = Some(*kind);
            self.last_action = Some((*name).to_string());
            self.last_params = Some((*params).clone());
        }
        for (_, _, params) in &targets {
            let Some(map) = params.as_object() else { continue };
            for (k, v) in map {
                let keep = match v {
                    Value::String(s) => s.chars().count() <= MAX_FACT_CHARS,
                    Value::Number(_) | Value::Bool(_) => true,
                    _ => false,
                };
                if keep && (self.facts.contains_key(k) || self.facts.len() < MAX_FACTS) {
                    self.facts.insert(k.clone(), v.clone());
                }
            }
        }
        self.last_plan = Some(plan.clone());
    }

    /// The rolling summary as text for a model's prompt: the facts, then the exchanges.
    pub fn summary(&self) -> String {
        let mut lines = Vec::new();
        if !self.facts.is_empty() {
            let facts: Vec<String> = self.facts.iter().map(|(k, v)| format!("{k}={v}")).collect();
            lines.push(format!("Known values: {}", facts.join(", ")));
        }
        if let Some(plan) = &self.last_plan {
            lines.push(format!("Last plan: {}", plan.summary()));
        }
        for t in &self.turns {
            lines.push(format!("User: {} -> {}", t.request, t.outcome));
        }
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Clarification, ClarifyReason};
    use serde_json::json;

    #[test]
    fn plans_become_facts_and_summary_is_bounded() {
        let mut m = Memory::new();
        assert!(m.is_empty());
        let plan = ProposedPlan::single("deploy.web", json!({"service": "web", "env": "prod", "meta": {"a": 1}}), "");
        m.record("deploy web to prod", &Outcome::Plan(plan.clone()));
        assert_eq!(m.last_action.as_deref(), Some("deploy.web"));
        assert_eq!(m.last_kind, Some(EntryKind::Action));
        assert_eq!(m.fact("service"), Some(&json!("web")));
        assert_eq!(m.fact("env"), Some(&json!("prod")));
        assert_eq!(m.fact("meta"), None);
        assert_eq!(m.last_plan.as_ref(), Some(&plan));
        for i in 0..20 {
            m.record(
                &format!("request {i} {}", "x".repeat(500)),
                &Outcome::Clarify(Clarification::new(ClarifyReason::NoMatch, "no")),
            );
        }
        assert_eq!(m.turns.len(), MAX_TURNS);
        assert!(m.turns[0].request.starts_with("request 12 "));
        assert_eq!(m.turns[0].request.chars().count(), MAX_TURN_CHARS);
        assert!(m.summary().starts_with("Known values: env=\"prod\", service=\"web\"\nLast plan: deploy.web"));
        let json = serde_json::to_string(&m).unwrap();
        let back: Memory = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        m.clear();
        assert!(m.is_empty());
        assert_eq!(m.summary(), "");
    }

    #[test]
    fn a_template_is_the_main_target() {
        let mut m = Memory::new();
        let mut plan = ProposedPlan::from_template("release", json!({"service": "api"}), "");
        plan.steps.push(crate::plan::PlanStep {
            id: "s".into(),
            action: "flag.set".into(),
            params: json!({"flag": "x"}),
        });
        m.remember_plan(&plan);
        assert_eq!(m.last_kind, Some(EntryKind::Template));
        assert_eq!(m.last_action.as_deref(), Some("release"));
        assert_eq!(m.fact("flag"), Some(&json!("x")));
    }
}
