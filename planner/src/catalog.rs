//! What may be proposed: the actions and plan templates of a project's effective policy (name,
//! description, parameter schema, chat aliases, risk, cost). Aliases and parameter schemas are
//! compiled once, when the catalog is built, so planners only match and validate. An agent sees
//! the catalog restricted to its role. A parameter's `x-synonyms` (other words for its values,
//! see [`praetor_policy::synonyms`]) are checked here too and reported with the problems.

use std::collections::BTreeMap;
use std::sync::Arc;

use praetor_policy::Effective;
use praetor_policy::document::{Cost, Risk};
use praetor_policy::{glob, synonyms};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::pattern::AliasPattern;
use crate::validate::{self, ParamProblem};

/// Whether an entry is an action (one step) or a plan template (`template` + `args`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Action,
    Template,
}

/// One thing a planner may propose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub kind: EntryKind,
    pub name: String,
    pub description: String,
    /// JSON Schema of the parameters (template: of the arguments).
    pub params: Value,
    /// Chat phrasings such as `deploy {service} to {env=staging}`.
    pub aliases: Vec<String>,
    /// A template's risk is the highest of its steps' actions.
    pub risk: Risk,
    /// The fixed cost, when it does not depend on parameters (a template: the sum over its
    /// steps, an upper bound since `when` may skip some).
    pub cost: Option<f64>,
    /// The actions a proposal of this entry invokes: the action itself, or the template's steps.
    pub invokes: Vec<String>,
}

impl CatalogEntry {
    /// An action with low risk, no cost and no aliases (see the `with_*` builders).
    pub fn action(name: impl Into<String>, description: impl Into<String>, params: Value) -> Self {
        let name = name.into();
        Self {
            kind: EntryKind::Action,
            invokes: vec![name.clone()],
            name,
            description: description.into(),
            params,
            aliases: Vec::new(),
            risk: Risk::Low,
            cost: Some(0.0),
        }
    }

    /// A plan template whose steps invoke `invokes`.
    pub fn template(
        name: impl Into<String>,
        description: impl Into<String>,
        params: Value,
        invokes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            kind: EntryKind::Template,
            name: name.into(),
            description: description.into(),
            params,
            aliases: Vec::new(),
            risk: Risk::Low,
            cost: Some(0.0),
            invokes: invokes.into_iter().map(Into::into).collect(),
        }
    }

    pub fn with_aliases(mut self, aliases: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.aliases = aliases.into_iter().map(Into::into).collect();
        self
    }

    pub fn with_risk(mut self, risk: Risk) -> Self {
        self.risk = risk;
        self
    }

    pub fn with_cost(mut self, cost: Option<f64>) -> Self {
        self.cost = cost;
        self
    }

    /// `deploy.web`, or `template release`.
    pub fn label(&self) -> String {
        match self.kind {
            EntryKind::Action => self.name.clone(),
            EntryKind::Template => format!("template {}", self.name),
        }
    }

    /// The schema of one parameter, if the schema declares it.
    pub fn param_schema(&self, param: &str) -> Option<&Value> {
        self.params.get("properties")?.get(param)
    }
}

/// An entry with its compiled aliases and validator.
#[derive(Clone)]
pub(crate) struct Compiled {
    pub entry: CatalogEntry,
    pub patterns: Vec<AliasPattern>,
    validator: Result<Arc<jsonschema::Validator>, String>,
}

impl Compiled {
    /// Puts synonyms' values in place of the words (a model may say `production` too), fills
    /// schema defaults and validates. `Err` holds the problems, first the most useful.
    pub fn complete(&self, params: Value) -> Result<Value, Vec<ParamProblem>> {
        let mut map = match params {
            Value::Object(m) => m,
            Value::Null => serde_json::Map::new(),
            other => {
                return Err(vec![ParamProblem::new(
                    "",
                    format!("the parameters must be a JSON object, got {}", validate::show(&other)),
                )]);
            }
        };
        validate::apply_synonyms(&self.entry.params, &mut map);
        validate::fill_defaults(&self.entry.params, &mut map);
        let value = Value::Object(map);
        match &self.validator {
            Ok(v) => {
                let problems = validate::problems(v, &value);
                if problems.is_empty() { Ok(value) } else { Err(problems) }
            }
            Err(e) => {
                Err(vec![ParamProblem::new("", format!("{} has an invalid parameter schema: {e}", self.entry.label()))])
            }
        }
    }
}

