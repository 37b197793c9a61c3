//! `praetor scaffold`: every kind generated into a temporary folder validates and verifies
//! clean as generated; the handlers' own tests pass (Python, Node.js and Rust); a real plan runs
//! through the generated Python handler; nothing is overwritten without `--force`.

use std::path::Path;
use std::process::{Command, Stdio};

use praetor_tests::*;
use serde_json::json;

const SECRET: &str = "a-scaffold-test-signing-secret-0123456789";

/// `praetor scaffold …` in `dir`: (exit code, stdout, stderr).
fn scaffold(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = praetor_command().arg("scaffold").args(args).current_dir(dir).output().expect("run praetor");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `praetor policy validate|verify PATH` (no database): whether clean, and what it printed.
fn check(dir: &Path, what: &str, path: &str, org: Option<&str>) -> (bool, String) {
    let mut cmd = praetor_command();
    cmd.args(["policy", what, path]).current_dir(dir);
    if let Some(o) = org {
        cmd.args(["--org", o]);
    }
    let out = cmd.output().expect("run praetor");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn every_kind_validates_and_verifies_as_generated() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for args in [
        vec!["action", "inventory.restock", "--org", "acme"],
        vec!["policy", "baseline", "--org", "acme"],
        vec!["template", "close-item", "--org", "acme"],
        vec!["project", "web", "--org", "acme"],
        vec!["handler", "tickets.open", "--lang", "python", "--org", "acme"],
        vec!["handler", "alerts.page", "--lang", "node", "--org", "acme"],
        vec!["handler", "builds.start", "--lang", "rust", "--org", "acme"],
    ] {
        let (code, out, err) = scaffold(dir, &args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        assert!(out.contains("wrote "), "{out}");
    }
    for path in [
        "inventory.restock.action.yaml",
        "baseline.policy.yaml",
        "close-item.template.yaml",
        "web/policies",
        "tickets-open-handler/action.yaml",
        "alerts-page-handler/action.yaml",
        "builds-start-handler/action.yaml",
    ] {
        for what in ["validate", "verify"] {
            let (clean, out) = check(dir, what, path, (what == "validate").then_some("acme"));
            assert!(clean && out.contains("no problems found"), "{what} {path}: {out}");
        }
    }
    // Together they make one organization's bundle.
    let bundle = ["inventory.restock.action.yaml", "baseline.policy.yaml", "close-item.template.yaml"];
    let out = praetor_command().args(["policy", "verify"]).args(bundle).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let ci = std::fs::read_to_string(dir.join("web/.github/workflows/praetor-policy.yml")).unwrap();
    assert!(ci.contains("praetor policy verify policies/"), "{ci}");
    let readme = std::fs::read_to_string(dir.join("web/README.md")).unwrap();
    assert!(readme.contains("`acme`") && !readme.contains("__"), "{readme}");

    // The handlers' own tests pass as generated.
    let py = Command::new("python3")
        .args(["-m", "unittest", "-v"])
        .current_dir(dir.join("tickets-open-handler"))
        .output()
        .expect("python3");
    assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));
    assert!(String::from_utf8_lossy(&py.stderr).contains("Ran 5 tests"), "{}", String::from_utf8_lossy(&py.stderr));
    let node =
        Command::new("node").args(["--test"]).current_dir(dir.join("alerts-page-handler")).output().expect("node");
    let node_out = String::from_utf8_lossy(&node.stdout);
    assert!(node.status.success() && node_out.contains("# pass 5"), "{node_out}");
    for f in ["Dockerfile", "README.md", "package.json", "handler.mjs"] {
        assert!(dir.join("alerts-page-handler").join(f).exists(), "{f}");
    }
    let rust = Command::new("cargo")
        .args(["test", "--quiet"])
        .current_dir(dir.join("builds-start-handler"))
        .env("CARGO_TARGET_DIR", dir.join("rust-target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo");
    let rust_out = String::from_utf8_lossy(&rust.stdout);
    assert!(
        rust.status.success() && rust_out.contains("4 passed"),
        "{rust_out}{}",
        String::from_utf8_lossy(&rust.stderr)
    );
}

#[test]
fn nothing_is_overwritten_without_force_and_a_dry_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (code, out, _) = scaffold(dir, &["policy", "baseline", "--org", "acme", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(out.contains("==> ./baseline.policy.yaml <==") && out.contains("kind: Policy"), "{out}");
    assert!(!dir.join("baseline.policy.yaml").exists(), "a dry run writes nothing");

    assert_eq!(scaffold(dir, &["policy", "baseline", "--org", "acme"]).0, 0);
    std::fs::write(dir.join("baseline.policy.yaml"), "mine").unwrap();
    let (code, _, err) = scaffold(dir, &["policy", "baseline", "--org", "acme"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("baseline.policy.yaml exist(s) already; nothing was written (--force overwrites)"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("baseline.policy.yaml")).unwrap(), "mine");
    // A folder is written whole or not at all.
    std::fs::create_dir_all(dir.join("x-y-handler")).unwrap();
    std::fs::write(dir.join("x-y-handler/handler.py"), "mine").unwrap();
    assert_eq!(scaffold(dir, &["handler", "x.y", "--lang", "python"]).0, 1);
    assert!(!dir.join("x-y-handler/action.yaml").exists());
    assert_eq!(scaffold(dir, &["policy", "baseline", "--org", "acme", "--force"]).0, 0);
    assert!(std::fs::read_to_string(dir.join("baseline.policy.yaml")).unwrap().contains("kind: Policy"));

    // Usage errors say what is wrong and exit 2.
    let (code, _, err) = scaffold(dir, &["action", "Restock!"]);
    assert_eq!(code, 2);
    assert!(err.contains("the action `Restock!`: lowercase words"), "{err}");
    let (code, _, err) = scaffold(dir, &["handler", "a.b", "--lang", "python", "--url", "ftp://x/"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(scaffold(dir, &["handler", "a.b", "--lang", "cobol"]).0, 2);
}

/// The generated Python handler, listening on a free port until dropped.
struct Handler(std::process::Child);

impl Drop for Handler {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_plan_runs_through_the_generated_handler() {
    let app = spawn_with(SpawnOptions {
        allow_private_networks: true,
        signing_secret: Some(SECRET.into()),
        ..Default::default()
    })
    .await;
    app.project("web").await;
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    let (exit, out, err) =
        scaffold(tmp.path(), &["handler", "tickets.open", "--lang", "python", "--org", &app.org, "--url", &url]);
    assert_eq!(exit, 0, "{out}{err}");
    let dir = tmp.path().join("tickets-open-handler");
    let mut child = Command::new("python3")
        .arg("handler.py")
        .current_dir(&dir)
        .env("PRAETOR_SIGNING_SECRET", SECRET)
        .env("PORT", port.to_string())
        .env("HOST", "127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 handler.py");
    let stdout = child.stdout.take().unwrap();
    let _handler = Handler(child);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    assert!(line.contains(&format!("listening on port {port}")), "{line}");

    let action = std::fs::read_to_string(dir.join("action.yaml")).unwrap();
    let egress = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{name: egress, org: {}}}\nspec:\n  egress: {{allow: [\"127.0.0.1\"]}}\n",
        app.org
    );
    app.admin(
        APPLY,
        json!({"in": {"org": app.org, "sources": [{"name": "action.yaml", "text": action}, {"name": "egress.yaml", "text": egress}]}}),
    )
    .await;
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"id": "open", "action": "tickets.open", "params": {"item": "disk-full", "count": 2}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    let done = wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "SUCCEEDED").await;
    assert_eq!(done["progress"][0]["output"], json!({"item": "disk-full", "count": 2, "handledBy": "tickets.open"}));
    let state =
        app.admin("query($o: String!) { project(org: $o, slug: \"web\") { state } }", json!({"o": app.org})).await;
    assert_eq!(state["project"]["state"]["tickets_open"], json!({"disk-full": 2}));

    // Praetor's schema refuses bad parameters before the handler is called.
    let bad = app
        .gql(
            Some(&app.admin_key),
            PROPOSE,
            json!({"in": {"org": app.org, "project": "web", "steps": [{"action": "tickets.open", "params": {"count": 1}}]}}),
        )
        .await;
    let step = &ok(bad)["proposePlan"]["preview"]["steps"][0];
    assert_eq!(step["verdict"], "DENIED");
    let refused = step["checks"].as_array().unwrap().iter().find(|c| c["code"] == "VALIDATION").cloned();
    assert!(
        refused.is_some_and(|c| c["message"].as_str().unwrap().contains("\"item\" is a required property")),
        "{step}"
    );
}
