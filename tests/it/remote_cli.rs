//! The remote command line run as the real binary against a running server: projects,
//! policies (`policy remote …`), plans from a file through approval by another person to a
//! watched run, the approvals inbox, `audit tail -f`, kill switches and budgets, members,
//! groups, role bindings and service accounts; JSON (the default when piped), tables and YAML;
//! exit codes 0 done, 1 refused with the server's code first, 2 usage; examples in every
//! command's help; completion scripts. The organization's own commands are in
//! `remote_cli_org.rs`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use praetor_tests::*;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A client configuration file with contexts signed in to one server.
pub(crate) struct Terminal {
    pub(crate) dir: tempfile::TempDir,
}

impl Terminal {
    pub(crate) fn new() -> Self {
        Terminal { dir: tempfile::tempdir().unwrap() }
    }

    pub(crate) fn config(&self) -> PathBuf {
        self.dir.path().join("client.yaml")
    }

    /// A file beside the configuration holding `text`; its path.
    pub(crate) fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    /// Signs in to `app` with `key` as context `name` (which becomes current).
    pub(crate) async fn login(&self, app: &TestApp, name: &str, key: &str) {
        let server = app.url("");
        let args = [
            "login",
            "--server",
            server.trim_end_matches('/'),
            "--org",
            &app.org,
            "--api-key-stdin",
            "--context",
            name,
        ];
        let (status, stdout, stderr) = run_client(&self.config(), &args, &format!("{key}\n")).await;
        assert!(status.success(), "{stdout}{stderr}");
    }

    /// `praetor args`: exit code, stdout, stderr.
    pub(crate) async fn run(&self, args: &[&str]) -> (i32, String, String) {
        let (status, stdout, stderr) = run_client(&self.config(), args, "").await;
        (status.code().unwrap_or(-1), stdout, stderr)
    }

    /// `praetor args`, which must succeed and print JSON.
    pub(crate) async fn json(&self, args: &[&str]) -> Value {
        let (code, stdout, stderr) = self.run(args).await;
        assert_eq!(code, 0, "praetor {args:?}: {stdout}{stderr}");
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("praetor {args:?} printed no JSON ({e}): {stdout}"))
    }

    /// `praetor args` as a child whose lines are read as they come.
    pub(crate) fn spawn(&self, args: &[&str]) -> tokio::process::Child {
        tokio::process::Command::from(praetor_command())
            .args(args)
            .env("PRAETOR_CLIENT_CONFIG", self.config())
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("run praetor")
    }
}