/// The actions and templates a planner may propose, sorted by kind then name.
#[derive(Clone, Default)]
pub struct Catalog {
    entries: Vec<Compiled>,
    problems: Vec<String>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("entries", &self.entries().map(|e| e.label()).collect::<Vec<_>>()).finish()
    }
}

impl Catalog {
    /// Compiles `entries`. A later entry with the same kind and name replaces an earlier one.
    /// Aliases that do not compile are left out and reported by [`Catalog::problems`].
    pub fn new(entries: impl IntoIterator<Item = CatalogEntry>) -> Self {
        let mut by_key: BTreeMap<(EntryKind, String), CatalogEntry> = BTreeMap::new();
        for e in entries {
            by_key.insert((e.kind, e.name.clone()), e);
        }
        let mut problems = Vec::new();
        let entries = by_key
            .into_values()
            .map(|entry| {
                let mut patterns = Vec::new();
                for alias in &entry.aliases {
                    match AliasPattern::compile(alias) {
                        Ok(p) => {
                            for slot in p.slot_names() {
                                if entry.param_schema(slot).is_none() {
                                    problems.push(format!(
                                        "{}: alias `{alias}` names `{slot}`, which the parameter schema does not declare",
                                        entry.label()
                                    ));
                                }
                            }
                            patterns.push(p);
                        }
                        Err(e) => problems.push(format!("{}: {e}", entry.label())),
                    }
                }
                for p in synonyms::problems(&entry.params) {
                    problems.push(format!("{}: {}: {}", entry.label(), p.path, p.message));
                }
                let validator = jsonschema::validator_for(&entry.params).map(Arc::new).map_err(|e| e.to_string());
                if let Err(e) = &validator {
                    problems.push(format!("{}: invalid parameter schema: {e}", entry.label()));
                }
                Compiled { entry, patterns, validator }
            })
            .collect();
        Self { entries, problems }
    }

    pub fn empty() -> Self {
        Self::default()
    }

    /// Every action and template of a project's effective policy (the most specific layer's
    /// definition wins). Built-in actions are not policy documents; add them with
    /// [`Catalog::with`] if chat should offer them.
    pub fn from_effective(effective: &Effective) -> Self {
        let mut entries = Vec::new();
        for a in effective.actions() {
            entries.push(CatalogEntry {
                kind: EntryKind::Action,
                name: a.name.clone(),
                description: a.spec.description.clone(),
                params: a.spec.params.clone(),
                aliases: a.spec.aliases.clone(),
                risk: a.spec.risk,
                cost: match &a.spec.cost {
                    Cost::Fixed(c) => Some(*c),
                    Cost::Computed { .. } => None,
                },
                invokes: vec![a.name.clone()],
            });
        }
        for t in effective.templates() {
            let mut invokes: Vec<String> = Vec::new();
            for s in &t.spec.steps {
                if !invokes.contains(&s.action) {
                    invokes.push(s.action.clone());
                }
            }
            let mut risk = Risk::Low;
            let mut cost = Some(0.0);
            for s in &t.spec.steps {
                match effective.action(&s.action) {
                    Some((a, _)) => {
                        risk = risk.max(a.spec.risk);
                        cost = match (&a.spec.cost, cost) {
                            (Cost::Fixed(c), Some(sum)) => Some(sum + c),
                            _ => None,
                        };
                    }
                    // A built-in or nested step: its cost is only known to the pipeline.
                    None => cost = None,
                }
            }
            entries.push(CatalogEntry {
                kind: EntryKind::Template,
                name: t.name.clone(),
                description: t.spec.description.clone(),
                params: t.spec.params.clone(),
                aliases: t.spec.aliases.clone(),
                risk,
                cost,
                invokes,
            });
        }
        Self::new(entries)
    }

