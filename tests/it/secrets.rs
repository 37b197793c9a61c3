//! Encrypted secrets: write-only through the API, only fingerprints come back; never in the
//! audit log, its export, the database file or the server's log; a ciphertext moved to another
//! row does not decrypt; rotation rewraps every data key under a new master key.

use praetor_tests::*;
use serde_json::{Value, json};

const SET: &str =
    "mutation($in: SetSecretInput!) { setSecret(input: $in) { name fingerprint setAt setBy { kind name } } }";
const LIST: &str = "query($o: String!) { org(slug: $o) { secrets { name fingerprint } } }";

fn set(org: &str, name: &str, value: &str) -> Value {
    json!({"in": {"org": org, "name": name, "value": value}})
}

fn known_secret() -> String {
    format!("sk-test-{}", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn secrets_go_in_and_only_fingerprints_come_out() {
    let app = spawn_app().await;
    let value = known_secret();
    let made = app.admin(SET, set(&app.org, "llm.api_key", &value)).await["setSecret"].clone();
    assert_eq!(made["name"], "llm.api_key");
    assert_eq!(made["setBy"][0], json!({"kind": "USER", "name": app.admin_email}));
    let fingerprint = made["fingerprint"].as_str().unwrap().to_string();
    assert!(fingerprint.starts_with("hmac:") && !fingerprint.contains(&value));
    // There is no way to ask for the value.
    let asked = app
        .gql(Some(&app.admin_key), "query($o: String!) { org(slug: $o) { secrets { value } } }", json!({"o": app.org}))
        .await;
    assert!(asked["errors"].is_array(), "{asked}");
    // Listed by name and fingerprint; the same value again has the same fingerprint, another not.
    let listed = app.admin(LIST, json!({"o": app.org})).await;
    assert_eq!(listed["org"]["secrets"], json!([{"name": "llm.api_key", "fingerprint": fingerprint}]));
    let again = app.admin(SET, set(&app.org, "llm.api_key", &value)).await;
    assert_eq!(again["setSecret"]["fingerprint"], fingerprint.as_str());
    let other_value = known_secret();
    let changed = app.admin(SET, set(&app.org, "llm.api_key", &other_value)).await;
    assert_ne!(changed["setSecret"]["fingerprint"], fingerprint.as_str());

    // Bad names and empty values are refused, saying which field.
    let bad = app.gql(Some(&app.admin_key), SET, set(&app.org, "Has Spaces", "x")).await;
    assert_eq!((code(&bad).as_str(), bad["errors"][0]["extensions"]["field"].as_str()), ("VALIDATION", Some("name")));
    let empty = app.gql(Some(&app.admin_key), SET, set(&app.org, "x", "")).await;
    assert_eq!(empty["errors"][0]["extensions"]["field"], "value");

    // Administrators only; another organization learns nothing.
    let (viewer, _) = app.user_with_role("operator", None).await;
    assert_eq!(code(&app.gql(Some(&viewer), SET, set(&app.org, "x", "y")).await), "FORBIDDEN");
    assert_eq!(code(&app.gql(Some(&viewer), LIST, json!({"o": app.org})).await), "FORBIDDEN");
    let (_, other_admin) = other_org(&app).await;
    assert_eq!(code(&app.gql(Some(&other_admin), SET, set(&app.org, "x", "y")).await), "NOT_FOUND");

    // Deleted: gone, and audited.
    let del = "mutation($o: String!, $n: String!) { deleteSecret(org: $o, name: $n) }";
    app.admin(SET, set(&app.org, "spare", &known_secret())).await;
    assert_eq!(app.admin(del, json!({"o": app.org, "n": "spare"})).await["deleteSecret"], true);
    assert_eq!(code(&app.gql(Some(&app.admin_key), del, json!({"o": app.org, "n": "spare"})).await), "NOT_FOUND");

    // The audit log says who set what, with the fingerprint and never the value.
    let log = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 100) { edges { node { kind payload } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let entries = log["org"]["auditLog"]["edges"].to_string();
    assert!(entries.contains("secret.set") && entries.contains("secret.deleted") && entries.contains(&fingerprint));
    assert!(!entries.contains(&value) && !entries.contains(&other_value));
    let (ok_export, export) = run_praetor(&["audit", "export", "--org", &app.org], &app.database_url, &[]).await;
    assert!(ok_export && export.contains("secret.set"), "{export}");
    assert!(!export.contains(&value) && !export.contains(&other_value));
    // Nor in the database itself (on SQLite: the file and its write-ahead log).
    if let Some(path) = app.database_url.strip_prefix("sqlite://") {
        for file in [path.to_string(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains(&value) && !text.contains(&other_value), "{file} holds a secret");
            }
        }
    }
}

#[tokio::test]
async fn a_ciphertext_moved_to_another_row_does_not_decrypt_and_rotation_rewraps_every_key() {
    // Verification and rotation span the whole instance: a database of its own.
    let app = spawn_with(SpawnOptions { database_url: own_database().await, ..Default::default() }).await;
    let value = known_secret();
    app.admin(SET, set(&app.org, "first", &value)).await;
    app.admin(SET, set(&app.org, "second", &known_secret())).await;
    let (other, other_admin) = other_org(&app).await;
    let theirs = ok(app.gql(Some(&other_admin), SET, set(&other, "theirs", &known_secret())).await);
    assert!(theirs["setSecret"]["fingerprint"].is_string());
    let (clean, out) = run_praetor(&["secrets", "verify"], &app.database_url, &[]).await;
    assert!(clean, "{out}");
    assert!(out.contains("2 data keys, 3 secrets, 0 authenticator secrets; 5 verified; 0 failed"), "{out}");

    // The first secret's ciphertext copied over the second's, and over the other org's.
    let org = uuid_literal(&app.org_id);
    app.execute_sql(&format!(
        "UPDATE secrets SET ciphertext = (SELECT ciphertext FROM secrets WHERE name = 'first' AND org_id = {org}) WHERE name IN ('second', 'theirs')"
    ))
    .await;
    let (clean, out) = run_praetor(&["secrets", "verify"], &app.database_url, &[]).await;
    assert!(!clean, "{out}");
    assert!(out.contains("(second)") && out.contains("(theirs)") && !out.contains("(first)"), "{out}");
    assert!(out.contains("does not decrypt") && !out.contains(&value), "{out}");
    app.execute_sql("DELETE FROM secrets WHERE name IN ('second', 'theirs')").await;

    // Rotation: a new master key, the old one kept as previous until everything is rewrapped.
    let newer = NewerMasterKey::new();
    let rotated = newer.rotating();
    let (done, out) = run_praetor(&["secrets", "rotate"], &app.database_url, &rotated).await;
    assert!(done && out.contains("2 rewrapped"), "{out}");
    let (done, out) = run_praetor(&["secrets", "rotate"], &app.database_url, &rotated).await;
    assert!(done && out.contains("0 rewrapped"), "run again: nothing left to rewrap: {out}");
    // The new key alone now opens everything; the old key alone opens nothing.
    let (clean, out) = run_praetor(&["secrets", "verify"], &app.database_url, &newer.alone()).await;
    assert!(clean, "{out}");
    let (clean, out) = run_praetor(&["secrets", "verify"], &app.database_url, &[]).await;
    assert!(!clean && out.contains("is not configured"), "{out}");
    let rewraps = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 20) { edges { node { kind payload } } } } }",
            json!({"o": app.org}),
        )
        .await;
    assert!(rewraps.to_string().contains("secrets.data_key_rewrapped"), "rotation is audited");
}

