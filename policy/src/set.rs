//! A policy set: the documents of one scope (an org, a project, or the instance), parsed,
//! checked as a whole, with every CEL expression compiled once. Compilation reports every
//! problem it finds, not only the first; an invalid set is never half-built.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Severity};
use crate::document::{ActionSpec, Document, Effect, PolicySpec, Rule, TemplateSpec};
use crate::expr::{self, Compiled, VARIABLES};
use crate::glob;
use crate::load::{Parsed, Source, parse};
use crate::time::{BlackoutSpec, WindowSpec, parse_duration, parse_tz};

/// Where a definition was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: u32,
    pub path: String,
}

/// What compilation needs to know from outside the set.
#[derive(Debug, Clone, Default)]
pub struct CompileContext {
    /// Built-in actions: name and parameter schema.
    pub builtins: Vec<(String, Value)>,
    /// Actions defined elsewhere that this set may use (e.g. the org's, for a project set).
    pub known_actions: BTreeMap<String, Value>,
    /// The organization the set belongs to (documents naming another org are refused).
    pub org: Option<String>,
    /// The project the set belongs to, if it is a project set.
    pub project: Option<String>,
    /// The state schema declared at a higher level (checks `state.x` in this set).
    pub state_schema: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct ActionDef {
    pub name: String,
    pub spec: ActionSpec,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct TemplateDef {
    pub name: String,
    pub spec: TemplateSpec,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct RuleDef {
    pub policy: String,
    pub rule: Rule,
    pub origin: Origin,
    pub when: Option<Compiled>,
}

#[derive(Debug, Clone)]
pub struct PolicyDef {
    pub name: String,
    pub org: Option<String>,
    pub project: Option<String>,
    pub spec: PolicySpec,
    pub origin: Origin,
    pub rules: Vec<RuleDef>,
    pub windows: Vec<(crate::document::Window, WindowSpec, Origin)>,
    pub blackouts: Vec<(crate::document::Blackout, BlackoutSpec, Origin)>,
}

/// A validated set of documents.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub actions: BTreeMap<String, ActionDef>,
    pub templates: BTreeMap<String, TemplateDef>,
    pub policies: Vec<PolicyDef>,
    /// SHA-256 over the sources, in order.
    pub hash: String,
    exprs: HashMap<String, Compiled>,
}

impl PolicySet {
    /// SHA-256 over what the set itself holds — each action, template and policy document as
    /// written and where — rather than over the whole bundle it came from (`hash`): two sets
    /// compiled from bundles that differ only in other scopes' documents have the same one.
    pub fn content_hash(&self) -> String {
        let at = |o: &Origin| serde_json::json!([o.file, o.line, o.path]);
        let doc = serde_json::json!({
            "actions": self.actions.iter().map(|(n, a)| (n.clone(), serde_json::json!([serde_json::to_value(&a.spec).unwrap_or(Value::Null), at(&a.origin)]))).collect::<BTreeMap<_, _>>(),
            "templates": self.templates.iter().map(|(n, t)| (n.clone(), serde_json::json!([serde_json::to_value(&t.spec).unwrap_or(Value::Null), at(&t.origin)]))).collect::<BTreeMap<_, _>>(),
            "policies": self.policies.iter().map(|p| serde_json::json!([p.name, p.org, p.project, serde_json::to_value(&p.spec).unwrap_or(Value::Null), at(&p.origin)])).collect::<Vec<_>>(),
        });
        hex::encode(Sha256::digest(doc.to_string().as_bytes()))
    }

    /// A set with nothing in it.
    pub fn empty() -> Self {
        Self {
            actions: BTreeMap::new(),
            templates: BTreeMap::new(),
            policies: Vec::new(),
            hash: hash_sources(&[]),
            exprs: HashMap::new(),
        }
    }

    /// A compiled expression of this set (compiling on the spot if the set never saw it).
    pub fn expr(&self, src: &str) -> Result<Compiled, String> {
        match self.exprs.get(src) {
            Some(c) => Ok(c.clone()),
            None => expr::compile(src),
        }
    }

    /// Parses and checks `sources` as one set.
    pub fn compile(sources: &[Source], ctx: &CompileContext) -> Result<PolicySet, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut parsed = Vec::new();
        for src in sources {
            match parse(src) {
                Ok(p) => parsed.extend(p),
                Err(d) => diags.extend(d),
            }
        }
        let too_big = bundle_limits(&parsed);
        if !too_big.is_empty() {
            return Err(too_big);
        }
        Self::compile_parsed(&parsed, hash_sources(sources), ctx, diags)
    }

    /// Checks already parsed documents as one set (`diags` carries parse errors to report
    /// along with the rest).
    pub fn compile_parsed(
        parsed: &[Parsed],
        hash: String,
        ctx: &CompileContext,
        diags: Vec<Diagnostic>,
    ) -> Result<PolicySet, Vec<Diagnostic>> {
        let mut c = Compiler { ctx, diags, exprs: HashMap::new(), state_schema: ctx.state_schema.clone() };
        let set = c.build(parsed, hash);
        if c.diags.iter().any(|d| d.severity == Severity::Error) { Err(c.diags) } else { Ok(set) }
    }
}

/// Documents split by scope: the organization's (or the instance's) set and one set per
/// project, each project set compiled knowing the organization's actions and state schema.
#[derive(Debug, Clone)]
pub struct Tree {
    pub base: PolicySet,
    pub projects: BTreeMap<String, PolicySet>,
}

impl Tree {
    pub fn compile(sources: &[Source], ctx: &CompileContext) -> Result<Tree, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut base_docs = Vec::new();
        let mut project_docs: BTreeMap<String, Vec<Parsed>> = BTreeMap::new();
        for src in sources {
            match parse(src) {
                Ok(docs) => {
                    for d in docs {
                        match d.document.metadata().project.clone() {
                            Some(p) => project_docs.entry(p).or_default().push(d),
                            None => base_docs.push(d),
                        }
                    }
                }
                Err(d) => diags.extend(d),
            }
        }
        let too_big =
            bundle_limits(&base_docs.iter().chain(project_docs.values().flatten()).cloned().collect::<Vec<_>>());
        if !too_big.is_empty() {
            return Err(too_big);
        }
        let hash = hash_sources(sources);
        let base = PolicySet::compile_parsed(&base_docs, hash.clone(), ctx, Vec::new());
        let mut all = diags;
        let base = match base {
            Ok(b) => Some(b),
            Err(d) => {
                all.extend(d);
                None
            }
        };
        let mut projects = BTreeMap::new();
        for (name, docs) in project_docs {
            let mut pctx = ctx.clone();
            pctx.project = Some(name.clone());
            if let Some(b) = &base {
                for (n, a) in &b.actions {
                    pctx.known_actions.insert(n.clone(), a.spec.params.clone());
                }
                pctx.state_schema = b.policies.iter().find_map(|p| p.spec.state_schema.clone()).or(pctx.state_schema);
            }
            match PolicySet::compile_parsed(&docs, hash.clone(), &pctx, Vec::new()) {
                Ok(s) => {
                    projects.insert(name, s);
                }
                Err(d) => all.extend(d),
            }
        }
        match base {
            Some(base) if !all.iter().any(|d| d.severity == Severity::Error) => Ok(Tree { base, projects }),
            _ => Err(all),
        }
    }
}

