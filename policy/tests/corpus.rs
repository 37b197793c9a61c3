//! The example policies compile and verify clean; every file of `policies/examples/broken/`
//! produces exactly the diagnostic its name says.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use praetor_policy::load::load_paths;
use praetor_policy::{CompileContext, Diagnostic, Source, Tree, VerifyContext, verify};

const BUILTINS: &[&str] = &[
    "state.set",
    "state.patch",
    "state.delete",
    "state.increment",
    "http.request",
    "chat.post",
    "delay",
    "approval.gate",
    "plan.run",
];

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/examples")
}

fn example_sources() -> Vec<Source> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let (sources, diags) = load_paths(&files);
    assert!(diags.is_empty(), "{diags:?}");
    sources
}

fn ctx() -> CompileContext {
    CompileContext {
        builtins: BUILTINS.iter().map(|n| (n.to_string(), serde_json::json!({"type": "object"}))).collect(),
        org: Some("demo".into()),
        ..Default::default()
    }
}

fn verify_ctx(tree: &Tree, extra_role: bool) -> VerifyContext {
    let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let mut groups = BTreeMap::new();
    groups.insert("sre-leads".to_string(), set(&["alice@demo.test", "carol@demo.test"]));
    groups.insert("change-board".to_string(), set(&["carol@demo.test"]));
    groups.insert("cto-office".to_string(), set(&["alice@demo.test"]));
    groups.insert("solo".to_string(), set(&["bob@demo.test"]));
    let mut roles = BTreeMap::new();
    roles.insert("project_admin".to_string(), vec!["policy.*".to_string(), "action.invoke:*".to_string()]);
    roles.insert(
        "operator".to_string(),
        vec!["plan.propose".to_string(), "action.invoke:*".to_string(), "policy.read".to_string()],
    );
    roles.insert("approver".to_string(), vec!["plan.approve".to_string(), "policy.read".to_string()]);
    if extra_role {
        roles.insert("release-manager".to_string(), vec!["policy.*".to_string(), "action.invoke:deploy.*".to_string()]);
    }
    let mut actions: BTreeSet<String> = BUILTINS.iter().map(|s| s.to_string()).collect();
    actions.extend(tree.base.actions.keys().cloned());
    VerifyContext {
        actions,
        groups,
        proposers: set(&["bob@demo.test"]),
        role_permissions: roles,
        org_set: Some(Arc::new(tree.base.clone())),
    }
}

fn verify_tree(tree: &Tree, extra_role: bool) -> Vec<Diagnostic> {
    let ctx = verify_ctx(tree, extra_role);
    let mut out = verify(&tree.base, &ctx);
    for set in tree.projects.values() {
        out.extend(verify(set, &ctx));
    }
    out
}

#[test]
fn examples_compile_and_verify_clean() {
    let tree = Tree::compile(&example_sources(), &ctx())
        .unwrap_or_else(|d| panic!("{}", praetor_policy::diag::render_human(&d)));
    assert!(tree.base.actions.contains_key("deploy.web"));
    assert!(tree.base.templates.contains_key("release"));
    assert!(tree.projects.contains_key("payments"));
    let findings = verify_tree(&tree, false);
    assert!(findings.is_empty(), "{}", praetor_policy::diag::render_human(&findings));
}

#[test]
fn every_broken_example_gives_exactly_its_code() {
    let dir = examples_dir().join("broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut covered = BTreeSet::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let code = &name[..5];
        let text = std::fs::read_to_string(&file).unwrap();
        let mut sources = example_sources();
        sources.push(Source::new(name.clone(), text));
        let diags = match Tree::compile(&sources, &ctx()) {
            Err(d) => d,
            Ok(tree) => verify_tree(&tree, code == "PV109"),
        };
        assert!(!diags.is_empty(), "{name}: no diagnostic");
        for d in &diags {
            assert_eq!(d.code, code, "{name}: {}", praetor_policy::diag::render_human(&diags));
            assert!(
                d.location.file.ends_with(&name) || d.location.file.contains("examples"),
                "{name}: {:?}",
                d.location
            );
            assert!(d.location.line >= 1);
        }
        covered.insert(code.to_string());
    }
    let all: BTreeSet<String> = praetor_policy::diag::CODES.iter().map(|(c, _)| c.to_string()).collect();
    assert_eq!(covered, all, "every code has a broken example");
}