#[tokio::test]
async fn a_production_server_without_a_master_key_does_not_start() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.key");
    std::fs::write(&empty, "").unwrap();
    let (started, out) = run_praetor(
        &["audit", "verify"],
        &app.database_url,
        &[("PRAETOR_PRODUCTION", "true".into()), ("PRAETOR_SECRETS__MASTER_KEY_FILE", empty.display().to_string())],
    )
    .await;
    assert!(!started, "{out}");
    assert!(out.contains("secrets.master_key"), "{out}");
    let short = dir.path().join("short.key");
    std::fs::write(&short, "c2hvcnQ=").unwrap();
    let (started, out) = run_praetor(
        &["audit", "verify"],
        &app.database_url,
        &[("PRAETOR_SECRETS__MASTER_KEY_FILE", short.display().to_string())],
    )
    .await;
    assert!(!started && out.contains("secrets.master_key") && out.contains("32"), "{out}");
    assert!(!out.contains("c2hvcnQ="), "the key is never shown: {out}");
}

#[tokio::test]
async fn rotation_under_load_fails_no_request() {
    // Twenty-one organizations, each with a data key wrapped by the tests' master key.
    let app = spawn_with(SpawnOptions { database_url: own_database().await, ..Default::default() }).await;
    let mut orgs = vec![(app.org.clone(), app.admin_key.clone())];
    for _ in 0..20 {
        orgs.push(other_org(&app).await);
    }
    for (org, key) in &orgs {
        ok(app.gql(Some(key), SET, set(org, "seed", &known_secret())).await);
    }
    // A server that has the new master key and still the old one, under steady writes of
    // secrets (each unwraps its organization's data key) while every key is rewrapped.
    let newer = NewerMasterKey::new();
    let rotated = newer.rotating().to_vec();
    let port = free_port();
    let server = ServeProcess::start(&app.database_url, &app.org_id, port, &rotated).await;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let (rotated_flag, writes) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let mut load = Vec::new();
    for (i, (org, key)) in orgs.iter().cloned().enumerate() {
        let (rotated_flag, writes) = (rotated_flag.clone(), writes.clone());
        load.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut failures = Vec::new();
            // Writes until one has started after the rotation ended.
            loop {
                let after = rotated_flag.load(Ordering::SeqCst);
                let resp: Value = client
                    .post(format!("http://127.0.0.1:{port}/graphql"))
                    .bearer_auth(&key)
                    .json(&json!({"query": SET, "variables": set(&org, &format!("load-{i}"), &known_secret())}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                writes.fetch_add(1, Ordering::SeqCst);
                if resp["errors"].is_array() {
                    failures.push(resp);
                }
                if after {
                    return failures;
                }
            }
        }));
    }
    // The rotation starts once the writers are all under way (two writes each on average).
    for _ in 0..600 {
        if writes.load(Ordering::SeqCst) >= 2 * orgs.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (database_url, envs) = (app.database_url.clone(), rotated.clone());
    let (done, out) = run_praetor(&["secrets", "rotate"], &database_url, &envs).await;
    rotated_flag.store(true, Ordering::SeqCst);
    assert!(done && out.contains("21 rewrapped"), "{out}");
    for task in load {
        let failures = task.await.unwrap();
        assert!(failures.is_empty(), "writes failed during or after the rotation: {failures:?}");
    }
    drop(server);
    // Everything, including what was written during the rotation, opens with the new key alone.
    let (clean, out) = run_praetor(&["secrets", "verify"], &app.database_url, &newer.alone()).await;
    assert!(clean && out.contains("21 data keys"), "{out}");
}