/// A project policy of `web` under which every `state.set` needs one approval from `leads`
/// (and, with `strict`, `state.delete` is denied).
fn web_policy(org: &str, strict: bool) -> String {
    let mut text = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: web-reviewed, org: {org}, project: web }}\nspec:\n  rules:\n    \
         - {{ name: reviewed, actions: [\"state.set\"], effect: require_approval, approvals: [{{ group: leads }}] }}\n"
    );
    if strict {
        text.push_str(
            "    - { name: no-deletes, actions: [\"state.delete\"], effect: deny, reason: Nothing is deleted }\n",
        );
    }
    text
}

#[tokio::test]
async fn projects_and_policies_from_the_terminal() {
    let app = spawn_app().await;
    let term = Terminal::new();
    term.login(&app, "admin", &app.admin_key).await;
    let (viewer_key, _) = app.user_with_role("viewer", None).await;
    term.login(&app, "viewer", &viewer_key).await;
    term.run(&["context", "use", "admin"]).await;

    // Created, a project comes back as an object; piped output is JSON without asking.
    let made = term.json(&["project", "create", "web", "--name", "Web shop", "--description", "storefront"]).await;
    assert_eq!((made["slug"].as_str(), made["name"].as_str()), (Some("web"), Some("Web shop")), "{made}");
    assert!(made["id"].as_str().is_some_and(|id| id.starts_with("prj_")), "{made}");
    term.json(&["project", "create", "ops"]).await;
    // Again: refused with the server's code first, exit 1.
    let (code, _, stderr) = term.run(&["project", "create", "web"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: CONFLICT"), "{stderr}");
    // A viewer may not create one.
    let (code, _, stderr) = term.run(&["project", "create", "nope", "--context", "viewer"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");

    let listed = term.json(&["project", "list"]).await;
    let slugs: Vec<&str> = listed.as_array().unwrap().iter().filter_map(|p| p["slug"].as_str()).collect();
    assert_eq!(slugs, ["web", "ops"], "{listed}");
    let (code, table, _) = term.run(&["project", "list", "-o", "table"]).await;
    assert_eq!(code, 0);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ID") && lines[0].contains("SLUG"), "{table}");
    assert_eq!(lines.len(), 3, "a header and two projects: {table}");
    assert!(lines[1].contains("web") && lines[1].contains("Web shop") && lines[1].contains("storefront"), "{table}");
    let (code, yaml, _) = term.run(&["project", "list", "-o", "yaml"]).await;
    assert_eq!(code, 0);
    let from_yaml: Value = serde_saphyr::from_str(&yaml).expect("YAML");
    assert_eq!(from_yaml, listed, "YAML carries what JSON does");

    // Policies: the group the rule names, then two versions of web's policy from files.
    app.group("leads", &[]).await;
    let policy = term.file("policies/web.yaml", &web_policy(&app.org, false));
    let applied = term.json(&["policy", "remote", "apply", &policy, "--comment", "first"]).await;
    let web = applied["versions"].as_array().unwrap().iter().find(|v| v["project"] == "web").cloned();
    assert_eq!(web.map(|v| v["version"].clone()), Some(1.into()), "{applied}");
    // Verification's warnings come back with their place.
    assert_eq!(applied["warnings"][0]["code"], "PV105", "a stage of an empty group: {applied}");
    assert_eq!(applied["warnings"][0]["line"], 6, "{applied}");
    let folder = PathBuf::from(&policy).parent().unwrap().display().to_string();
    term.file("policies/web.yaml", &web_policy(&app.org, true));
    let (code, stdout, stderr) = term.run(&["policy", "remote", "apply", &folder, "-o", "table"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Applied version 2 of project web's policy"), "{stdout}");
    assert!(stdout.contains(&format!("{policy}:6:1: warning[PV105]:")), "{stdout}");
    let (code, stdout, _) = term.run(&["policy", "remote", "apply", &folder, "-o", "table"]).await;
    assert_eq!(code, 0);
    assert!(stdout.trim_end().ends_with("Nothing changed.") && !stdout.contains("Applied"), "the same again: {stdout}");

    // A broken document: refused whole, each problem at its file and line; nothing stored.
    let broken = term.file(
        "broken/web.yaml",
        &format!(
            "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: bad, org: {}, project: web }}\nspec:\n  rules:\n    \
             - {{ name: r, actions: [\"state.set\"], when: \"nosuch.x > 1\", effect: deny }}\n",
            app.org
        ),
    );
    let (code, _, stderr) = term.run(&["policy", "remote", "apply", &broken]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: VALIDATION: sources:"), "{stderr}");
    assert!(stderr.contains(&format!("{broken}:6:")) && stderr.contains("[PV006]"), "{stderr}");
    // A viewer may read the versions but not apply.
    let (code, _, stderr) = term.run(&["policy", "remote", "apply", &policy, "--context", "viewer"]).await;
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");

    let versions = term.json(&["policy", "remote", "versions", "--project", "web", "--context", "viewer"]).await;
    let numbers: Vec<i64> = versions.as_array().unwrap().iter().filter_map(|v| v["version"].as_i64()).collect();
    assert_eq!(numbers, [2, 1], "newest first: {versions}");
    assert_eq!(versions[1]["comment"], "first");
    let (_, table, _) = term.run(&["policy", "remote", "versions", "--project", "web", "-o", "table"]).await;
    assert!(table.starts_with("VERSION") && table.contains("first") && table.contains(&app.admin_email), "{table}");
    let org_versions = term.json(&["policy", "remote", "versions"]).await;
    assert!(org_versions.as_array().unwrap().iter().all(|v| v["scope"] == "ORG"), "{org_versions}");

    let diff = term.json(&["policy", "remote", "diff", "--project", "web", "--from", "1"]).await;
    let changes = diff["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{diff}");
    assert_eq!((changes[0]["kind"].as_str(), changes[0]["rule"].as_str()), (Some("added"), Some("no-deletes")));
    let (_, table, _) = term.run(&["policy", "remote", "diff", "--project", "web", "--from", "1", "-o", "table"]).await;
    assert!(table.contains("no-deletes") && table.contains("recorded decisions decided again"), "{table}");

    // Explained: the verdict and the rule that decided, at its file and line.
    let set = ["policy", "remote", "explain", "--project", "web", "--action", "state.set", "--params"];
    let explained = term.json(&[&set[..], &[r#"{"key": "x", "value": 1}"#]].concat()).await;
    assert_eq!(explained["verdict"], "NEEDS_APPROVAL", "{explained}");
    assert_eq!(
        (explained["decidedBy"]["rule"].as_str(), explained["decidedBy"]["line"].as_i64()),
        (Some("reviewed"), Some(6))
    );
    let delete = [
        "policy",
        "remote",
        "explain",
        "--project",
        "web",
        "--action",
        "state.delete",
        "--params",
        r#"{"key": "x"}"#,
        "--context",
        "viewer",
    ];
    let (code, table, stderr) = term.run(&[&delete[..], &["-o", "table"]].concat()).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(table.starts_with("state.delete: DENIED"), "{table}");
    assert!(table.contains(&format!("Decided by web-reviewed/no-deletes (DENY) at {policy}:7")), "{table}");
    // Rolled back to version 1: a third version with its documents; deletes are decided by no
    // rule again (the administrator may invoke them).
    let (code, _, stderr) =
        term.run(&["policy", "remote", "rollback", "--to", "1", "--project", "web", "--context", "viewer"]).await;
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");
    let back = term.json(&["policy", "remote", "rollback", "--to", "1", "--project", "web", "--comment", "undo"]).await;
    assert_eq!(
        (back["version"].as_i64(), back["comment"].as_str()),
        (Some(3), Some("rollback to version 1: undo")),
        "{back}"
    );
    assert_eq!(back["hash"], versions[1]["hash"], "version 1's documents");
    let after = term.json(&delete[..delete.len() - 2]).await;
    assert_eq!((after["verdict"].as_str(), &after["decidedBy"]), (Some("ALLOWED"), &Value::Null), "{after}");

    // Usage errors exit 2, before anything is sent.
    for args in [
        &["policy", "remote", "explain", "--project", "web", "--action", "state.set", "--params", "{oops"][..],
        &["policy", "remote", "rollback", "--project", "web"],
        &["policy", "remote", "apply", "/nonexistent/policy.yaml"][..],
        &["policy", "remote", "apply"],
        &["project", "list", "-o", "xml"],
        &["project", "create"],
        &["policy", "remote", "diff", "--project", "web", "--from", "one"],
    ] {
        let (code, _, stderr) = term.run(args).await;
        assert_eq!(code, 2, "praetor {args:?}: {stderr}");
    }
}

/// The plan file of the tests.
pub(crate) fn plan_file(title: &str, steps: &str, run_when_approved: bool) -> String {
    format!("project: web\ntitle: {title}\nrunWhenApproved: {run_when_approved}\nsteps:\n{steps}")
}

pub(crate) const SET_X: &str = "  - id: set-x\n    action: state.set\n    params: { key: x, value: 1 }\n";

#[tokio::test]
async fn a_plan_proposed_from_a_file_approved_by_another_person_and_watched_to_its_end() {
    let app = spawn_app().await;
    app.project("web").await;
    let (approver_key, approver) = app.user_with_role("approver", None).await;
    let (viewer_key, _) = app.user_with_role("viewer", None).await;
    app.group("leads", &[&approver]).await;
    let term = Terminal::new();
    term.login(&app, "approver", &approver_key).await;
    term.login(&app, "viewer", &viewer_key).await;
    term.login(&app, "admin", &app.admin_key).await;
    let policy = term.file("web.yaml", &web_policy(&app.org, false));
    term.json(&["policy", "remote", "apply", &policy]).await;

    // Previewed: what policy says, nothing stored.
    let file = term.file("plan.yaml", &plan_file("Set x", SET_X, false));
    let preview = term.json(&["plan", "preview", "-f", &file]).await;
    assert_eq!(preview["preview"]["verdict"], "NEEDS_APPROVAL", "{preview}");
    assert_eq!(preview["preview"]["approvals"][0]["groups"], serde_json::json!(["leads"]), "{preview}");
    let (_, table, _) = term.run(&["plan", "preview", "-f", &file, "-o", "table"]).await;
    assert!(table.contains("Verdict NEEDS_APPROVAL") && table.contains("set-x") && table.contains("leads"), "{table}");
    assert_eq!(
        term.json(&["plan", "list", "--project", "web"]).await,
        serde_json::json!([]),
        "a preview stores nothing"
    );

    // Proposed from the file (standard input works as well as a path).
    let plan = term.json(&["plan", "propose", "-f", &file]).await;
    assert_eq!((plan["status"].as_str(), plan["title"].as_str()), (Some("PENDING_APPROVAL"), Some("Set x")), "{plan}");
    assert_eq!(plan["steps"][0]["params"], serde_json::json!({"key": "x", "value": 1}));
    let id = plan["id"].as_str().unwrap().to_string();

    // The inbox: the approver's, not the viewer's (who may read plans but not approve).
    let inbox = term.json(&["approvals", "--context", "approver"]).await;
    assert_eq!(inbox.as_array().map(|a| a.len()), Some(1), "{inbox}");
    assert_eq!(inbox[0]["id"], id.as_str());
    let (_, table, _) = term.run(&["approvals", "--context", "approver", "-o", "table"]).await;
    assert!(table.lines().nth(1).is_some_and(|l| l.starts_with(&id) && l.contains("leads")), "{table}");
    assert_eq!(term.json(&["approvals", "--context", "viewer"]).await, serde_json::json!([]));
    let (code, stdout, _) = term.run(&["approvals", "--context", "viewer", "-o", "table"]).await;
    assert_eq!((code, stdout.trim()), (0, "Nothing waits for your approval."));

    // The viewer approving: refused, the server's code first, exit 1; the proposer may not either.
    let (code, _, stderr) = term.run(&["plan", "approve", &id, "--context", "viewer"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");
    let (code, _, stderr) = term.run(&["plan", "approve", &id]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    // A stale hash does not sign the plan.
    let (code, _, stderr) = term.run(&["plan", "approve", &id, "--context", "approver", "--hash", "0000"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");

    // Watched from before the approval: every event as it comes, then exit 0 at the end.
    let mut watch = term.spawn(&["plan", "watch", &id, "-o", "json"]);
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.unwrap().unwrap().unwrap();
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["planId"], id.as_str(), "{first}");
    let approved = term.json(&["plan", "approve", &id, "--context", "approver", "--comment", "looks right"]).await;
    assert_eq!(approved["status"], "APPROVED", "{approved}");
    assert_eq!(approved["approvalStages"][0]["approvals"][0]["comment"], "looks right");
    let queued = term.json(&["plan", "run", &id]).await;
    assert!(["QUEUED", "RUNNING", "SUCCEEDED"].contains(&queued["status"].as_str().unwrap()), "{queued}");
    let mut statuses = vec![first["status"].as_str().unwrap().to_string()];
    while let Some(line) = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await.unwrap().unwrap() {
        let update: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        statuses.push(update["status"].as_str().unwrap().to_string());
    }
    let status = tokio::time::timeout(Duration::from_secs(30), watch.wait()).await.unwrap().unwrap();
    assert_eq!(status.code(), Some(0), "{statuses:?}");
    assert_eq!(statuses.last().map(String::as_str), Some("SUCCEEDED"), "{statuses:?}");
    for expected in ["PENDING_APPROVAL", "APPROVED", "RUNNING"] {
        assert!(statuses.iter().any(|s| s == expected), "{expected} in {statuses:?}");
    }

    // Got as a page and as YAML; listed by status.
    let (code, page, _) = term.run(&["plan", "get", &id, "-o", "table"]).await;
    assert_eq!(code, 0);
    assert!(page.starts_with(&format!("Plan {id}  Set x")), "{page}");
    assert!(page.contains("status:    SUCCEEDED"), "{page}");
    assert!(
        page.lines().any(|l| l.starts_with("set-x") && l.contains("state.set") && l.contains("SUCCEEDED")),
        "{page}"
    );
    assert!(page.lines().any(|l| l.contains("leads") && l.contains(&approver)), "{page}");
    let (_, yaml, _) = term.run(&["plan", "get", &id, "-o", "yaml"]).await;
    let from_yaml: Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(from_yaml["status"], "SUCCEEDED", "{yaml}");
    let listed = term.json(&["plan", "list", "--project", "web", "--status", "succeeded"]).await;
    assert_eq!(listed[0]["id"], id.as_str(), "{listed}");
    assert_eq!(term.json(&["plan", "list", "--project", "web", "--status", "failed"]).await, serde_json::json!([]));
    let (_, table, _) = term.run(&["plan", "list", "--project", "web", "-o", "table"]).await;
    assert!(table.starts_with("ID") && table.contains(&id) && table.contains("SUCCEEDED"), "{table}");

    // A plan that fails: watched (as a table) it exits 1 saying so.
    let failing = plan_file(
        "Break",
        "  - { id: text, action: state.patch, params: { key: name, patch: { a: 1 } } }\n  \
         - { id: bad, action: state.increment, params: { key: name } }\n",
        true,
    );
    let plan = term.json(&["plan", "propose", "-f", &term.file("fail.yaml", &failing)]).await;
    let failed_id = plan["id"].as_str().unwrap().to_string();
    let (code, stdout, stderr) = term.run(&["plan", "watch", &failed_id, "-o", "table"]).await;
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.lines().last().is_some_and(|l| l.contains("FAILED")), "{stdout}");
    // Not on a terminal: the event lines alone, one a line, with no progress line drawn.
    assert!(!stdout.contains('\r') && !stdout.contains('\x1b') && !stdout.contains(" steps "), "{stdout:?}");
    assert!(
        stdout.lines().enumerate().all(|(i, l)| l.split_whitespace().next() == Some((i + 1).to_string().as_str())),
        "`SEQ  TIME  STATUS  KIND…` lines: {stdout}"
    );
    assert!(stderr.contains(&format!("error: plan {failed_id} ended FAILED")), "{stderr}");

    // Rejected by the approver; another cancelled by its proposer.
    let again = plan_file("Again", SET_X, false).replace("project: web\n", "");
    let (status, stdout, stderr) =
        run_client(&term.config(), &["plan", "propose", "-f", "-", "--project", "web"], &again).await;
    assert!(status.success(), "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let rejected_id = plan["id"].as_str().unwrap().to_string();
    let rejected = term.json(&["plan", "reject", &rejected_id, "--context", "approver", "--comment", "no"]).await;
    assert_eq!(rejected["status"], "REJECTED", "{rejected}");
    let plan = term.json(&["plan", "propose", "-f", &file]).await;
    let cancelled = term.json(&["plan", "cancel", plan["id"].as_str().unwrap(), "--reason", "changed my mind"]).await;
    assert_eq!(cancelled["status"], "CANCELLED", "{cancelled}");
    let (code, _, stderr) = term.run(&["plan", "cancel", plan["id"].as_str().unwrap()]).await;
    assert_eq!(code, 1, "a cancelled plan is not cancelled again: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    let (code, _, stderr) = term.run(&["plan", "get", "pln_00000000000000000000000000000000"]).await;
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: "), "{stderr}");

    // Usage errors exit 2.
    let bad = term.file("bad.yaml", "project: web\nstepz: []\n");
    for args in [
        &["plan", "approve"][..],
        &["plan", "propose", "-f", "/nonexistent/plan.yaml"],
        &["plan", "propose", "-f", &bad],
        &["plan", "list", "--project", "web", "--status", "finished"],
        &["plan", "watch"],
    ] {
        let (code, _, stderr) = term.run(args).await;
        assert_eq!(code, 2, "praetor {args:?}: {stderr}");
    }
    let (_, _, stderr) = term.run(&["plan", "propose", "-f", &bad]).await;
    assert!(stderr.contains("stepz") && stderr.contains("line 2"), "the file's line: {stderr}");
}

#[tokio::test]
async fn audit_tail_follows_new_entries_and_every_command_has_an_example() {
    let app = spawn_app().await;
    let term = Terminal::new();
    term.login(&app, "admin", &app.admin_key).await;
    app.project("web").await;

    let tail = term.json(&["audit", "tail", "-n", "3"]).await;
    let seqs: Vec<i64> = tail.as_array().unwrap().iter().filter_map(|e| e["seq"].as_i64()).collect();
    assert_eq!(seqs.len(), 3, "{tail}");
    assert!(seqs.windows(2).all(|w| w[0] + 1 == w[1]), "the newest three, oldest first: {seqs:?}");
    assert_eq!(tail[2]["kind"], "project.created", "{tail}");
    let (_, table, _) = term.run(&["audit", "tail", "-n", "2", "--kind", "project.", "-o", "table"]).await;
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("SEQ") && lines.len() == 2 && lines[1].contains("project.created"), "{table}");

    // Followed: what is appended after it started arrives, as one JSON object a line.
    let mut follow = term.spawn(&["audit", "tail", "-f", "-n", "1", "-o", "json"]);
    let mut lines = BufReader::new(follow.stdout.take().unwrap()).lines();
    let next = async |lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>| -> Value {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.unwrap().unwrap().unwrap();
        serde_json::from_str(&line).unwrap()
    };
    let last = next(&mut lines).await;
    assert_eq!(last["seq"], seqs[2], "{last}");
    let made = term.json(&["project", "create", "later"]).await;
    let appended = next(&mut lines).await;
    assert_eq!((appended["kind"].as_str(), appended["seq"].as_i64()), (Some("project.created"), Some(seqs[2] + 1)));
    assert_eq!(appended["subject"], made["id"], "{appended}");
    follow.kill().await.unwrap();

    // Completion scripts for each shell, naming the commands.
    for (shell, marker) in [("bash", "_praetor()"), ("zsh", "#compdef praetor"), ("fish", "complete -c praetor")] {
        let (code, script, _) = term.run(&["completions", shell]).await;
        assert_eq!(code, 0, "{shell}");
        assert!(script.contains(marker) && script.contains("approvals") && script.contains("watch"), "{shell}");
    }
    let (code, _, _) = term.run(&["completions", "tcsh"]).await;
    assert_eq!(code, 2);

    // Every remote command shows an example in its help.
    for command in [
        &["project", "list"][..],
        &["project", "create"],
        &["plan", "propose"],
        &["plan", "preview"],
        &["plan", "approve"],
        &["plan", "reject"],
        &["plan", "run"],
        &["plan", "cancel"],
        &["plan", "get"],
        &["plan", "list"],
        &["plan", "watch"],
        &["approvals"],
        &["audit", "tail"],
        &["policy", "remote", "apply"],
        &["policy", "remote", "diff"],
        &["policy", "remote", "versions"],
        &["policy", "remote", "rollback"],
        &["policy", "remote", "explain"],
        &["schedule", "list"],
        &["schedule", "create"],
        &["schedule", "pause"],
        &["schedule", "resume"],
        &["schedule", "delete"],
        &["whoami"],
        &["logout"],
        &["context", "list"],
        &["context", "use"],
        &["completions"],
        &["login"],
        &["member", "list"],
        &["group", "list"],
        &["group", "create"],
        &["group", "add"],
        &["group", "remove"],
        &["role", "list"],
        &["role", "bind"],
        &["role", "unbind"],
        &["service-account", "list"],
        &["service-account", "create"],
        &["killswitch", "status"],
        &["killswitch", "engage"],
        &["killswitch", "release"],
        &["budget"],
        &["key", "list"],
        &["key", "create"],
        &["key", "revoke"],
        &["pack", "list"],
        &["pack", "subscribe"],
        &["pack", "unsubscribe"],
        &["pack", "impact"],
        &["org", "list"],
        &["org", "get"],
        &["grant", "list"],
        &["grant", "request"],
        &["grant", "approve"],
        &["grant", "reject"],
        &["grant", "revoke"],
        &["policy", "remote", "proposals"],
        &["policy", "remote", "approve-proposal"],
        &["policy", "remote", "reject-proposal"],
        &["audit", "remote", "export"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let (code, help, _) = term.run(&args).await;
        assert_eq!(code, 0, "{args:?}");
        assert!(help.contains("Example"), "praetor {} --help has no example:\n{help}", command.join(" "));
        assert!(help.contains(&format!("praetor {}", command.join(" "))), "{help}");
    }
    // The local policy commands are still there beside the remote ones.
    let (code, help, _) = term.run(&["policy", "--help"]).await;
    assert_eq!(code, 0);
    assert!(help.contains("validate") && help.contains("remote"), "{help}");
}

#[tokio::test]
async fn kill_switches_and_budgets_from_the_terminal() {
    let app = spawn_app().await;
    app.project("web").await;
    let (viewer_key, _) = app.user_with_role("viewer", None).await;
    let term = Terminal::new();
    term.login(&app, "viewer", &viewer_key).await;
    term.login(&app, "admin", &app.admin_key).await;

    let (code, stdout, _) = term.run(&["killswitch", "status", "--project", "web", "-o", "table"]).await;
    assert_eq!((code, stdout.trim()), (0, "No kill switch is engaged."));
    assert_eq!(term.json(&["killswitch", "status"]).await, Value::Null);
    // Engaging needs killswitch.set: the viewer is refused, exit 1 with the code first.
    let (code, _, stderr) =
        term.run(&["killswitch", "engage", "--project", "web", "--reason", "x", "--context", "viewer"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");
    let (code, _, stderr) = term.run(&["killswitch", "engage", "--project", "web", "--reason", " "]).await;
    assert_eq!(code, 2, "a reason is required: {stderr}");

    let engaged = term.json(&["killswitch", "engage", "--project", "web", "--reason", "bad deploy"]).await;
    assert_eq!((engaged["engaged"].as_bool(), engaged["scope"].as_str()), (Some(true), Some("PROJECT")), "{engaged}");
    let status = term.json(&["killswitch", "status", "--project", "web", "--context", "viewer"]).await;
    assert_eq!(
        (status["scope"].as_str(), status["reason"].as_str()),
        (Some("PROJECT"), Some("bad deploy")),
        "{status}"
    );
    assert_eq!(status["engagedBy"], app.admin_email.as_str());
    assert_eq!(term.json(&["killswitch", "status"]).await, Value::Null, "the organization's own is not engaged");
    // While it is engaged, a plan's preview says so.
    let file = term.file("plan.yaml", &plan_file("Set x", SET_X, false));
    let preview = term.json(&["plan", "preview", "-f", &file]).await;
    let checks = preview["preview"]["steps"][0]["checks"].as_array().unwrap();
    let kill = checks.iter().find(|c| c["name"] == "kill_switch").unwrap();
    assert_ne!(kill["verdict"], "ALLOWED", "{preview}");
    let (code, stdout, _) = term.run(&["killswitch", "release", "--project", "web", "-o", "table"]).await;
    assert_eq!(code, 0);
    assert!(stdout.starts_with("Kill switch released in project web; held plans: resume"), "{stdout}");
    assert_eq!(term.json(&["killswitch", "status", "--project", "web"]).await, Value::Null);
    // The organization's switch covers its projects.
    let engaged = term.json(&["killswitch", "engage", "--reason", "incident 42"]).await;
    assert_eq!(engaged["scope"], "ORG", "{engaged}");
    let (_, stdout, _) = term.run(&["killswitch", "status", "--project", "web", "-o", "table"]).await;
    assert!(stdout.starts_with("Engaged (org switch) by") && stdout.contains("incident 42"), "{stdout}");
    let released = term.json(&["killswitch", "release", "--cancel-held"]).await;
    assert_eq!(
        (released["engaged"].as_bool(), released["releaseMode"].as_str()),
        (Some(false), Some("cancel")),
        "{released}"
    );

    // Budgets: none set, then the project's policy sets one.
    let budget = term.json(&["budget", "--project", "web"]).await;
    assert_eq!((budget["limit"].clone(), budget["spent"].as_f64()), (Value::Null, Some(0.0)), "{budget}");
    let policy = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: web-budget, org: {}, project: web }}\n\
         spec:\n  budget: {{ daily: 40, unit: credits, timezone: Europe/Berlin }}\n",
        app.org
    );
    term.json(&["policy", "remote", "apply", &term.file("budget.yaml", &policy), "--project", "web"]).await;
    let budget = term.json(&["budget", "--project", "web", "--context", "viewer"]).await;
    assert_eq!((budget["limit"].as_f64(), budget["unit"].as_str()), (Some(40.0), Some("credits")), "{budget}");
    assert_eq!((budget["remaining"].as_f64(), budget["timezone"].as_str()), (Some(40.0), Some("Europe/Berlin")));
    let (code, table, _) = term.run(&["budget", "--project", "web", "-o", "table"]).await;
    assert_eq!(code, 0);
    assert!(table.contains("limit:     40 credits (policy") && table.contains("remaining: 40 credits"), "{table}");
    let (code, yaml, _) = term.run(&["budget", "-o", "yaml"]).await;
    assert_eq!(code, 0);
    assert!(yaml.contains("spent: 0"), "the organization's: {yaml}");
}

#[tokio::test]
async fn groups_roles_and_service_accounts_from_the_terminal() {
    let app = spawn_app().await;
    app.project("web").await;
    let (viewer_key, viewer) = app.user_with_role("viewer", None).await;
    let term = Terminal::new();
    term.login(&app, "viewer", &viewer_key).await;
    term.login(&app, "admin", &app.admin_key).await;
    let carol = format!("{}@it.test", unique("carol"));
    let dave = format!("{}@it.test", unique("dave"));

    let group = term.json(&["group", "create", "sre-leads", "--description", "Approve production"]).await;
    assert_eq!(
        (group["name"].as_str(), group["description"].as_str()),
        (Some("sre-leads"), Some("Approve production"))
    );
    let group = term.json(&["group", "add", "sre-leads", &carol]).await;
    assert_eq!(group["members"], serde_json::json!([{"email": carol}]), "{group}");
    let (code, table, _) = term.run(&["group", "list", "-o", "table"]).await;
    assert_eq!(code, 0);
    assert!(table.starts_with("ID") && table.lines().any(|l| l.contains("sre-leads") && l.contains(&carol)), "{table}");
    let (code, _, stderr) = term.run(&["group", "add", "nosuch", &carol]).await;
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: NOT_FOUND: no group `nosuch`"), "{stderr}");

    let account = term.json(&["service-account", "create", "deploy-bot", "--max-key-lifetime-days", "90"]).await;
    assert_eq!((account["name"].as_str(), account["maxKeyLifetimeDays"].as_i64()), (Some("deploy-bot"), Some(90)));
    let (_, yaml, _) = term.run(&["service-account", "list", "-o", "yaml"]).await;
    let listed: Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(listed[0]["name"], "deploy-bot", "{yaml}");

    // Bindings for a group in a project, a service account and a person org-wide.
    let to_group = term.json(&["role", "bind", "approver", "--group", "sre-leads", "--project", "web"]).await;
    assert_eq!((to_group["subject"].as_str(), to_group["project"]["slug"].as_str()), (Some("sre-leads"), Some("web")));
    assert_eq!(to_group["subjectKind"], "group");
    let to_bot = term.json(&["role", "bind", "operator", "--service-account", "deploy-bot"]).await;
    assert_eq!((to_bot["subjectKind"].as_str(), to_bot["scope"].as_str()), (Some("service_account"), Some("ORG")));
    let to_dave = term.json(&["role", "bind", "viewer", "--user", &dave]).await;
    assert_eq!(to_dave["subject"], dave.as_str());
    // The viewer may not bind; no subject, or two, is a usage error.
    let (code, _, stderr) = term.run(&["role", "bind", "org_admin", "--user", &viewer, "--context", "viewer"]).await;
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");
    for args in
        [&["role", "bind", "viewer"][..], &["role", "bind", "viewer", "--user", "a@b.c", "--group", "sre-leads"]]
    {
        let (code, _, stderr) = term.run(args).await;
        assert_eq!(code, 2, "praetor {args:?}: {stderr}");
    }

    let members = term.json(&["member", "list", "--context", "viewer"]).await;
    let member = |email: &str| members.as_array().unwrap().iter().find(|m| m["user"]["email"] == email).cloned();
    assert_eq!(member(&dave).map(|m| m["roles"][0]["role"].clone()), Some("viewer".into()), "{members}");
    assert_eq!(member(&carol).map(|m| m["groups"].clone()), Some(serde_json::json!(["sre-leads"])), "{members}");
    let (_, table, _) = term.run(&["member", "list", "-o", "table"]).await;
    assert!(table.lines().any(|l| l.contains(&carol) && l.contains("sre-leads")), "{table}");

    let (_, table, _) = term.run(&["role", "list", "-o", "table"]).await;
    assert!(
        table.lines().any(|l| l.contains("approver") && l.contains("sre-leads") && l.contains("project web")),
        "{table}"
    );
    let id = to_dave["id"].as_str().unwrap();
    term.json(&["role", "unbind", id]).await;
    let bindings = term.json(&["role", "list"]).await;
    assert!(bindings.as_array().unwrap().iter().all(|b| b["id"] != id), "{bindings}");
    assert_eq!(bindings.as_array().unwrap().iter().filter(|b| b["subject"] == "deploy-bot").count(), 1, "{bindings}");
    let group = term.json(&["group", "remove", "sre-leads", &carol]).await;
    assert_eq!(group["members"], serde_json::json!([]), "{group}");

    // The bot's key: its secret printed once (on a terminal table, alone on stdout), and it
    // signs in; listed with its prefix, never its secret; revoked, it stops working.
    let (code, secret, note) =
        term.run(&["key", "create", "bot-key", "--service-account", "deploy-bot", "-o", "table"]).await;
    assert_eq!(code, 0, "{note}");
    let secret = secret.trim().to_string();
    assert!(secret.starts_with("prk_") && note.contains("shown once"), "{note}");
    let who = app.gql(Some(&secret), "{ viewer { name } }", serde_json::json!({})).await;
    assert_eq!(ok(who)["viewer"]["name"], "deploy-bot");
    let keys = term.json(&["key", "list"]).await;
    let bot = keys.as_array().unwrap().iter().find(|k| k["name"] == "bot-key").cloned().expect("listed");
    assert!(!keys.to_string().contains(&secret), "a secret is never listed");
    assert_eq!(bot["ownerKind"], "SERVICE_ACCOUNT");
    // A viewer, who may not read others' keys, is told no more than that there is none.
    let (code, _, stderr) = term.run(&["key", "revoke", bot["id"].as_str().unwrap(), "--context", "viewer"]).await;
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: NOT_FOUND"), "{stderr}");
    let revoked = term.json(&["key", "revoke", bot["id"].as_str().unwrap()]).await;
    assert!(revoked["revokedAt"].is_string(), "{revoked}");
    let refused = app.gql(Some(&secret), "{ viewer { name } }", serde_json::json!({})).await;
    assert_eq!(code_of(&refused), "UNAUTHENTICATED", "{refused}");
    let (code, _, stderr) = term.run(&["key", "create", "x", "--service-account", "nobody"]).await;
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: NOT_FOUND"), "{stderr}");
}

pub(crate) fn code_of(resp: &Value) -> String {
    resp["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_string()
}