    /// This catalog plus `entry` (replacing one of the same kind and name).
    pub fn with(&self, entry: CatalogEntry) -> Self {
        Self::new(self.entries().cloned().chain([entry]))
    }

    /// What an agent whose role is `globs` may propose: actions matching a glob, and templates
    /// every one of whose steps matches a glob (a template is only as allowed as its steps).
    pub fn restricted_to<S: AsRef<str>>(&self, globs: &[S]) -> Self {
        let allowed = |action: &str| globs.iter().any(|g| glob::matches(g.as_ref(), action));
        let entries: Vec<Compiled> = self
            .entries
            .iter()
            .filter(|c| !c.entry.invokes.is_empty() && c.entry.invokes.iter().all(|a| allowed(a)))
            .cloned()
            .collect();
        let problems = self
            .problems
            .iter()
            .filter(|p| entries.iter().any(|c| p.starts_with(&format!("{}:", c.entry.label()))))
            .cloned()
            .collect();
        Self { entries, problems }
    }

    pub fn entries(&self) -> impl Iterator<Item = &CatalogEntry> {
        self.entries.iter().map(|c| &c.entry)
    }

    pub fn get(&self, kind: EntryKind, name: &str) -> Option<&CatalogEntry> {
        self.compiled(kind, name).map(|c| &c.entry)
    }

    pub fn action(&self, name: &str) -> Option<&CatalogEntry> {
        self.get(EntryKind::Action, name)
    }