/// Most documents one bundle (one apply, one validation) may hold.
pub const MAX_DOCUMENTS_PER_BUNDLE: usize = 1_000;
/// Most rules one Policy document may hold.
pub const MAX_RULES_PER_DOCUMENT: usize = 1_000;
/// Most rules all Policy documents of one bundle may hold together.
pub const MAX_RULES_PER_BUNDLE: usize = 5_000;
/// Most rate limits, windows and blackouts one Policy document may hold (each kind).
pub const MAX_LIMITS_PER_DOCUMENT: usize = 200;

/// Size limits on a bundle, checked before anything is compiled (PV002 errors, with where).
pub fn bundle_limits(parsed: &[Parsed]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(first_over) = parsed.get(MAX_DOCUMENTS_PER_BUNDLE) {
        out.push(first_over.diag(
            Severity::Error,
            "PV002",
            "",
            format!("the bundle has {} documents; the limit is {MAX_DOCUMENTS_PER_BUNDLE}", parsed.len()),
        ));
    }
    let mut total = 0usize;
    for p in parsed {
        let Document::Policy(doc) = &p.document else { continue };
        let spec = &doc.spec;
        if spec.rules.len() > MAX_RULES_PER_DOCUMENT {
            out.push(p.diag(
                Severity::Error,
                "PV002",
                "spec.rules",
                format!(
                    "the policy has {} rules; the limit is {MAX_RULES_PER_DOCUMENT} per document",
                    spec.rules.len()
                ),
            ));
        }
        for (what, n) in
            [("limits", spec.limits.len()), ("windows", spec.windows.len()), ("blackouts", spec.blackouts.len())]
        {
            if n > MAX_LIMITS_PER_DOCUMENT {
                out.push(p.diag(
                    Severity::Error,
                    "PV002",
                    &format!("spec.{what}"),
                    format!("the policy has {n} {what}; the limit is {MAX_LIMITS_PER_DOCUMENT} per document"),
                ));
            }
        }
        total += spec.rules.len();
        if total > MAX_RULES_PER_BUNDLE && out.iter().all(|d| !d.message.contains("per bundle")) {
            out.push(p.diag(
                Severity::Error,
                "PV002",
                "spec.rules",
                format!(
                    "the bundle has more than {MAX_RULES_PER_BUNDLE} rules (the limit per bundle) by this document"
                ),
            ));
        }
    }
    out
}

