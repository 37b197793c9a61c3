//! What the fuzz targets share: the example policies compiled once, a chat catalog built the way
//! the server builds it, the steps the server takes after a planner proposes something
//! (render templates, compute costs, decide), and a generator of bounded JSON values.
//!
//! This is test harness code: a broken invariant *should* panic, because a panic is how
//! libFuzzer learns that an input is a finding. Everything the library under test returns as an
//! error is accepted silently; only panics, hangs, stack overflows and memory blow-ups count.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock, Mutex, mpsc};

use arbitrary::Unstructured;
use chrono::{DateTime, Utc};
use praetor_planner::{Catalog, CatalogEntry, Risk};
use praetor_policy::document::Cost;
use praetor_policy::expr::{self, Input};
use praetor_policy::{CompileContext, DecisionInput, Effective, Layer, Level, Source, Tree, VerifyContext};
use serde_json::{Map, Number, Value, json};

/// Stack of the thread the work runs on. The server runs policy compilation, decisions and
/// planners on tokio worker and blocking threads, whose stacks are 2 MiB; libFuzzer's main
/// thread has 8 MiB, which would hide recursion that overflows in production.
pub const STACK_BYTES: usize = 2 * 1024 * 1024;

type Job = Box<dyn FnOnce() + Send>;

/// One long-lived worker, like a server thread: thread-local caches (the CEL function registry
/// in `praetor_policy::expr`) are built once, as they are in production, not once per input.
static WORKER: LazyLock<Mutex<mpsc::Sender<Job>>> = LazyLock::new(|| {
    let (tx, rx) = mpsc::channel::<Job>();
    let spawned = std::thread::Builder::new().name("fuzz-worker".into()).stack_size(STACK_BYTES).spawn(move || {
        for job in rx {
            job();
        }
    });
    if let Err(e) = spawned {
        // Not a finding: without the worker no input can run at all.
        panic!("fuzz harness: cannot start the worker thread: {e}");
    }
    Mutex::new(tx)
});

/// Runs `f` on the worker thread (a server-sized stack) and returns its result. A panic there
/// aborts the process through libfuzzer-sys' panic hook, which is how libFuzzer sees it.
pub fn on_server_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (done, result) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        let _ = done.send(f());
    });
    let sent = match WORKER.lock() {
        Ok(worker) => worker.send(job).is_ok(),
        Err(_) => false,
    };
    match result.recv() {
        Ok(r) if sent => r,
        _ => panic!("fuzz harness: the worker thread is gone"),
    }
}

