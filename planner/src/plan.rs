//! What a planner answers: a proposed plan (steps, or a template with arguments, and a short
//! explanation), a clarification (what is missing or wrong, with suggestions), help, or a plain
//! reply. These are proposals only: the caller sends a plan through the one decision pipeline,
//! which is where policy, approvals and budgets are decided.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::catalog::EntryKind;

/// One step of a proposed plan, shaped like the API's `StepInput`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    pub id: String,
    pub action: String,
    pub params: Value,
}

/// A plan template to expand, shaped like the API's `template` + `args`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateCall {
    pub name: String,
    pub args: Value,
}

/// A plan a planner proposes. As in `proposePlan`, the template's steps (if any) come first,
/// then `steps`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedPlan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateCall>,
    #[serde(default)]
    pub steps: Vec<PlanStep>,
    /// One or two sentences for the person: what this will do.
    pub explanation: String,
}

impl ProposedPlan {
    /// A plan of one action.
    pub fn single(action: impl Into<String>, params: Value, explanation: impl Into<String>) -> Self {
        Self {
            template: None,
            steps: vec![PlanStep { id: "step-1".into(), action: action.into(), params }],
            explanation: explanation.into(),
        }
    }

    /// A plan that expands a template.
    pub fn from_template(name: impl Into<String>, args: Value, explanation: impl Into<String>) -> Self {
        Self {
            template: Some(TemplateCall { name: name.into(), args }),
            steps: Vec::new(),
            explanation: explanation.into(),
        }
    }

    /// What this plan proposes, as (kind, name, params) in execution order.
    pub fn targets(&self) -> Vec<(EntryKind, &str, &Value)> {
        let mut out = Vec::new();
        if let Some(t) = &self.template {
            out.push((EntryKind::Template, t.name.as_str(), &t.args));
        }
        out.extend(self.steps.iter().map(|s| (EntryKind::Action, s.action.as_str(), &s.params)));
        out
    }

