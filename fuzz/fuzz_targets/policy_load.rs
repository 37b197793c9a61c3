//! Policy YAML as a project admin (or a compromised admin key) could apply it: parsed, compiled
//! as a one-file bundle, statically verified, and then used the way the server uses a policy
//! (decisions, windows, budgets, the chat catalog, a diff against the examples).
//!
//! Findings are panics, hangs (libFuzzer `-timeout`), stack overflows on a 2 MiB stack and memory
//! blow-ups (`-rss_limit_mb`). Diagnostics are accepted, but must be well formed: a line and
//! column of at least 1 (editors jump there) and JSON/SARIF renderings that parse.

#![no_main]

use libfuzzer_sys::fuzz_target;
use praetor_fuzz::{catalog_for, compile_context, effective_for, examples, expand_template, moments, simulate_step};
use praetor_planner::{AliasPlanner, Memory, help_for};
use praetor_policy::{Diagnostic, Source, Tree, diag, load, verify};
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    // The API takes policy text as a JSON string: it is UTF-8 before the library sees it.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.to_string();
    praetor_fuzz::on_server_stack(move || check(&text));
});

fn check(text: &str) {
    let source = Source::new("fuzz.yaml", text);
    if let Err(diags) = load::parse(&source) {
        well_formed(&diags);
        return;
    }
    let tree = match Tree::compile(std::slice::from_ref(&source), &compile_context()) {
        Ok(tree) => tree,
        Err(diags) => {
            well_formed(&diags);
            return;
        }
    };
    let ctx = praetor_fuzz::verify_context(&tree);
    let mut findings = verify(&tree.base, &ctx);
    for set in tree.projects.values() {
        findings.extend(verify(set, &ctx));
    }
    well_formed(&findings);
    std::hint::black_box(praetor_policy::diff::diff(&examples().tree.base, &tree.base));

    let params = json!({"service": "web", "env": "prod", "version": 2, "replicas": 20, "flag": "dark-mode",
        "enabled": true, "key": "k", "title": "t"});
    let projects = std::iter::once(None).chain(tree.projects.keys().map(|p| Some(p.as_str())));
    for (i, project) in projects.enumerate() {
        let effective = effective_for(&tree, project);
        let now = moments()[i % 3];
        let mut names: Vec<String> = praetor_fuzz::builtins().into_iter().map(|(n, _, _)| n.to_string()).collect();
        names.extend(effective.actions().iter().map(|a| a.name.clone()));
        for name in &names {
            simulate_step(&effective, name, &params, now);
            std::hint::black_box(effective.limits_for(name));
        }
        for t in effective.templates() {
            std::hint::black_box(expand_template(&effective, &t.name, &params, now));
        }
        std::hint::black_box((effective.budgets(), effective.autonomy(), effective.reads_usage()));
        std::hint::black_box(effective.approval_ttl(chrono::Duration::hours(24)));
        std::hint::black_box((effective.egress_allows("x.hooks.example.com"), effective.grants()));
        // The chat catalog compiles the policy's aliases and parameter schemas.
        let catalog = catalog_for(&effective);
        std::hint::black_box(help_for(&catalog, None).text());
        std::hint::black_box(AliasPlanner::new().plan_text("deploy web to prod", &catalog, &Memory::new()));
    }
}

fn well_formed(diags: &[Diagnostic]) {
    for d in diags {
        assert!(d.location.line >= 1 && d.location.column >= 1, "diagnostic without a position: {d:?}");
    }
    let json = diag::render_json(diags);
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "render_json is not JSON: {json}");
    let sarif = diag::render_sarif(diags);
    assert!(serde_json::from_str::<serde_json::Value>(&sarif).is_ok(), "render_sarif is not JSON: {sarif}");
    std::hint::black_box(diag::render_human(diags));
}
