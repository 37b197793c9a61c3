//! Signed audit checkpoints: a chain whose last entries are deleted and whose head is moved
//! back, or whose entry is rewritten with every hash after it recomputed, verifies clean by
//! itself; against checkpoints exported before, `praetor audit verify --checkpoints` names what
//! was removed or rewritten. An entry's inclusion proof is checked offline by the documented
//! script (SHA-256 and openssl only). Another organization sees none of it.

use praetor_store::{Housekeeping, Tenant, TenantScoped, audit_event};
use praetor_tests::*;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const CHECKPOINT: &str = "mutation($o: String!) { createAuditCheckpoint(org: $o) { seq headHash root keyId publicKey signature signedText } }";
const LIST: &str = "query($o: String!) { org(slug: $o) { auditCheckpoints { seq root } } }";
const PROOF: &str = "query($o: String!, $s: Int!) { org(slug: $o) { auditInclusionProof(seq: $s) { leafIndex treeSize leafHash path entry { seq hash } checkpoint { seq root publicKey signature signedText } } } }";

async fn projects(app: &TestApp, key: &str, org: &str, n: usize) {
    for _ in 0..n {
        let q = "mutation($o: String!, $s: String!) { createProject(input: {org: $o, slug: $s, name: $s}) { id } }";
        ok(app.gql(Some(key), q, json!({"o": org, "s": unique("p")})).await);
    }
}

async fn head(app: &TestApp, key: &str, org: &str) -> i64 {
    let q = "query($o: String!) { org(slug: $o) { auditLog(first: 1) { edges { node { seq } } } } }";
    ok(app.gql(Some(key), q, json!({"o": org})).await)["org"]["auditLog"]["edges"][0]["node"]["seq"].as_i64().unwrap()
}

/// `praetor audit …` on the test's database: success, and what it printed.
async fn audit(app: &TestApp, args: &[&str]) -> (bool, String) {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    run_praetor(&all, &app.database_url, &[]).await
}

fn tenant_of(org_id: &str) -> Tenant {
    Tenant::housekeeping(org_id.parse().unwrap(), Housekeeping::Cli)
}

/// The organization's entries from `from` on, in chain order.
async fn entries_from(app: &TestApp, org_id: &str, from: i64) -> Vec<audit_event::Model> {
    audit_event::Entity::find_in_org(tenant_of(org_id))
        .filter(audit_event::Column::Seq.gte(from))
        .order_by_asc(audit_event::Column::Seq)
        .all(&tenant_of(org_id).on(&app.app.db))
        .await
        .unwrap()
}

async fn org_id_of(app: &TestApp, key: &str, slug: &str) -> String {
    let d = ok(app.gql(Some(key), "query($o: String!) { org(slug: $o) { id } }", json!({"o": slug})).await);
    d["org"]["id"].as_str().unwrap().to_string()
}

