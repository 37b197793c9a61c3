//! The audit chain: every mutation is recorded in the same transaction, secrets never are, and
//! `praetor audit verify` names the first entry that was edited, deleted or reordered.

use praetor_tests::*;
use serde_json::{Value, json};

async fn entries(app: &TestApp) -> Vec<Value> {
    let d = app.admin("query($o: String!) { org(slug: $o) { auditLog(first: 100) { edges { node { id seq kind subject requestId actor { kind name } payload hash prevHash } } } } }", json!({"o": app.org})).await;
    d["org"]["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

#[tokio::test]
async fn mutations_are_recorded_with_actor_and_request_id_and_without_secrets() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_key)
        .header("x-request-id", "it-audit-1")
        .json(&json!({"query": "mutation($o: String!) { createApiKey(input: {org: $o, name: \"deploy\"}) { secret } }", "variables": {"o": app.org}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "it-audit-1");
    let body: Value = resp.json().await.unwrap();
    let secret = ok(body)["createApiKey"]["secret"].as_str().unwrap().to_string();

    let log = entries(&app).await;
    let newest = &log[0];
    assert_eq!(newest["kind"], "api_key.created");
    assert_eq!(newest["requestId"], "it-audit-1");
    assert_eq!(newest["actor"][0]["name"], app.admin_email.as_str());
    assert_eq!(newest["actor"][0]["kind"], "USER");
    assert_eq!(newest["payload"]["name"], "deploy");
    let all = serde_json::to_string(&log).unwrap();
    assert!(!all.contains(&secret), "the secret must not be in the audit log");
    assert!(!all.contains(&secret[4..20]));
    // The chain links up: each entry's prevHash is the hash of the one before.
    for pair in log.windows(2) {
        assert_eq!(pair[0]["prevHash"], pair[1]["hash"]);
        assert_eq!(pair[0]["seq"].as_i64().unwrap(), pair[1]["seq"].as_i64().unwrap() + 1);
    }
    let kinds: Vec<_> = log.iter().rev().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["org.created", "role.bound", "api_key.created", "api_key.created"]);
}

fn verify_cli(app: &TestApp) -> (bool, String) {
    let out = praetor_command()
        .args(["audit", "verify", "--org", &app.org])
        .env("PRAETOR_DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run praetor");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn tampered_app() -> (TestApp, Vec<Value>, String) {
    let app = spawn_app().await;
    for i in 0..4 {
        app.admin(
            "mutation($o: String!, $s: String!) { createProject(input: {org: $o, slug: $s, name: $s}) { id } }",
            json!({"o": app.org, "s": format!("p{i}")}),
        )
        .await;
    }
    let log = entries(&app).await;
    let (good, out) = verify_cli(&app);
    assert!(good, "untouched chain verifies: {out}");
    assert!(out.contains("ok (7 entries)"), "{out}");
    let org_id = app.admin("query($o: String!) { org(slug: $o) { id } }", json!({"o": app.org})).await["org"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let lit = uuid_literal(&org_id);
    (app, log, lit)
}

#[tokio::test]
async fn verify_names_an_edited_entry() {
    let (app, _, org) = tampered_app().await;
    // One byte of the payload of entry 4 (project p0): "p0" becomes "q0".
    app.execute_sql(&format!(
        "UPDATE audit_events SET payload = REPLACE(payload, '\"p0\"', '\"q0\"') WHERE org_id = {org} AND seq = 4"
    ))
    .await;
    let (good, out) = verify_cli(&app);
    assert!(!good);
    assert!(out.contains("BROKEN at entry 4") && out.contains("edited"), "{out}");
    let status = app
        .admin("query($o: String!) { org(slug: $o) { auditChain { ok firstBrokenSeq } } }", json!({"o": app.org}))
        .await;
    assert_eq!(status["org"]["auditChain"], json!({"ok": false, "firstBrokenSeq": 4}));
}

#[tokio::test]
async fn verify_names_the_entry_after_a_deleted_one() {
    let (app, _, org) = tampered_app().await;
    app.execute_sql(&format!("DELETE FROM audit_events WHERE org_id = {org} AND seq = 4")).await;
    let (good, out) = verify_cli(&app);
    assert!(!good);
    assert!(out.contains("BROKEN at entry 5") && out.contains("missing"), "{out}");
}

#[tokio::test]
async fn verify_names_swapped_entries() {
    let (app, log, org) = tampered_app().await;
    // Swap entries 3 and 4 (through a free sequence number, to respect the unique index).
    app.execute_sql(&format!("UPDATE audit_events SET seq = 1000 WHERE org_id = {org} AND seq = 3")).await;
    app.execute_sql(&format!("UPDATE audit_events SET seq = 3 WHERE org_id = {org} AND seq = 4")).await;
    app.execute_sql(&format!("UPDATE audit_events SET seq = 4 WHERE org_id = {org} AND seq = 1000")).await;
    let (good, out) = verify_cli(&app);
    assert!(!good);
    let moved = log.iter().find(|e| e["seq"] == 4).unwrap()["id"].as_str().unwrap().to_string();
    assert!(out.contains("BROKEN at entry 3") && out.contains(&moved), "{out}");
}

#[tokio::test]
async fn verify_notices_a_truncated_tail_and_export_writes_every_entry() {
    let (app, _, org) = tampered_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.jsonl");
    let status = praetor_command()
        .args(["audit", "export", "--org", &app.org, "--out", file.to_str().unwrap()])
        .env("PRAETOR_DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .status()
        .unwrap();
    assert!(status.success());
    let lines: Vec<Value> =
        std::fs::read_to_string(&file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0]["seq"], 1);
    assert_eq!(lines[0]["kind"], "org.created");
    assert_eq!(lines[6]["payload"]["slug"], "p3");
    assert_eq!(lines[6]["prev_hash"], lines[5]["hash"]);

    app.execute_sql(&format!("DELETE FROM audit_events WHERE org_id = {org} AND seq = 7")).await;
    let (good, out) = verify_cli(&app);
    assert!(!good);
    assert!(out.contains("trailing entries are missing"), "{out}");
}