#[test]
fn renderers_name_file_line_and_path() {
    let src = Source::new(
        "bad.yaml",
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {name: x, org: demo}\nspec:\n  rules:\n    - name: r\n      actions: [\"*\"]\n      when: 'nope.x'\n      effect: deny\n",
    );
    let diags = Tree::compile(&[src], &ctx()).unwrap_err();
    let human = praetor_policy::diag::render_human(&diags);
    assert!(human.starts_with("bad.yaml:8:7: error[PV006]"), "{human}");
    assert!(human.contains("(at spec.rules[0].when)"), "{human}");
    let sarif: serde_json::Value = serde_json::from_str(&praetor_policy::diag::render_sarif(&diags)).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "PV006");
    assert_eq!(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 8);
    let json: serde_json::Value = serde_json::from_str(&praetor_policy::diag::render_json(&diags)).unwrap();
    assert_eq!(json["diagnostics"][0]["location"]["path"], "spec.rules[0].when");
}

/// A policy document with `n` rules: `deploy.s<i>` denied unconditionally, then for every
/// fifth one a later allow that can never decide (PV102), and a glob rule shadowing them all.
fn many_rules(n: usize) -> String {
    let mut text =
        String::from("apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: { name: big, org: demo }\nspec:\n  rules:\n");
    for i in 0..n {
        let (name, action, effect) = match i % 5 {
            4 => (format!("late-{i}"), format!("deploy.s{}", i - 1), "allow"),
            _ => (format!("r-{i}"), format!("deploy.s{i}"), "deny"),
        };
        text.push_str(&format!("    - {{ name: {name}, actions: [\"{action}\"], effect: {effect} }}\n"));
    }
    text
}

#[test]
fn verification_indexes_rules_and_still_finds_every_shadowed_rule() {
    let n = 1_000;
    let sources = vec![Source::new("big.yaml", many_rules(n))];
    let mut c = ctx();
    c.builtins.extend((0..n).map(|i| (format!("deploy.s{i}"), serde_json::json!({"type": "object"}))));
    let tree = Tree::compile(&sources, &c).unwrap();
    let mut v = verify_ctx(&tree, false);
    v.actions.extend((0..n).map(|i| format!("deploy.s{i}")));
    let found = verify(&tree.base, &v);
    let shadowed: Vec<&Diagnostic> = found.iter().filter(|d| d.code == "PV102").collect();
    assert_eq!(shadowed.len(), n / 5, "{found:?}");
    assert!(shadowed[0].message.contains("`r-3` (deny)"), "{}", shadowed[0].message);
}

#[test]
fn oversized_bundles_are_refused_with_where() {
    let sources = vec![Source::new("huge.yaml", many_rules(1_001))];
    let err = Tree::compile(&sources, &ctx()).unwrap_err();
    assert_eq!(err[0].code, "PV002", "{err:?}");
    assert!(err[0].message.contains("1001 rules"), "{}", err[0].message);
    assert_eq!(err[0].location.file, "huge.yaml");
    // Six documents of 900 rules each: each fits, the bundle does not.
    let six: Vec<Source> = (0..6)
        .map(|i| Source::new(format!("p{i}.yaml"), many_rules(900).replace("name: big", &format!("name: big{i}"))))
        .collect();
    let err = Tree::compile(&six, &ctx()).unwrap_err();
    assert!(err.iter().any(|d| d.code == "PV002" && d.message.contains("per bundle")), "{err:?}");
}

/// A project's set is known by its own documents: a bundle that changes only the organization's
/// documents leaves its content hash alone; changing the project's document changes it.
#[test]
fn a_project_sets_content_hash_follows_its_own_documents() {
    let bundle = |daily: u32, rule: &str| {
        vec![
            Source::new(
                "base.yaml",
                format!(
                    "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: base, org: demo }}\nspec:\n  budget: {{ daily: {daily}, unit: USD }}\n"
                ),
            ),
            Source::new(
                "web.yaml",
                format!(
                    "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: w, org: demo, project: web }}\nspec:\n  rules:\n    - {{ name: {rule}, actions: [\"state.set\"], effect: allow }}\n"
                ),
            ),
        ]
    };
    let web = |daily, rule| Tree::compile(&bundle(daily, rule), &ctx()).unwrap().projects["web"].content_hash();
    let base = |daily, rule| Tree::compile(&bundle(daily, rule), &ctx()).unwrap().base.content_hash();
    assert_eq!(web(100, "open"), web(200, "open"));
    assert_ne!(web(100, "open"), web(100, "shut"));
    assert_ne!(base(100, "open"), base(200, "open"));
    assert_eq!(base(100, "open"), base(100, "shut"));
}