    pub fn template(&self, name: &str) -> Option<&CatalogEntry> {
        self.get(EntryKind::Template, name)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Aliases that did not compile, aliases naming undeclared parameters, invalid schemas:
    /// worth a warning in the log when a policy is applied.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Fills defaults and validates `params` for an entry of this catalog.
    pub fn check_params(&self, kind: EntryKind, name: &str, params: Value) -> Result<Value, Vec<ParamProblem>> {
        match self.compiled(kind, name) {
            Some(c) => c.complete(params),
            None => Err(vec![ParamProblem::new("", format!("`{name}` is not available here"))]),
        }
    }

    /// Values a parameter of this name is known to take anywhere in the catalog (its `enum`s),
    /// sorted: what "same but in prod" is matched against.
    pub fn known_values(&self, param: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .entries()
            .filter_map(|e| e.param_schema(param)?.get("enum")?.as_array().cloned())
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// How the catalog spells `word` as a value of a parameter named `param`, when one of its
    /// known values (see [`Catalog::known_values`]) is `word` but for case: `API` is `api`.
    pub fn known_spelling(&self, param: &str, word: &str) -> Option<String> {
        let word = word.to_lowercase();
        self.known_values(param).into_iter().find(|v| v.to_lowercase() == word)
    }

    pub(crate) fn compiled(&self, kind: EntryKind, name: &str) -> Option<&Compiled> {
        self.entries.iter().find(|c| c.entry.kind == kind && c.entry.name == name)
    }

    pub(crate) fn compiled_entries(&self) -> &[Compiled] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use praetor_policy::{CompileContext, Layer, Level, PolicySet, Source};
    use serde_json::json;

    fn examples() -> Effective {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/examples");
        let sources: Vec<Source> = ["actions.yaml", "templates.yaml"]
            .iter()
            .map(|f| Source { name: (*f).into(), text: std::fs::read_to_string(format!("{dir}/{f}")).unwrap() })
            .collect();
        let builtins = ["state.set", "state.delete", "state.increment", "state.patch"]
            .iter()
            .map(|b| ((*b).to_string(), json!({"type": "object"})))
            .collect();
        let ctx = CompileContext { builtins, org: Some("demo".into()), ..Default::default() };
        let set = PolicySet::compile(&sources, &ctx).unwrap();
        Effective::new(vec![Layer { level: Level::Org, set: Arc::new(set), version: "org@1".into() }])
    }

    #[test]
    fn built_from_the_example_policies() {
        let cat = Catalog::from_effective(&examples());
        let deploy = cat.action("deploy.web").unwrap();
        assert_eq!(deploy.risk, Risk::Medium);
        assert_eq!(deploy.cost, Some(2.0));
        assert_eq!(deploy.aliases[0], "deploy {service} to {env=staging}");
        assert_eq!(cat.action("scale.service").unwrap().cost, None);
        let release = cat.template("release").unwrap();
        assert_eq!(release.invokes, vec!["deploy.web".to_string()]);
        assert_eq!(release.risk, Risk::Medium);
        assert_eq!(release.cost, Some(4.0));
        assert!(cat.problems().is_empty(), "{:?}", cat.problems());
        assert_eq!(cat.known_values("env"), vec!["prod".to_string(), "staging".into()]);
    }

    #[test]
    fn the_example_aliases_plan() {
        use crate::{AliasPlanner, ClarifyReason, Memory};
        let cat = Catalog::from_effective(&examples());
        let planner = AliasPlanner::new();
        let memory = Memory::new();
        let plan = planner.plan_text("deploy api to prod", &cat, &memory);
        assert_eq!(plan.plan().unwrap().steps[0].params, json!({"service": "api", "env": "prod", "version": 1}));
        let plan = planner.plan_text("open a ticket 'disk full'", &cat, &memory);
        assert_eq!(plan.plan().unwrap().steps[0].params, json!({"title": "disk full", "priority": "low"}));
        let plan = planner.plan_text("release worker", &cat, &memory);
        assert_eq!(plan.plan().unwrap().template.as_ref().unwrap().args, json!({"service": "worker", "version": 1}));
        // `enable {flag} {enabled=true}`: the phrasing itself says what `enabled` is.
        let plan = planner.plan_text("enable dark-mode", &cat, &memory);
        assert_eq!(plan.plan().unwrap().steps[0].params, json!({"flag": "dark-mode", "enabled": true}));
        let plan = planner.plan_text("turn off dark-mode", &cat, &memory);
        assert_eq!(plan.plan().unwrap().steps[0].params, json!({"flag": "dark-mode", "enabled": false}));
        // A value the schema requires and no phrasing gives is asked for, not guessed.
        let ask = planner.plan_text("scale web to", &cat, &memory);
        assert_eq!(
            ask.clarification().unwrap().reason,
            ClarifyReason::MissingParam { target: "scale.service".into(), param: "replicas".into() }
        );
    }

    #[test]
    fn restriction_follows_globs_and_template_steps() {
        let cat = Catalog::from_effective(&examples());
        let deployer = cat.restricted_to(&["deploy.*", "rollback.*"]);
        let names: Vec<String> = deployer.entries().map(CatalogEntry::label).collect();
        assert_eq!(names, vec!["deploy.web", "rollback.web", "template release"]);
        let restarter = cat.restricted_to(&["service.restart"]);
        assert_eq!(restarter.len(), 1);
        assert!(cat.restricted_to::<&str>(&[]).is_empty());
    }

    #[test]
    fn bad_aliases_and_schemas_are_reported_not_fatal() {
        let cat = Catalog::new([
            CatalogEntry::action("a.b", "", json!({"type": "object", "properties": {"x": {}}}))
                .with_aliases(["do {x}", "{x}", "do {y}"]),
            CatalogEntry::action("c.d", "", json!({"type": "nonsense"})),
        ]);
        assert_eq!(cat.compiled(EntryKind::Action, "a.b").unwrap().patterns.len(), 2);
        assert_eq!(cat.problems().len(), 3, "{:?}", cat.problems());
        let err = cat.check_params(EntryKind::Action, "c.d", json!({})).unwrap_err();
        assert!(err[0].message.contains("invalid parameter schema"), "{err:?}");
        let err = cat.check_params(EntryKind::Action, "zz", json!({})).unwrap_err();
        assert_eq!(err[0].message, "`zz` is not available here");
    }
}
