//! The library's layers, lowest first, and a test that keeps them true: a module may use modules
//! of lower layers only (never its own layer's others, never a higher one), so the module graph
//! has no cycles and the folder tree reads bottom-up. Below all of them are the crates
//! `praetor-domain` (ids, values, plan model, reducer, the decision pipeline), `praetor-policy`, `praetor-planner` and
//! `praetor-store` (the store's tenant-scoped queries), which Cargo already keeps acyclic.
//! Above all of them, outside the library, is the `praetor` binary (`src/cli/`): its commands,
//! the policy tooling and the benchmarks, which use the library as any other program would.

use std::collections::BTreeMap;
use std::path::Path;

const LAYERS: &[&[&str]] = &[
    &["request_id", "clock"],
    &["error"],
    &["config", "events", "actions", "cpu", "metrics"],
    &["db", "auth", "secrets", "oidc", "traces"],
    &["audit", "authz", "webhooks", "notifications"],
    // The unit of work: a transaction, its audit entries, its events.
    &["write"],
    // A chat session's log; the governance state the pipeline is fed, and its records.
    &["chatlog", "governance"],
    &["engine"],
    &["services"],
    // Conversations, built on the services.
    &["chat"],
    &["scheduler"],
    &["graphql", "worker"],
    &["http"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `crate::<module>` a top-level module's files mention outside comments.
fn uses() -> BTreeMap<String, BTreeMap<String, String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
            let module = rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
            if ["lib", "cli", "layers_test"].contains(&module.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let code = line.split("//").next().unwrap_or("");
                for (i, _) in code.match_indices("crate::") {
                    let used: String =
                        code[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if used != module && layer_of(&used).is_some() {
                        out.entry(module.clone()).or_default().entry(used).or_insert_with(|| rel.clone());
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().trim_end_matches(".rs").to_string();
        if ["lib", "cli", "layers_test"].contains(&name.as_str()) {
            continue;
        }
        assert!(layer_of(&name).is_some(), "api/src/{name} has no layer in layers_test.rs");
    }
}

#[test]
fn no_module_uses_its_own_layer_or_a_higher_one() {
    let mut wrong = Vec::new();
    for (module, used) in uses() {
        let mine = layer_of(&module).unwrap_or_else(|| panic!("{module} has no layer"));
        for (other, file) in used {
            let theirs = layer_of(&other).unwrap();
            if theirs >= mine {
                wrong.push(format!("{file}: `{module}` (layer {mine}) uses `{other}` (layer {theirs})"));
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}
