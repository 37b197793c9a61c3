//! Inbound triggers: a request signed by an independent implementation of Standard Webhooks
//! (the reference library, through the test receiver) proposes the trigger's template as its
//! service account through the one decision pipeline; replays answer the same plan; bad,
//! stale, unsigned, malformed and oversize requests are refused with a code and propose
//! nothing; every request is audited.

use praetor_tests::webhook_receiver::Receiver;
use praetor_tests::*;
use serde_json::{Value, json};

const CREATE: &str = "mutation($in: CreateTriggerInput!) { createTrigger(input: $in) { secret trigger { id path projectSlug template serviceAccount enabled secretFingerprint } } }";

struct Hook {
    path: String,
    secret: String,
}

async fn setup(app: &TestApp) -> Hook {
    app.with_example_policies().await;
    app.service_account_with_role("ci", "operator").await;
    let made = app
        .admin(
            CREATE,
            json!({"in": {"org": app.org, "project": "payments", "name": "release-hook", "template": "release", "args": {"version": 7}, "serviceAccount": "ci"}}),
        )
        .await["createTrigger"]
        .clone();
    assert_eq!(made["trigger"]["serviceAccount"], "ci");
    assert!(made["trigger"]["secretFingerprint"].as_str().unwrap().starts_with("hmac:"));
    Hook {
        path: made["trigger"]["path"].as_str().unwrap().to_string(),
        secret: made["secret"].as_str().unwrap().to_string(),
    }
}

/// POSTs `body` with the given headers; answers (status, JSON).
async fn post(app: &TestApp, path: &str, headers: &[(&str, String)], body: impl Into<reqwest::Body>) -> (u16, Value) {
    let mut req = app.client.post(app.url(path)).header("content-type", "application/json").body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn signed(rx: &Receiver, secret: &str, id: &str, ts: i64, body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", id.to_string()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", rx.sign(secret, id, ts, body).await),
    ]
}

#[tokio::test]
async fn a_signed_request_proposes_the_template_and_a_replay_answers_the_same_plan() {
    let app = spawn_app().await;
    let hook = setup(&app).await;
    let rx = Receiver::start().await;
    let now = praetor_tests::now().timestamp();
    let body = r#"{"service":"api"}"#;
    let headers = signed(&rx, &hook.secret, "evt_1", now, body).await;
    let (status, first) = post(&app, &hook.path, &headers, body).await;
    assert_eq!(status, 202, "{first}");
    let plan_id = first["plan"].as_str().unwrap().to_string();
    // The plan went through the pipeline: the template's prod step needs approval, and the
    // trigger's fixed arguments are under the request's.
    let plan = app
        .admin(
            "query($id: ID!) { plan(id: $id) { status proposer { kind name } steps { id params } } }",
            json!({"id": plan_id}),
        )
        .await["plan"]
        .clone();
    assert_eq!(plan["status"], "PENDING_APPROVAL", "{plan}");
    assert_eq!(plan["proposer"], json!([{"kind": "SERVICE_ACCOUNT", "name": "ci"}]));
    assert_eq!(plan["steps"][1]["params"]["version"], 7);
    assert_eq!(plan["steps"][1]["params"]["service"], "api");

    // The same request again (a retry by the sender) answers the same plan.
    let (status, again) = post(&app, &hook.path, &headers, body).await;
    assert_eq!((status, again["plan"].as_str()), (202, Some(plan_id.as_str())));
    // The same id with another body is a conflict, not a second plan.
    let other = r#"{"service":"web"}"#;
    let (status, conflict) = post(&app, &hook.path, &signed(&rx, &hook.secret, "evt_1", now, other).await, other).await;
    assert_eq!((status, conflict["code"].as_str()), (409, Some("CONFLICT")), "{conflict}");

    // Policy still decides: arguments the template refuses are refused.
    let bad = r#"{"service":"database"}"#;
    let (status, refused) = post(&app, &hook.path, &signed(&rx, &hook.secret, "evt_2", now, bad).await, bad).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("VALIDATION")), "{refused}");

    // Every request is audited: one fired, the others refused with their codes.
    let audit = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 50, kind: \"trigger.\") { edges { node { kind payload } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let kinds: Vec<String> = audit["org"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "trigger.fired").count(), 2, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "trigger.request_refused").count(), 2, "{kinds:?}");
    assert!(!audit.to_string().contains(&hook.secret));
}