pub fn hash_sources(sources: &[Source]) -> String {
    let mut h = Sha256::new();
    for s in sources {
        h.update(s.name.as_bytes());
        h.update([0]);
        h.update(s.text.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

struct Compiler<'a> {
    ctx: &'a CompileContext,
    diags: Vec<Diagnostic>,
    exprs: HashMap<String, Compiled>,
    state_schema: Option<Value>,
}

/// The properties an object schema declares, or `None` when any property is allowed.
pub fn schema_properties(schema: &Value) -> Option<BTreeSet<String>> {
    let props = schema.get("properties").and_then(Value::as_object);
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    match props {
        Some(p) if closed || !p.is_empty() => Some(p.keys().cloned().collect()),
        _ => None,
    }
}

/// The sub-schema of a property, for checking deeper field access.
fn property_schema<'s>(schema: &'s Value, name: &str) -> Option<&'s Value> {
    schema.get("properties")?.get(name)
}

const PRINCIPAL_FIELDS: &[&str] = &["id", "kind", "name", "groups", "chain"];
const PLAN_FIELDS: &[&str] = &["cost", "risk", "steps", "title"];
const USAGE_FIELDS: &[&str] = &["spentToday", "plansToday", "plansThisHour"];

impl Compiler<'_> {
    fn err(&mut self, p: &Parsed, code: &'static str, path: &str, msg: impl Into<String>) {
        self.diags.push(p.diag(Severity::Error, code, path, msg));
    }

    fn origin(p: &Parsed, path: &str) -> Origin {
        let loc = p.location(path);
        Origin { file: loc.file, line: loc.line, path: path.to_string() }
    }

    /// Compiles an expression and checks its variables and, where schemas allow, its fields.
    fn expr(&mut self, p: &Parsed, path: &str, src: &str, params_schemas: &[Value]) -> Option<Compiled> {
        let c = match expr::compile(src) {
            Ok(c) => c,
            Err(e) => {
                self.err(p, "PV005", path, format!("CEL: {e}"));
                return None;
            }
        };
        for v in &c.variables {
            if !VARIABLES.contains(&v.as_str()) {
                self.err(
                    p,
                    "PV006",
                    path,
                    format!("unknown variable `{v}`; conditions may use {}", VARIABLES.join(", ")),
                );
            }
        }
        for (root, fields) in &c.fields {
            let Some(first) = fields.first() else { continue };
            let problem = match root.as_str() {
                "params" if !params_schemas.is_empty() => {
                    let known =
                        params_schemas.iter().any(|s| schema_properties(s).is_none_or(|props| props.contains(first)));
                    (!known).then(|| format!("`params.{first}` is not a parameter of the actions this applies to"))
                }
                "state" => {
                    let mut schema = self.state_schema.as_ref();
                    let mut missing = None;
                    for (i, f) in fields.iter().enumerate() {
                        let Some(s) = schema else { break };
                        if schema_properties(s).is_some_and(|props| !props.contains(f)) {
                            missing = Some(fields[..=i].join("."));
                            break;
                        }
                        schema = property_schema(s, f);
                    }
                    missing.map(|m| format!("`state.{m}` is not in the declared stateSchema"))
                }
                "principal" => (!PRINCIPAL_FIELDS.contains(&first.as_str())).then(|| {
                    format!("`principal.{first}` does not exist; principal has {}", PRINCIPAL_FIELDS.join(", "))
                }),
                "plan" => (!PLAN_FIELDS.contains(&first.as_str()))
                    .then(|| format!("`plan.{first}` does not exist; plan has {}", PLAN_FIELDS.join(", "))),
                "usage" => (!USAGE_FIELDS.contains(&first.as_str()))
                    .then(|| format!("`usage.{first}` does not exist; usage has {}", USAGE_FIELDS.join(", "))),
                _ => None,
            };
            if let Some(msg) = problem {
                self.err(p, "PV007", path, msg);
            }
        }
        self.exprs.insert(src.to_string(), c.clone());
        Some(c)
    }

    fn templates(&mut self, p: &Parsed, path: &str, value: &Value, params_schemas: &[Value]) {
        let mut found = Vec::new();
        expr::template_exprs_in(value, &mut found);
        for e in found {
            self.expr(p, path, &e, params_schemas);
        }
    }

    fn check_schema(&mut self, p: &Parsed, path: &str, schema: &Value) {
        if schema.get("type").and_then(Value::as_str) != Some("object") {
            self.err(p, "PV008", path, "must be a JSON Schema of `type: object`");
            return;
        }
        if let Err(e) = jsonschema::validator_for(schema) {
            self.err(p, "PV008", path, format!("not a valid JSON Schema: {e}"));
        }
        for s in crate::synonyms::problems(schema) {
            self.err(p, "PV008", &format!("{path}.{}", s.path), s.message);
        }
    }

    fn action_schema(&self, name: &str, local: &BTreeMap<String, ActionDef>) -> Option<Value> {
        if let Some(a) = local.get(name) {
            return Some(a.spec.params.clone());
        }
        if let Some(s) = self.ctx.known_actions.get(name) {
            return Some(s.clone());
        }
        self.ctx.builtins.iter().find(|(n, _)| n == name).map(|(_, s)| s.clone())
    }

    fn all_action_names(&self, local: &BTreeMap<String, ActionDef>) -> Vec<String> {
        let mut names: Vec<String> = local.keys().cloned().collect();
        names.extend(self.ctx.known_actions.keys().cloned());
        names.extend(self.ctx.builtins.iter().map(|(n, _)| n.clone()));
        names
    }

    fn build(&mut self, parsed: &[Parsed], hash: String) -> PolicySet {
        // Names, scope and duplicates first; state schema before any CEL is checked.
        let mut seen: BTreeMap<(&str, String), Origin> = BTreeMap::new();
        for p in parsed {
            let doc = &p.document;
            let md = doc.metadata();
            let ok = match doc {
                Document::Action(_) => glob::valid_action_name(&md.name),
                _ => {
                    !md.name.is_empty()
                        && md.name.len() <= 100
                        && md.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
                }
            };
            if !ok {
                let what = if matches!(doc, Document::Action(_)) {
                    "lowercase dotted segments such as deploy.web"
                } else {
                    "letters, digits, '-', '_' and '.'"
                };
                self.err(p, "PV004", "metadata.name", format!("`{}` is not a valid name: use {what}", md.name));
            }
            if let Some(prev) = seen.get(&(doc.kind(), md.name.clone())) {
                let msg =
                    format!("{} `{}` is defined twice (first at {}:{})", doc.kind(), md.name, prev.file, prev.line);
                self.err(p, "PV004", "metadata.name", msg);
            } else {
                seen.insert((doc.kind(), md.name.clone()), Self::origin(p, ""));
            }
            if let (Some(expected), Some(found)) = (&self.ctx.org, &md.org)
                && expected != found
            {
                self.err(
                    p,
                    "PV015",
                    "metadata.org",
                    format!("this set belongs to organization `{expected}`, not `{found}`"),
                );
            }
            if let (Some(expected), Some(found)) = (&self.ctx.project, &md.project)
                && expected != found
            {
                self.err(
                    p,
                    "PV015",
                    "metadata.project",
                    format!("this set belongs to project `{expected}`, not `{found}`"),
                );
            }
            if let Document::Policy(pd) = doc
                && let Some(s) = &pd.spec.state_schema
                && self.ctx.project.is_none()
            {
                self.check_schema(p, "spec.stateSchema", s);
                self.state_schema = Some(s.clone());
            }
        }

        let mut actions = BTreeMap::new();
        for p in parsed {
            if let Document::Action(a) = &p.document {
                actions.insert(
                    a.metadata.name.clone(),
                    ActionDef { name: a.metadata.name.clone(), spec: a.spec.clone(), origin: Self::origin(p, "") },
                );
            }
        }
        let action_names = self.all_action_names(&actions);
        for p in parsed {
            if let Document::Action(a) = &p.document {
                self.check_action(p, &a.spec, &actions, &action_names);
            }
        }

        let mut templates = BTreeMap::new();
        for p in parsed {
            if let Document::PlanTemplate(t) = &p.document {
                self.check_template(p, &t.spec, &actions, &action_names);
                templates.insert(
                    t.metadata.name.clone(),
                    TemplateDef { name: t.metadata.name.clone(), spec: t.spec.clone(), origin: Self::origin(p, "") },
                );
            }
        }

        let mut policies = Vec::new();
        for p in parsed {
            if let Document::Policy(pd) = &p.document {
                policies.push(self.check_policy(p, pd, &actions));
            }
        }
        PolicySet { actions, templates, policies, hash, exprs: std::mem::take(&mut self.exprs) }
    }

    fn check_action(&mut self, p: &Parsed, spec: &ActionSpec, actions: &BTreeMap<String, ActionDef>, names: &[String]) {
        self.check_schema(p, "spec.params", &spec.params);
        let schemas = [spec.params.clone()];
        match (&spec.handler.builtin, &spec.handler.external) {
            (Some(b), None) => {
                if !self.ctx.builtins.iter().any(|(n, _)| n == b) {
                    let known: Vec<&str> = self.ctx.builtins.iter().map(|(n, _)| n.as_str()).collect();
                    self.err(
                        p,
                        "PV012",
                        "spec.handler.builtin",
                        format!("unknown built-in handler `{b}`; built-ins are {}", known.join(", ")),
                    );
                }
                if let Some(with) = &spec.handler.with {
                    self.templates(p, "spec.handler.with", with, &schemas);
                }
            }
            (None, Some(ext)) => {
                if !(ext.url.starts_with("https://") || ext.url.starts_with("http://")) {
                    self.err(p, "PV012", "spec.handler.external.url", "must be an http(s) URL");
                }
                if spec.handler.with.is_some() {
                    self.err(p, "PV012", "spec.handler.with", "`with` applies to built-in handlers only");
                }
            }
            _ => self.err(p, "PV012", "spec.handler", "give exactly one of `builtin` or `external`"),
        }
        match &spec.cost {
            crate::document::Cost::Fixed(c) if !(0.0..=1e9).contains(c) => {
                self.err(p, "PV014", "spec.cost", "must be between 0 and 1e9")
            }
            crate::document::Cost::Computed { expr } => {
                self.expr(p, "spec.cost.expr", expr, &schemas);
            }
            _ => {}
        }
        if let Some(r) = &spec.retry
            && !(1..=10).contains(&r.max_attempts)
        {
            self.err(p, "PV014", "spec.retry.maxAttempts", "must be between 1 and 10");
        }
        if let Some(t) = spec.timeout_seconds
            && !(1..=600).contains(&t)
        {
            self.err(p, "PV014", "spec.timeoutSeconds", "must be between 1 and 600");
        }
        self.check_aliases(p, "spec.aliases", &spec.aliases, &spec.params);
        self.check_title(p, spec.title.as_deref(), &spec.params);
        if let Some(comp) = &spec.compensation {
            if !names.contains(&comp.action) {
                self.err(p, "PV013", "spec.compensation.action", format!("no action named `{}`", comp.action));
            }
            self.templates(
                p,
                "spec.compensation.params",
                &serde_json::to_value(&comp.params).unwrap_or_default(),
                &schemas,
            );
        }
        let _ = actions;
    }

    fn check_aliases(&mut self, p: &Parsed, path: &str, aliases: &[String], params: &Value) {
        let props = schema_properties(params);
        for (i, alias) in aliases.iter().enumerate() {
            let mut rest = alias.as_str();
            while let Some(start) = rest.find('{') {
                let Some(end) = rest[start..].find('}') else {
                    self.err(p, "PV011", &format!("{path}[{i}]"), "a `{` is not closed");
                    break;
                };
                let inner = &rest[start + 1..start + end];
                let name = inner.split('=').next().unwrap_or("").trim();
                if props.as_ref().is_some_and(|ps| !ps.contains(name)) || name.is_empty() {
                    self.err(
                        p,
                        "PV011",
                        &format!("{path}[{i}]"),
                        format!("placeholder `{{{name}}}` is not a parameter"),
                    );
                }
                rest = &rest[start + end + 1..];
            }
        }
    }

    /// A declared title's placeholders must name parameters (PV011, like an alias's).
    fn check_title(&mut self, p: &Parsed, title: Option<&str>, params: &Value) {
        let Some(title) = title else { return };
        if title.trim().is_empty() || title.chars().count() > crate::title::MAX_TITLE_CHARS {
            self.err(
                p,
                "PV011",
                "spec.title",
                format!("a title has 1 to {} characters", crate::title::MAX_TITLE_CHARS),
            );
            return;
        }
        let props = schema_properties(params);
        match crate::title::placeholders(title) {
            Err(why) => self.err(p, "PV011", "spec.title", why),
            Ok(names) => {
                for name in names {
                    if props.as_ref().is_some_and(|ps| !ps.contains(name.as_str())) {
                        self.err(p, "PV011", "spec.title", format!("placeholder `{{{name}}}` is not a parameter"));
                    }
                }
            }
        }
    }

    fn check_template(
        &mut self,
        p: &Parsed,
        spec: &TemplateSpec,
        actions: &BTreeMap<String, ActionDef>,
        names: &[String],
    ) {
        self.check_schema(p, "spec.params", &spec.params);
        self.check_aliases(p, "spec.aliases", &spec.aliases, &spec.params);
        self.check_title(p, spec.title.as_deref(), &spec.params);
        if spec.steps.is_empty() || spec.steps.len() > 50 {
            self.err(p, "PV014", "spec.steps", "a template has 1 to 50 steps");
        }
        let schemas = [spec.params.clone()];
        let mut ids = BTreeSet::new();
        for (i, step) in spec.steps.iter().enumerate() {
            let path = format!("spec.steps[{i}]");
            if !ids.insert(step.id.clone()) {
                self.err(p, "PV004", &format!("{path}.id"), format!("duplicate step id `{}`", step.id));
            }
            if !names.contains(&step.action) {
                self.err(p, "PV013", &format!("{path}.action"), format!("no action named `{}`", step.action));
            } else if let Some(schema) = self.action_schema(&step.action, actions)
                && let Some(props) = schema_properties(&schema)
            {
                for k in step.params.keys() {
                    if !props.contains(k) {
                        self.err(
                            p,
                            "PV013",
                            &format!("{path}.params.{k}"),
                            format!("`{}` has no parameter `{k}`", step.action),
                        );
                    }
                }
            }
            self.templates(
                p,
                &format!("{path}.params"),
                &serde_json::to_value(&step.params).unwrap_or_default(),
                &schemas,
            );
            if let Some(w) = &step.when {
                self.expr(p, &format!("{path}.when"), w, &schemas);
            }
        }
    }

    fn check_policy(
        &mut self,
        p: &Parsed,
        pd: &crate::document::PolicyDoc,
        actions: &BTreeMap<String, ActionDef>,
    ) -> PolicyDef {
        let spec = &pd.spec;
        let mut rules = Vec::new();
        let mut rule_names = BTreeSet::new();
        for (i, rule) in spec.rules.iter().enumerate() {
            let path = format!("spec.rules[{i}]");
            if !rule_names.insert(rule.name.clone()) {
                self.err(
                    p,
                    "PV004",
                    &format!("{path}.name"),
                    format!("rule `{}` appears twice in this policy", rule.name),
                );
            }
            if rule.actions.is_empty() {
                self.err(p, "PV014", &format!("{path}.actions"), "name at least one action or glob");
            }
            for (j, a) in rule.actions.iter().enumerate() {
                if !glob::valid_glob(a) {
                    self.err(
                        p,
                        "PV004",
                        &format!("{path}.actions[{j}]"),
                        format!("`{a}` is not an action name or glob"),
                    );
                }
            }
            match (rule.effect, rule.approvals.is_empty()) {
                (Effect::RequireApproval, true) => self.err(
                    p,
                    "PV009",
                    &format!("{path}.approvals"),
                    "require_approval needs at least one approval stage",
                ),
                (Effect::Allow | Effect::Deny, false) => self.err(
                    p,
                    "PV009",
                    &format!("{path}.approvals"),
                    format!("approvals only apply to require_approval, not {}", rule.effect.as_str()),
                ),
                _ => {}
            }
            for (j, stage) in rule.approvals.iter().enumerate() {
                let sp = format!("{path}.approvals[{j}]");
                if stage.groups().is_empty() {
                    self.err(p, "PV009", &sp, "a stage names a `group` or `anyOf` groups");
                }
                if !(1..=20).contains(&stage.count) {
                    self.err(p, "PV014", &format!("{sp}.count"), "must be between 1 and 20");
                }
            }
            // `params.x` in a rule is checked against the schemas of the actions it covers.
            let schemas: Vec<Value> = self
                .all_action_names(actions)
                .iter()
                .filter(|n| rule.actions.iter().any(|g| glob::matches(g, n)))
                .filter_map(|n| self.action_schema(n, actions))
                .collect();
            let when = rule.when.as_ref().and_then(|w| self.expr(p, &format!("{path}.when"), w, &schemas));
            rules.push(RuleDef {
                policy: pd.metadata.name.clone(),
                rule: rule.clone(),
                origin: Self::origin(p, &path),
                when,
            });
        }
        for (i, l) in spec.limits.iter().enumerate() {
            if l.per_minute.is_none() && l.per_hour.is_none() {
                self.err(p, "PV014", &format!("spec.limits[{i}]"), "give perMinute, perHour or both");
            }
            if l.per_minute == Some(0) || l.per_hour == Some(0) {
                self.err(
                    p,
                    "PV014",
                    &format!("spec.limits[{i}]"),
                    "a limit of 0 blocks everything; use a deny rule instead",
                );
            }
        }
        if let Some(b) = &spec.budget {
            if !(b.daily > 0.0 && b.daily.is_finite()) {
                self.err(p, "PV014", "spec.budget.daily", "must be a positive number");
            }
            if let Err(e) = parse_tz(&b.timezone) {
                self.err(p, "PV010", "spec.budget.timezone", e);
            }
            for (i, a) in b.alert_at.iter().enumerate() {
                if !(*a > 0.0 && *a <= 1.0) {
                    self.err(
                        p,
                        "PV014",
                        &format!("spec.budget.alertAt[{i}]"),
                        "alert thresholds are fractions in (0, 1]",
                    );
                }
            }
        }
        if let Some(a) = &spec.adaptive_budget {
            for (field, v) in [("min", a.min), ("max", a.max)] {
                if v.is_some_and(|v| !(v > 0.0 && v.is_finite())) {
                    self.err(p, "PV014", &format!("spec.adaptiveBudget.{field}"), "must be a positive number");
                }
            }
            if let (Some(lo), Some(hi)) = (a.min, a.max)
                && lo > hi
            {
                self.err(p, "PV014", "spec.adaptiveBudget", format!("min {lo} is above max {hi}"));
            }
            if a.apply == crate::document::AdaptiveApply::Automatic && (a.min.is_none() || a.max.is_none()) {
                self.err(
                    p,
                    "PV014",
                    "spec.adaptiveBudget",
                    "automatic application needs the bounds it keeps to: give min and max",
                );
            }
        }
        let mut windows = Vec::new();
        for (i, w) in spec.windows.iter().enumerate() {
            match WindowSpec::parse(w) {
                Ok(ws) => windows.push((w.clone(), ws, Self::origin(p, &format!("spec.windows[{i}]")))),
                Err(e) => self.err(p, "PV010", &format!("spec.windows[{i}]"), e),
            }
        }
        let mut blackouts = Vec::new();
        for (i, b) in spec.blackouts.iter().enumerate() {
            match BlackoutSpec::parse(b) {
                Ok(bs) => blackouts.push((b.clone(), bs, Self::origin(p, &format!("spec.blackouts[{i}]")))),
                Err(e) => self.err(p, "PV010", &format!("spec.blackouts[{i}]"), e),
            }
        }
        if let Some(a) = &spec.approval
            && let Err(e) = parse_duration(&a.ttl)
        {
            self.err(p, "PV010", "spec.approval.ttl", e);
        }
        if let Some(g) = &spec.grants
            && let Err(e) = parse_duration(&g.max_duration)
        {
            self.err(p, "PV010", "spec.grants.maxDuration", e);
        }
        if let Some(a) = &spec.autonomy
            && a.max_cost_per_plan.is_some_and(|c| c < 0.0)
        {
            self.err(p, "PV014", "spec.autonomy.maxCostPerPlan", "must not be negative");
        }
        PolicyDef {
            name: pd.metadata.name.clone(),
            org: pd.metadata.org.clone(),
            project: pd.metadata.project.clone(),
            spec: spec.clone(),
            origin: Self::origin(p, ""),
            rules,
            windows,
            blackouts,
        }
    }
}

/// Convenience for callers holding a set behind an `Arc`.
pub type SharedSet = Arc<PolicySet>;