fn script(proof: &Value) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("proof.json");
    std::fs::write(&file, proof.to_string()).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/audit-inclusion-proof.py");
    let out = std::process::Command::new("python3").arg(path).arg(&file).output().expect("python3 runs");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn checkpoints_catch_a_truncated_or_rewritten_chain_that_verifies_by_itself() {
    // No scheduler: the test alone makes checkpoints.
    let app = spawn_with(SpawnOptions { no_workers: true, ..Default::default() }).await;
    let key = app.admin_key.clone();
    projects(&app, &key, &app.org, 3).await;
    let first_head = head(&app, &key, &app.org).await;
    let first = ok(app.gql(Some(&key), CHECKPOINT, json!({"o": app.org})).await)["createAuditCheckpoint"].clone();
    assert_eq!(first["seq"], first_head, "{first:#}");
    let text = first["signedText"].as_str().unwrap();
    assert!(
        text.starts_with("praetor-audit-checkpoint/v1\n") && text.contains(&format!("seq: {first_head}\n")),
        "{text}"
    );
    // Nothing but the checkpoint's own entry since: the same checkpoint, nothing written.
    let again = ok(app.gql(Some(&key), CHECKPOINT, json!({"o": app.org})).await)["createAuditCheckpoint"].clone();
    assert_eq!(again, first);
    assert_eq!(head(&app, &key, &app.org).await, first_head + 1);
    projects(&app, &key, &app.org, 2).await;
    let second = ok(app.gql(Some(&key), CHECKPOINT, json!({"o": app.org})).await)["createAuditCheckpoint"].clone();
    assert_eq!(second["seq"], first_head + 3);
    assert_eq!(second["publicKey"], first["publicKey"], "one instance key");
    let listed = app.admin(LIST, json!({"o": app.org})).await;
    let seqs: Vec<&Value> = listed["org"]["auditCheckpoints"].as_array().unwrap().iter().map(|c| &c["seq"]).collect();
    assert_eq!(seqs, [&second["seq"], &first["seq"]], "newest first");

    // Kept elsewhere, and holding against the chain as it is.
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("checkpoints.jsonl");
    let (done, out) = audit(&app, &["checkpoints", "--org", &app.org, "--out", kept.to_str().unwrap()]).await;
    assert!(done, "{out}");
    assert_eq!(std::fs::read_to_string(&kept).unwrap().lines().count(), 2);
    let (clean, out) = audit(&app, &["verify", "--org", &app.org, "--checkpoints", kept.to_str().unwrap()]).await;
    assert!(clean && out.contains("2 checkpoint(s) hold"), "{out}");
    let pk = first["publicKey"].as_str().unwrap();
    let args = ["verify", "--org", &app.org, "--checkpoints", kept.to_str().unwrap(), "--key", pk];
    assert!(audit(&app, &args).await.0);
    let other_key = "A".repeat(43) + "=";
    let args = ["verify", "--org", &app.org, "--checkpoints", kept.to_str().unwrap(), "--key", &other_key];
    let (clean, out) = audit(&app, &args).await;
    assert!(!clean && out.contains("not the key given"), "{out}");

    // An entry's inclusion proof, checked offline by the documented script.
    let proof = app.admin(PROOF, json!({"o": app.org, "s": 2})).await["org"]["auditInclusionProof"].clone();
    assert_eq!((proof["leafIndex"].as_i64(), proof["treeSize"].clone()), (Some(1), first["seq"].clone()), "{proof:#}");
    let (holds, out) = script(&proof);
    assert!(holds && out.contains("ok: entry 2 is leaf 1") && out.contains("signed by the key"), "{out}");
    let mut bent = proof.clone();
    bent["path"][0] = json!("00".repeat(32));
    let (holds, out) = script(&bent);
    assert!(!holds && out.contains("does not lead"), "{out}");
    let mut forged = proof.clone();
    forged["checkpoint"]["signedText"] = json!(text.replace("seq: ", "seq: 1"));
    let (holds, out) = script(&forged);
    assert!(!holds && out.contains("signature does not hold"), "{out}");
    let beyond = app.gql(Some(&key), PROOF, json!({"o": app.org, "s": second["seq"].as_i64().unwrap() + 1})).await;
    assert_eq!(code(&beyond), "VALIDATION", "{beyond:#}");

    // A checkpoint altered in the file: its signature no longer holds.
    let altered = dir.path().join("altered.jsonl");
    let lines: Vec<String> = std::fs::read_to_string(&kept)
        .unwrap()
        .lines()
        .map(|l| l.replace(first["root"].as_str().unwrap(), &"ab".repeat(32)))
        .collect();
    std::fs::write(&altered, lines.join("\n")).unwrap();
    let (clean, out) = audit(&app, &["verify", "--org", &app.org, "--checkpoints", altered.to_str().unwrap()]).await;
    assert!(!clean && out.contains("its signature does not hold"), "{out}");

    // Truncation: the last entries go, from one the first checkpoint covers, and the head is
    // moved back to the entry before. By itself the chain verifies clean.
    let keep = first_head - 1;
    let last_kept = entries_from(&app, &app.org_id, keep).await.remove(0);
    let org_lit = uuid_literal(&app.org_id);
    app.execute_sql(&format!("DELETE FROM audit_events WHERE org_id = {org_lit} AND seq > {keep}")).await;
    app.execute_sql(&format!(
        "UPDATE audit_heads SET seq = {keep}, hash = '{}' WHERE org_id = {org_lit}",
        last_kept.hash
    ))
    .await;
    let (clean, out) = audit(&app, &["verify", "--org", &app.org]).await;
    assert!(clean, "truncated and rewound, the chain alone verifies: {out}");
    let (clean, out) = audit(&app, &["verify", "--org", &app.org, "--checkpoints", kept.to_str().unwrap()]).await;
    assert!(!clean, "{out}");
    assert!(out.contains(&format!("the chain ends at entry {keep}")) && out.contains("entries were removed"), "{out}");
    // Nor does Praetor sign over it.
    let refused = app.gql(Some(&key), CHECKPOINT, json!({"o": app.org})).await;
    assert_eq!(code(&refused), "CONFLICT", "{refused:#}");

    // Rewriting: another organization's second entry is changed and every hash after it, and
    // the head's, recomputed.
    let (other, other_key) = other_org(&app).await;
    let other_id = org_id_of(&app, &other_key, &other).await;
    projects(&app, &other_key, &other, 3).await;
    ok(app.gql(Some(&other_key), CHECKPOINT, json!({"o": other})).await);
    let kept2 = dir.path().join("other.jsonl");
    assert!(audit(&app, &["checkpoints", "--org", &other, "--out", kept2.to_str().unwrap()]).await.0);
    let mut prev: Option<String> = None;
    for mut e in entries_from(&app, &other_id, 2).await {
        if e.seq == 2 {
            e.payload = e.payload.replacen('{', "{\"edited\":true,", 1);
        }
        if let Some(p) = prev {
            e.prev_hash = p;
        }
        e.hash = praetor::audit::model_hash(&e);
        app.execute_sql(&format!(
            "UPDATE audit_events SET payload = '{}', prev_hash = '{}', hash = '{}' WHERE id = {}",
            e.payload.replace('\'', "''"),
            e.prev_hash,
            e.hash,
            uuid_literal(&e.id.to_string())
        ))
        .await;
        app.execute_sql(&format!(
            "UPDATE audit_heads SET hash = '{}' WHERE org_id = {} AND seq = {}",
            e.hash,
            uuid_literal(&other_id),
            e.seq
        ))
        .await;
        prev = Some(e.hash);
    }
    let (clean, out) = audit(&app, &["verify", "--org", &other]).await;
    assert!(clean, "rewritten with its hashes, the chain alone verifies: {out}");
    let (clean, out) = audit(&app, &["verify", "--org", &other, "--checkpoints", kept2.to_str().unwrap()]).await;
    assert!(!clean && out.contains("history was rewritten"), "{out}");

    // Each organization's checkpoints are its own.
    for q in [LIST, PROOF] {
        let asked = app.gql(Some(&other_key), q, json!({"o": app.org, "s": 1})).await;
        assert_eq!(code(&asked), "NOT_FOUND", "{asked:#}");
    }
    let asked = app.gql(Some(&other_key), CHECKPOINT, json!({"o": app.org})).await;
    assert_eq!(code(&asked), "NOT_FOUND", "{asked:#}");
}

#[tokio::test]
async fn the_command_line_checkpoints_every_organization_and_secrets_verify_opens_the_key() {
    // A database of its own: `secrets verify` opens every key in it.
    let app =
        spawn_with(SpawnOptions { no_workers: true, database_url: own_database().await, ..Default::default() }).await;
    projects(&app, &app.admin_key.clone(), &app.org, 1).await;
    let (done, out) = audit(&app, &["checkpoint", "--org", &app.org]).await;
    assert!(done && out.contains(&format!("{}: checkpoint at entry", app.org)), "{out}");
    let (done, out) = audit(&app, &["checkpoint", "--org", &app.org]).await;
    assert!(done && out.contains("unchanged since the checkpoint"), "{out}");
    let (done, out) = run_praetor(&["secrets", "verify"], &app.database_url, &[]).await;
    assert!(done && out.contains("1 instance key(s)"), "{out}");
}