#[tokio::test]
async fn bad_stale_unsigned_malformed_and_oversize_requests_propose_nothing() {
    let app = spawn_app().await;
    let hook = setup(&app).await;
    let rx = Receiver::start().await;
    let now = praetor_tests::now().timestamp();
    let body = r#"{"service":"api"}"#;
    let plans_before = plan_count(&app).await;

    // Signed with another secret.
    let wrong = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let (s, r) = post(&app, &hook.path, &signed(&rx, wrong, "evt_a", now, body).await, body).await;
    assert_eq!((s, r["code"].as_str()), (401, Some("BAD_SIGNATURE")), "{r}");
    // Signed over another body.
    let mut tampered = signed(&rx, &hook.secret, "evt_b", now, body).await;
    let (s, r) = post(&app, &hook.path, &tampered, r#"{"service":"web"}"#).await;
    assert_eq!((s, r["code"].as_str()), (401, Some("BAD_SIGNATURE")), "{r}");
    // Ten minutes old (correctly signed for that time).
    let (s, r) = post(&app, &hook.path, &signed(&rx, &hook.secret, "evt_c", now - 600, body).await, body).await;
    assert_eq!((s, r["code"].as_str()), (401, Some("STALE_TIMESTAMP")), "{r}");
    // No signature at all.
    tampered.retain(|(k, _)| *k != "webhook-signature");
    let (s, r) = post(&app, &hook.path, &tampered, body).await;
    assert_eq!((s, r["code"].as_str()), (400, Some("MISSING_HEADERS")), "{r}");
    // Signed, but not JSON.
    let junk = "{service: api";
    let (s, r) = post(&app, &hook.path, &signed(&rx, &hook.secret, "evt_d", now, junk).await, junk).await;
    assert_eq!((s, r["code"].as_str()), (400, Some("MALFORMED_JSON")), "{r}");
    // Over the 256 KiB limit.
    let big = format!(r#"{{"service":"api","pad":"{}"}}"#, "x".repeat(300 * 1024));
    let (s, r) = post(&app, &hook.path, &signed(&rx, &hook.secret, "evt_e", now, &big).await, big.clone()).await;
    assert_eq!((s, r["code"].as_str()), (413, Some("PAYLOAD_TOO_LARGE")), "{r}");
    // A trigger that does not exist, and one that is not an id.
    let (s, r) = post(&app, "/hooks/trg_0190aaaaaaaaaaaaaaaaaaaaaaaaaaaa", &[], body).await;
    assert_eq!((s, r["code"].as_str()), (404, Some("NOT_FOUND")));
    let (s, _) = post(&app, "/hooks/nonsense", &[], body).await;
    assert_eq!(s, 404);
    // Disabled: a good signature still proposes nothing.
    let id = hook.path.trim_start_matches("/hooks/");
    ok(app
        .gql(
            Some(&app.admin_key),
            "mutation($id: ID!) { setTriggerEnabled(id: $id, enabled: false) { enabled } }",
            json!({"id": id}),
        )
        .await);
    let (s, r) = post(&app, &hook.path, &signed(&rx, &hook.secret, "evt_f", now, body).await, body).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("DISABLED")), "{r}");

    assert_eq!(plan_count(&app).await, plans_before, "no request above proposed a plan");
    let refused = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 50, kind: \"trigger.request_refused\") { edges { node { payload } } } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(refused["org"]["auditLog"]["edges"].as_array().unwrap().len(), 7, "{refused}");
}

#[tokio::test]
async fn triggers_belong_to_their_organization() {
    let app = spawn_app().await;
    let hook = setup(&app).await;
    let id = hook.path.trim_start_matches("/hooks/").to_string();
    let (_, other_key) = other_org(&app).await;
    for q in [
        "mutation($id: ID!) { setTriggerEnabled(id: $id, enabled: false) { enabled } }",
        "mutation($id: ID!) { rotateTriggerSecret(id: $id) { secret } }",
        "mutation($id: ID!) { deleteTrigger(id: $id) }",
        "query($id: ID!) { node(id: $id) { id } }",
    ] {
        let resp = app.gql(Some(&other_key), q, json!({"id": id})).await;
        assert_eq!(code(&resp), "NOT_FOUND", "{q}: {resp}");
    }
    // A template the project does not have, and a service account that does not exist.
    for (field, input) in [
        (
            "template",
            json!({"org": app.org, "project": "payments", "name": "hook-x", "template": "nope", "serviceAccount": "ci"}),
        ),
        (
            "serviceAccount",
            json!({"org": app.org, "project": "payments", "name": "hook-y", "template": "release", "serviceAccount": "ghost"}),
        ),
    ] {
        let resp = app.gql(Some(&app.admin_key), CREATE, json!({"in": input})).await;
        assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp}");
    }
    // Rotation: the old secret stops working at once.
    let rx = Receiver::start().await;
    let rotated = ok(app
        .gql(Some(&app.admin_key), "mutation($id: ID!) { rotateTriggerSecret(id: $id) { secret } }", json!({"id": id}))
        .await);
    let new = rotated["rotateTriggerSecret"]["secret"].as_str().unwrap();
    let now = praetor_tests::now().timestamp();
    let body = r#"{"service":"web"}"#;
    let (s, _) = post(&app, &hook.path, &signed(&rx, &hook.secret, "evt_old", now, body).await, body).await;
    assert_eq!(s, 401);
    let (s, r) = post(&app, &hook.path, &signed(&rx, new, "evt_new", now, body).await, body).await;
    assert_eq!(s, 202, "{r}");
}

async fn plan_count(app: &TestApp) -> usize {
    let d = app
        .admin(
            "query($o: String!) { project(org: $o, slug: \"payments\") { plans(first: 100) { edges { node { id } } } } }",
            json!({"o": app.org}),
        )
        .await;
    d["project"]["plans"]["edges"].as_array().map(|a| a.len()).unwrap_or(0)
}