/// The server's built-in actions, their parameter schemas and chat phrasings. A copy of
/// `api/src/actions/mod.rs` (`BUILTINS`) and `api/src/chat/runtime.rs` (`BUILTIN_PHRASES`): the
/// fuzz crate does not depend on the server crate. A drift only changes what gets fuzzed.
pub fn builtins() -> Vec<(&'static str, Value, &'static [&'static str])> {
    let key = json!({"type": "string", "minLength": 1, "maxLength": 512});
    vec![
        (
            "state.set",
            json!({"type": "object", "required": ["key", "value"], "additionalProperties": false,
                "properties": {"key": key, "value": {}}}),
            &["set {key} to {value}"],
        ),
        (
            "state.patch",
            json!({"type": "object", "required": ["patch"], "additionalProperties": false,
                "properties": {"key": key, "patch": {"type": "object"}}}),
            &[],
        ),
        (
            "state.delete",
            json!({"type": "object", "required": ["key"], "additionalProperties": false,
                "properties": {"key": key}}),
            &["delete {key}", "remove {key}"],
        ),
        (
            "state.increment",
            json!({"type": "object", "required": ["key"], "additionalProperties": false,
                "properties": {"key": key, "by": {"type": "number", "default": 1}}}),
            &["increment {key} by {by=1}"],
        ),
        (
            "http.request",
            json!({"type": "object", "required": ["url"], "additionalProperties": false,
                "properties": {
                    "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], "default": "GET"},
                    "url": {"type": "string", "minLength": 8, "maxLength": 2048},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "body": {},
                    "timeoutSeconds": {"type": "integer", "minimum": 1, "maximum": 60, "default": 10}}}),
            &[],
        ),
        (
            "chat.post",
            json!({"type": "object", "required": ["text"], "additionalProperties": false,
                "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 4000}}}),
            &[],
        ),
        (
            "delay",
            json!({"type": "object", "required": ["seconds"], "additionalProperties": false,
                "properties": {"seconds": {"type": "integer", "minimum": 0, "maximum": 604800}}}),
            &[],
        ),
        (
            "approval.gate",
            json!({"type": "object", "required": ["group"], "additionalProperties": false,
                "properties": {"group": {"type": "string", "minLength": 1},
                    "count": {"type": "integer", "minimum": 1, "maximum": 20, "default": 1},
                    "name": {"type": "string"}, "allowEarlierApprovers": {"type": "boolean", "default": false}}}),
            &[],
        ),
        (
            "plan.run",
            json!({"type": "object", "required": ["template"], "additionalProperties": false,
                "properties": {"template": {"type": "string", "minLength": 1}, "args": {"type": "object"}}}),
            &[],
        ),
    ]
}

/// What policy compilation knows in the demo organization (as `policy/tests/corpus.rs`).
pub fn compile_context() -> CompileContext {
    CompileContext {
        builtins: builtins().into_iter().map(|(n, s, _)| (n.to_string(), s)).collect(),
        org: Some("demo".into()),
        ..Default::default()
    }
}

/// The demo organization's groups, roles and proposers, for verification.
pub fn verify_context(tree: &Tree) -> VerifyContext {
    let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let mut groups = BTreeMap::new();
    groups.insert("sre-leads".to_string(), set(&["alice@demo.test", "carol@demo.test"]));
    groups.insert("change-board".to_string(), set(&["carol@demo.test"]));
    groups.insert("cto-office".to_string(), set(&["alice@demo.test"]));
    let mut roles = BTreeMap::new();
    roles.insert("project_admin".to_string(), vec!["policy.*".to_string(), "action.invoke:*".to_string()]);
    roles.insert("operator".to_string(), vec!["plan.propose".to_string(), "action.invoke:*".to_string()]);
    roles.insert("approver".to_string(), vec!["plan.approve".to_string()]);
    let mut actions: BTreeSet<String> = builtins().into_iter().map(|(n, _, _)| n.to_string()).collect();
    actions.extend(tree.base.actions.keys().cloned());
    VerifyContext {
        actions,
        groups,
        proposers: set(&["bob@demo.test"]),
        role_permissions: roles,
        org_set: Some(Arc::new(tree.base.clone())),
    }
}

/// `policies/examples/*.yaml`, embedded so a fuzz binary runs from any directory.
pub const EXAMPLE_FILES: &[(&str, &str)] = &[
    ("actions.yaml", include_str!("../../policies/examples/actions.yaml")),
    ("org.yaml", include_str!("../../policies/examples/org.yaml")),
    ("project-payments.yaml", include_str!("../../policies/examples/project-payments.yaml")),
    ("templates.yaml", include_str!("../../policies/examples/templates.yaml")),
];

/// The example policies, compiled, and what the server derives from them.
pub struct Examples {
    pub tree: Tree,
    /// The `payments` project's effective policy: the organization's layer, then the project's.
    pub effective: Effective,
    /// What chat in `payments` may propose: the built-in state actions with their phrasings,
    /// then the policy's actions and templates (as `api/src/chat/runtime.rs` builds it).
    pub catalog: Catalog,
}

static EXAMPLES: LazyLock<Examples> = LazyLock::new(|| {
    let sources: Vec<Source> = EXAMPLE_FILES.iter().map(|(n, t)| Source::new(*n, *t)).collect();
    let tree = match Tree::compile(&sources, &compile_context()) {
        Ok(t) => t,
        // A harness problem, not a finding: the examples are checked by policy/tests/corpus.rs.
        Err(d) => {
            panic!("fuzz harness: the example policies do not compile:\n{}", praetor_policy::diag::render_human(&d))
        }
    };
    let effective = effective_for(&tree, Some("payments"));
    let catalog = catalog_for(&effective);
    Examples { tree, effective, catalog }
});

/// See [`Examples`]. Built on first use, then shared by every run.
pub fn examples() -> &'static Examples {
    &EXAMPLES
}

/// The effective policy of `project` (or of the organization alone).
pub fn effective_for(tree: &Tree, project: Option<&str>) -> Effective {
    let mut layers = vec![Layer { level: Level::Org, set: Arc::new(tree.base.clone()), version: "org@1".into() }];
    if let Some(set) = project.and_then(|p| tree.projects.get(p)) {
        layers.push(Layer { level: Level::Project, set: Arc::new(set.clone()), version: "project@1".into() });
    }
    Effective::new(layers)
}

/// The chat catalog of an effective policy, as the server builds it.
pub fn catalog_for(effective: &Effective) -> Catalog {
    let builtin =
        builtins().into_iter().filter(|(_, _, phrases)| !phrases.is_empty()).map(|(name, schema, phrases)| {
            CatalogEntry::action(name, "", schema)
                .with_aliases(phrases.iter().copied())
                .with_risk(Risk::Low)
                .with_cost(Some(0.0))
        });
    Catalog::new(builtin.chain(Catalog::from_effective(effective).entries().cloned()))
}

/// Moments the decisions are taken at: inside the example blackout (Christmas 2026), a Friday
/// afternoon (the payments flag rule), and a Monday night outside the scaling window.
pub fn moments() -> Vec<DateTime<Utc>> {
    [1_798_192_800, 1_795_788_000, 1_795_402_800]
        .into_iter()
        .map(|s| DateTime::from_timestamp(s, 0).unwrap_or(DateTime::UNIX_EPOCH))
        .collect()
}

static STATE: LazyLock<Value> = LazyLock::new(|| {
    json!({"freeze": false, "deployments": {"web-prod": {"version": 3}}, "flags": {"dark-mode": true},
        "restarts": {"web": 2}, "replicas": {"api": 4}})
});
static PRINCIPAL: LazyLock<Value> =
    LazyLock::new(|| json!({"email": "bob@demo.test", "kind": "user", "roles": ["operator"], "groups": ["solo"]}));
static USAGE: LazyLock<Value> = LazyLock::new(|| json!({"today": 12.5, "plansThisHour": 3}));

/// What the server does with one proposed step once its parameters passed the schema: decide
/// it, check its windows, render the handler's and the compensation's templates, compute its
/// cost. Errors are fine (the server refuses the step); only panics and hangs are findings.
pub fn simulate_step(effective: &Effective, action: &str, params: &Value, now: DateTime<Utc>) {
    let empty = json!({});
    let plan = json!({"steps": [{"action": action, "params": params}]});
    let decision = effective.decide(&DecisionInput {
        action,
        params,
        state: &STATE,
        principal: &PRINCIPAL,
        plan: &plan,
        now,
        usage: &USAGE,
    });
    std::hint::black_box(&decision);
    std::hint::black_box(effective.window_status(action, now));
    let Some((def, _)) = effective.action(action) else { return };
    let input = Input { params, state: &empty, principal: &empty, plan: &empty, now, usage: &empty };
    let lookup = |src: &str| effective.expr(src);
    if let Some(with) = &def.spec.handler.with {
        std::hint::black_box(expr::render(with, &input, &lookup).ok());
    }
    if let Some(comp) = &def.spec.compensation
        && let Ok(template) = serde_json::to_value(&comp.params)
    {
        std::hint::black_box(expr::render(&template, &input, &lookup).ok());
    }
    if let Cost::Computed { expr: src } = &def.spec.cost {
        std::hint::black_box(effective.expr(src).and_then(|c| expr::eval_number(&c, &input)).ok());
    }
}

/// A template's steps for `args`, as `api/src/services/plans.rs` (`expand_template`) expands
/// them: a step whose `when` is false is left out, the others' parameters are rendered.
pub fn expand_template(effective: &Effective, name: &str, args: &Value, now: DateTime<Utc>) -> Vec<(String, Value)> {
    let Some((t, _)) = effective.template(name) else { return Vec::new() };
    let empty = json!({});
    let input = Input { params: args, state: &empty, principal: &empty, plan: &empty, now, usage: &empty };
    let lookup = |src: &str| effective.expr(src);
    let mut out = Vec::new();
    for step in &t.spec.steps {
        if let Some(w) = &step.when {
            match effective.expr(w).and_then(|c| expr::eval_bool(&c, &input)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => return Vec::new(),
            }
        }
        let Ok(template) = serde_json::to_value(&step.params) else { return Vec::new() };
        match expr::render(&template, &input, &lookup) {
            Ok(params) => out.push((step.action.clone(), params)),
            Err(_) => return Vec::new(),
        }
    }
    out
}

/// Words the example schemas, rules and aliases care about: generated values hit enums,
/// required names and rule conditions far more often than random strings would.
#[rustfmt::skip] // a word list, not one word per line
pub const WORDS: &[&str] = &[
    "service", "env", "version", "replicas", "flag", "enabled", "title", "priority", "key", "value", "by", "patch",
    "url", "method", "headers", "body", "timeoutSeconds", "text", "seconds", "group", "count", "template", "args",
    "web", "api", "worker", "staging", "prod", "low", "high", "dark-mode", "GET", "POST", "release", "freeze", "",
    "https://tickets.example.com/x", "{{ params.service }}", "deploy.web", "\u{0}", "é", "\u{202e}",
];

/// How deep generated containers nest before only scalars are produced.
const MAX_DEPTH: u32 = 6;
/// How deep a "chain" (a value wrapped in single-element arrays and objects) may go: the depth
/// serde_json accepts when the server parses a request body.
const MAX_CHAIN: usize = 128;

/// A JSON value built from fuzzer bytes: scalars of every JSON kind (with the integers and
/// floats at schema bounds), strings from [`WORDS`] or arbitrary, containers of at most eight
/// entries, and occasionally a deep single-path chain.
pub fn json_value(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Value> {
    let kinds = if depth >= MAX_DEPTH { 5 } else { 8 };
    Ok(match u.int_in_range(0..=kinds)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(number(u)?),
        3 => Value::String(word(u)?),
        4 => Value::String(u.arbitrary()?),
        5 => Value::Number(number(u)?),
        6 => {
            let n = u.int_in_range(0..=8)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(json_value(u, depth + 1)?);
            }
            Value::Array(items)
        }
        7 => json_object(u, depth + 1)?,
        _ => {
            let n = u.int_in_range(1..=MAX_CHAIN)?;
            let mut v = json_value(u, MAX_DEPTH)?;
            for i in 0..n {
                v = if i % 2 == 0 { Value::Array(vec![v]) } else { json!({ "k": v }) };
            }
            v
        }
    })
}

/// A JSON object whose keys are mostly [`WORDS`].
pub fn json_object(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Value> {
    let n = u.int_in_range(0..=8)?;
    let mut map = Map::new();
    for _ in 0..n {
        let key = if u.ratio(1, 8)? { u.arbitrary()? } else { word(u)? };
        map.insert(key, json_value(u, depth)?);
    }
    Ok(Value::Object(map))
}

fn word(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    Ok((*u.choose(WORDS)?).to_string())
}

fn number(u: &mut Unstructured<'_>) -> arbitrary::Result<Number> {
    const EDGES: &[i64] = &[0, 1, -1, 10, 11, 20, 21, 50, 51, 60, 61, 512, 513, 604_800, 604_801, i64::MAX, i64::MIN];
    Ok(match u.int_in_range(0..=3)? {
        0 => Number::from(*u.choose(EDGES)?),
        1 => Number::from(u.arbitrary::<i64>()?),
        2 => Number::from(u.arbitrary::<u64>()?),
        // serde_json has no NaN or infinity: those become 0.5, a float where an integer is due.
        _ => Number::from_f64(u.arbitrary()?).unwrap_or_else(|| Number::from_f64(0.5).unwrap_or(Number::from(0))),
    })
}
