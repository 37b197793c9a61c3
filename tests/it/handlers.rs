//! Action handlers against real local servers: `http.request` with the egress policy, and
//! external handlers called with signed requests and a stable idempotency key.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use praetor_tests::*;
use serde_json::{Value, json};

const SECRET: &str = "an-integration-test-signing-secret-0123456789";

#[derive(Default)]
struct Seen {
    requests: Vec<(HeaderMap, Value)>,
    /// Answer 503 this many times before succeeding.
    fail_first: usize,
}

async fn receive(
    State(seen): State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, axum::Json<Value>) {
    let mut s = seen.lock().unwrap();
    s.requests.push((headers, serde_json::from_slice(&body).unwrap_or(Value::Null)));
    if s.fail_first > 0 {
        s.fail_first -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"error": "try later"})));
    }
    (StatusCode::OK, axum::Json(json!({"output": {"ticket": "T-1"}, "state": {"tickets": {"T-1": "open"}}})))
}

async fn test_server(fail_first: usize) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen { fail_first, ..Default::default() }));
    let app = Router::new().route("/hook", post(receive)).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://127.0.0.1:{}/hook", addr.port()), seen)
}

fn egress_policy(org: &str, hosts: &[&str]) -> Value {
    let text = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{name: egress, org: {org}}}\nspec:\n  egress:\n    allow: {}\n",
        serde_json::to_string(hosts).unwrap()
    );
    json!([{"name": "egress.yaml", "text": text}])
}

#[tokio::test]
async fn http_requests_reach_only_allowed_hosts() {
    let (url, seen) = test_server(0).await;
    let app = spawn_with(SpawnOptions { allow_private_networks: true, ..Default::default() }).await;
    app.project("web").await;
    let step =
        json!([{"action": "http.request", "params": {"method": "POST", "url": url, "body": {"hello": "world"}}}]);

    // No egress policy: nothing is allowed.
    let p = propose(&app, &app.admin_key, "web", step.clone(), json!({"runWhenApproved": true})).await;
    let failed = wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "FAILED").await;
    assert!(failed["progress"][0]["error"].as_str().unwrap().contains("allowlist"), "{failed:#}");
    assert!(seen.lock().unwrap().requests.is_empty());

    app.admin(APPLY, json!({"in": {"org": app.org, "sources": egress_policy(&app.org, &["127.0.0.1"])}})).await;
    let p = propose(&app, &app.admin_key, "web", step, json!({"runWhenApproved": true})).await;
    let done = wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "SUCCEEDED").await;
    assert_eq!(done["progress"][0]["output"]["status"], 200);
    assert_eq!(done["progress"][0]["output"]["body"]["output"]["ticket"], "T-1");
    let s = seen.lock().unwrap();
    assert_eq!(s.requests[0].1, json!({"hello": "world"}));
    assert_eq!(s.requests[0].0["idempotency-key"].to_str().unwrap(), format!("{}:step-1", p["id"].as_str().unwrap()));
}

#[tokio::test]
async fn private_addresses_are_refused_by_default() {
    let (url, seen) = test_server(0).await;
    let app = spawn_app().await;
    app.project("web").await;
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": egress_policy(&app.org, &["127.0.0.1", "localhost"])}}))
        .await;
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "http.request", "params": {"url": url}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    let failed = wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "FAILED").await;
    let error = failed["progress"][0]["error"].as_str().unwrap();
    assert!(error.contains("private, loopback or link-local"), "{error}");
    assert_eq!(failed["progress"][0]["attempts"], 1, "a refusal is not retried");
    assert!(seen.lock().unwrap().requests.is_empty());
}

#[tokio::test]
async fn external_handlers_get_signed_requests_and_a_stable_idempotency_key() {
    let (url, seen) = test_server(1).await;
    let app = spawn_with(SpawnOptions {
        allow_private_networks: true,
        signing_secret: Some(SECRET.into()),
        ..Default::default()
    })
    .await;
    app.project("web").await;
    let action = format!(
        "apiVersion: praetor.dev/v1\nkind: Action\nmetadata: {{name: ticket.open, org: {org}}}\nspec:\n  params: {{type: object, required: [title], properties: {{title: {{type: string}}}}}}\n  handler:\n    external: {{url: \"{url}\"}}\n  retry: {{maxAttempts: 3, backoffSeconds: 1}}\n---\napiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{name: egress, org: {org}}}\nspec:\n  egress: {{allow: [\"127.0.0.1\"]}}\n",
        org = app.org
    );
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": [{"name": "ticket.yaml", "text": action}]}})).await;
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"id": "open", "action": "ticket.open", "params": {"title": "disk full"}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    let id = p["id"].as_str().unwrap().to_string();
    let done = wait_for_status(&app, &app.admin_key, &id, "SUCCEEDED").await;
    assert_eq!(done["progress"][0]["output"], json!({"ticket": "T-1"}));
    assert_eq!(done["progress"][0]["attempts"], 2, "the 503 was retried");
    let state =
        app.admin("query($o: String!) { project(org: $o, slug: \"web\") { state } }", json!({"o": app.org})).await;
    assert_eq!(state["project"]["state"]["tickets"], json!({"T-1": "open"}));

    {
        let s = seen.lock().unwrap();
        assert_eq!(s.requests.len(), 2);
        let ids: Vec<&str> = s.requests.iter().map(|(h, _)| h["webhook-id"].to_str().unwrap()).collect();
        assert_eq!(ids, [format!("{id}:open"), format!("{id}:open")], "the same key on every attempt");
        // The signature is Standard Webhooks: HMAC-SHA256 over id.timestamp.body, base64.
        let (headers, body) = &s.requests[1];
        let ts = headers["webhook-timestamp"].to_str().unwrap();
        let raw = serde_json::to_vec(body).unwrap();
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("{}.{}.", ids[1], ts).as_bytes());
        mac.update(&raw);
        let expected = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
        assert_eq!(headers["webhook-signature"].to_str().unwrap(), expected);
        assert_eq!(body["params"], json!({"title": "disk full"}));
        assert_eq!(body["action"], "ticket.open");
    }

    // An organization's own signing secret (kept encrypted) signs its calls instead.
    let set = "mutation($in: SetSecretInput!) { setSecret(input: $in) { fingerprint } }";
    let short = json!({"in": {"org": app.org, "name": "actions.signing_secret", "value": "too short"}});
    assert_eq!(code(&app.gql(Some(&app.admin_key), set, short).await), "VALIDATION");
    let own = format!("org-signing-secret-{}", uuid::Uuid::new_v4().simple());
    app.admin(set, json!({"in": {"org": app.org, "name": "actions.signing_secret", "value": own}})).await;
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"id": "again", "action": "ticket.open", "params": {"title": "disk full again"}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "SUCCEEDED").await;
    let s = seen.lock().unwrap();
    let (headers, body) = s.requests.last().unwrap();
    let (id, ts) = (headers["webhook-id"].to_str().unwrap(), headers["webhook-timestamp"].to_str().unwrap());
    let sign = |secret: &str| {
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{id}.{ts}.").as_bytes());
        mac.update(&serde_json::to_vec(body).unwrap());
        format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
    };
    assert_eq!(headers["webhook-signature"].to_str().unwrap(), sign(&own));
    assert_ne!(sign(&own), sign(SECRET));
}