    /// A short rendering such as `deploy.web {env: "prod", service: "web"}`.
    pub fn summary(&self) -> String {
        self.targets()
            .iter()
            .map(|(kind, name, params)| {
                let prefix = if *kind == EntryKind::Template { "template " } else { "" };
                format!("{prefix}{name} {}", render_params(params))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// SHA-256 of the plan's content (template, steps, parameters; not the explanation), with
    /// object keys sorted: two planners proposing the same thing get the same fingerprint. The
    /// server's plan hash additionally covers the policy version and preview; either can feed
    /// consensus arbitration.
    pub fn fingerprint(&self) -> String {
        let mut doc = serde_json::Map::new();
        if let Some(t) = &self.template {
            doc.insert("template".into(), serde_json::json!({"name": t.name, "args": t.args}));
        }
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|s| serde_json::json!({"id": s.id, "action": s.action, "params": s.params}))
            .collect();
        doc.insert("steps".into(), Value::Array(steps));
        let text = praetor_domain::canonical_json(&Value::Object(doc));
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// `{env: "prod", service: "web"}` with keys sorted, for explanations and summaries.
pub(crate) fn render_params(params: &Value) -> String {
    match params {
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys.iter().map(|k| format!("{k}: {}", map[k.as_str()])).collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// Why a planner asks back instead of proposing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ClarifyReason {
    /// Nothing was asked.
    Empty,
    /// No phrasing matches; `suggestions` holds the closest ones.
    NoMatch,
    /// Several different actions or templates match equally well.
    Ambiguous { candidates: Vec<String> },
    /// A parameter the phrasing needs was not given.
    MissingParam { target: String, param: String },
    /// A parameter was given but is not acceptable.
    InvalidParam { target: String, param: String, problem: String },
    /// The text matches a phrasing but has more words after it.
    UnexpectedWords { target: String, words: String },
    /// "again", "it", "same but …" with nothing in memory to refer to.
    NothingToRepeat,
    /// "same but in X" where X is no known value of any parameter of the last plan.
    UnknownReference { word: String },
    /// The remembered plan uses something this catalog (e.g. an agent's role) does not offer.
    NotAvailable { target: String },
}

/// A question back to the person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clarification {
    pub message: String,
    /// Phrasings or values the person may have meant, best first.
    pub suggestions: Vec<String>,
    #[serde(flatten)]
    pub reason: ClarifyReason,
}

impl Clarification {
    pub fn new(reason: ClarifyReason, message: impl Into<String>) -> Self {
        Self { message: message.into(), suggestions: Vec::new(), reason }
    }

    pub fn with_suggestions(mut self, suggestions: Vec<String>) -> Self {
        self.suggestions = suggestions;
        self
    }
}

/// One thing that can be asked for, with its phrasings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpEntry {
    pub kind: EntryKind,
    pub name: String,
    pub description: String,
    /// The phrasings as declared (`deploy {service} to {env=staging}`).
    pub phrasings: Vec<String>,
    /// Each phrasing said with example values ("deploy web to staging"), or with `<name>` where
    /// no value can be guessed.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// What is available: the catalog's phrasings and the conversational commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Help {
    /// The word after "help", when one was given and matched something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    pub entries: Vec<HelpEntry>,
    pub commands: Vec<String>,
}

impl Help {
    /// A plain-text rendering for chat.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if self.entries.is_empty() {
            out.push_str("Nothing can be asked for here yet.\n");
        } else {
            out.push_str("You can ask for:\n");
            for e in &self.entries {
                let what =
                    if e.description.is_empty() { e.name.clone() } else { format!("{} ({})", e.name, e.description) };
                let _ = writeln!(out, "- {what}");
                for p in &e.examples {
                    let _ = writeln!(out, "    \"{p}\"");
                }
            }
        }
        if !self.commands.is_empty() {
            let _ = writeln!(out, "About a proposed plan: {}.", self.commands.join(", "));
        }
        out
    }
}

/// What a planner answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Plan(ProposedPlan),
    Clarify(Clarification),
    Help(Help),
    /// Text without a plan (a model that answered in prose).
    Reply {
        text: String,
    },
}

impl Outcome {
    pub fn plan(&self) -> Option<&ProposedPlan> {
        match self {
            Outcome::Plan(p) => Some(p),
            _ => None,
        }
    }

    pub fn clarification(&self) -> Option<&Clarification> {
        match self {
            Outcome::Clarify(c) => Some(c),
            _ => None,
        }
    }

    /// One line for the session's rolling summary.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Plan(p) => format!("proposed {}", p.summary()),
            Outcome::Clarify(c) => format!("asked: {}", c.message),
            Outcome::Help(_) => "listed what is available".into(),
            Outcome::Reply { text } => format!("replied: {text}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fingerprint_ignores_key_order_and_explanation() {
        let a = ProposedPlan::single("deploy.web", json!({"service": "web", "env": "prod"}), "one");
        let b = ProposedPlan::single("deploy.web", json!({"env": "prod", "service": "web"}), "two");
        let c = ProposedPlan::single("deploy.web", json!({"env": "staging", "service": "web"}), "one");
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert_eq!(a.fingerprint().len(), 64);
    }

    #[test]
    fn summary_and_serialization() {
        let p = ProposedPlan::from_template("release", json!({"service": "api", "version": 3}), "x");
        assert_eq!(p.summary(), "template release {service: \"api\", version: 3}");
        let o = Outcome::Plan(p);
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["kind"], "plan");
        assert_eq!(v["template"]["name"], "release");
        let c = Outcome::Clarify(Clarification::new(
            ClarifyReason::MissingParam { target: "deploy.web".into(), param: "service".into() },
            "which service?",
        ));
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["reason"], "missing_param");
        assert_eq!(v["param"], "service");
        let back: Outcome = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }
}
