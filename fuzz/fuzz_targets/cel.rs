//! CEL expressions as a policy author writes them in `when`, computed costs and `{{ … }}`
//! templates. The `cel` crate has no cost limit of its own; `praetor_policy::expr` bounds length,
//! nesting and comprehensions before anything runs. This target checks those bounds hold: what
//! compiles must evaluate without a panic, a hang, or a stack overflow on a 2 MiB stack.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use praetor_policy::expr::{self, Input, MAX_EXPR_CHARS};
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    // Expressions come from YAML documents, which are UTF-8.
    let Ok(src) = std::str::from_utf8(data) else { return };
    let src = src.to_string();
    praetor_fuzz::on_server_stack(move || check(&src));
});

/// Inputs shaped like a real decision's, with lists for the comprehension macros to walk.
static PARAMS: LazyLock<Value> = LazyLock::new(|| {
    json!({"service": "web", "env": "prod", "version": 3, "replicas": 20, "ratio": 0.5, "enabled": true,
        "tags": ["prod", "eu", "canary"], "xs": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "title": "disk full on db-1",
        "nested": {"a": {"b": {"c": [1, {"d": null}]}}}, "empty": {}, "none": null, "big": 9_223_372_036_854_775_807_i64})
});
static STATE: LazyLock<Value> =
    LazyLock::new(|| json!({"freeze": false, "deployments": {"web-prod": {"version": 3}}, "restarts": {"web": 2}}));
static PRINCIPAL: LazyLock<Value> =
    LazyLock::new(|| json!({"email": "bob@demo.test", "roles": ["operator"], "groups": ["sre-leads"]}));
static PLAN: LazyLock<Value> =
    LazyLock::new(|| json!({"steps": [{"action": "deploy.web", "params": {"env": "prod"}}]}));
static USAGE: LazyLock<Value> = LazyLock::new(|| json!({"today": 12.5, "plansThisHour": 3}));

fn check(src: &str) {
    let input = Input {
        params: &PARAMS,
        state: &STATE,
        principal: &PRINCIPAL,
        plan: &PLAN,
        now: praetor_fuzz::moments()[0],
        usage: &USAGE,
    };
    if let Ok(compiled) = expr::compile(src) {
        let chars = src.chars().count();
        assert!(chars <= MAX_EXPR_CHARS, "compiled an expression of {chars} characters");
        std::hint::black_box(expr::eval_json(&compiled, &input).ok());
        std::hint::black_box(expr::eval_bool(&compiled, &input).ok());
        std::hint::black_box(expr::eval_number(&compiled, &input).ok());
        // The decision function's way: one scope for several conditions.
        std::hint::black_box(
            expr::with_scope(&input, &compiled.variables, |ctx| expr::eval_bool_in(&compiled, ctx)).ok(),
        );
    }
    // The same text as a template string (an action's `with`, a template step's params).
    let template = Value::String(src.to_string());
    std::hint::black_box(expr::render(&template, &input, &|s: &str| expr::compile(s)).ok());
}
