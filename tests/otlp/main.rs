//! OTLP over the wire: a `praetor serve` process with `traces.otlp_endpoint` set sends its spans
//! over OTLP/HTTP (protobuf), through the exporter `praetor::traces::provider` builds, to a real
//! collector — Arize Phoenix — and a request carrying a caller's W3C `traceparent` is found there:
//! the request span (with its request id) a child of the caller's span, the GraphQL operation
//! under it and the `proposal` decision inside, all in the caller's trace. Phoenix keeps no
//! resource attributes but its project name, so the service name is read from the requests on
//! their way to it (a pass-through that keeps a copy of each).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header::CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use praetor_tests::*;
use serde_json::{Value, json};

const CALLER_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN: &str = "b7ad6b7169203331";
const SERVICE: &str = "praetor-otlp-test";

/// `TEST_PHOENIX` (the test command installs Phoenix and sets it), or the test
/// command's install inside the clone.
fn phoenix_binary() -> Option<PathBuf> {
    let installed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/otlp-venv/bin/phoenix");
    let candidates = [std::env::var("TEST_PHOENIX").map(PathBuf::from).unwrap_or_default(), installed];
    candidates.into_iter().filter(|c| !c.as_os_str().is_empty()).find(|p| p.exists())
}

/// A Phoenix server of the test's own (its own ports and working directory), killed when dropped.
struct Phoenix {
    child: std::process::Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Drop for Phoenix {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Phoenix {
    fn start(binary: &Path) -> Phoenix {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("phoenix.log")).unwrap();
        let child = std::process::Command::new(binary)
            .arg("serve")
            .env("PHOENIX_WORKING_DIR", dir.path())
            .env("PHOENIX_HOST", "127.0.0.1")
            .env("PHOENIX_PORT", port.to_string())
            .env("PHOENIX_GRPC_PORT", free_port().to_string())
            .env("PHOENIX_TELEMETRY_ENABLED", "false")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("phoenix starts");
        Phoenix { child, url: format!("http://127.0.0.1:{port}"), dir }
    }

    fn log(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("phoenix.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Waits (up to two minutes: it takes some fifteen seconds on an idle machine) until
    /// `/healthz` answers.
    async fn wait_healthy(&mut self, client: &reqwest::Client) {
        for _ in 0..480 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("phoenix exited ({status}):\n{}", self.log());
            }
            let r = client.get(format!("{}/healthz", self.url)).send().await;
            if r.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("phoenix did not answer /healthz within two minutes:\n{}", self.log());
    }

    /// The spans of `trace` Phoenix has stored (spans without a project name go to `default`).
    async fn spans(&self, client: &reqwest::Client, trace: &str) -> Vec<Value> {
        let r = client
            .get(format!("{}/v1/projects/default/spans", self.url))
            .query(&[("trace_id", trace), ("limit", "1000")])
            .send()
            .await;
        let Ok(r) = r else { return Vec::new() };
        let body: Value = r.json().await.unwrap_or(Value::Null);
        body["data"].as_array().cloned().unwrap_or_default()
    }
}

/// Between the server and Phoenix: hands each OTLP request on unchanged and keeps a copy
/// (content type and body).
#[derive(Clone)]
struct Tap {
    phoenix: String,
    client: reqwest::Client,
    seen: Arc<Mutex<Vec<(String, Bytes)>>>,
}

async fn pass_on(State(tap): State<Tap>, headers: HeaderMap, body: Bytes) -> Response {
    let kind = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    tap.seen.lock().unwrap().push((kind.clone(), body.clone()));
    let sent = tap.client.post(format!("{}/v1/traces", tap.phoenix)).header(CONTENT_TYPE, kind).body(body).send().await;
    match sent {
        Ok(r) => {
            let status = r.status();
            (status, r.bytes().await.unwrap_or_default()).into_response()
        }
        Err(e) => (axum::http::StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

impl Tap {
    /// Listens on a port of its own; the server's endpoint is its base URL.
    async fn start(phoenix: &str) -> (Tap, String) {
        let tap = Tap { phoenix: phoenix.to_string(), client: reqwest::Client::new(), seen: Default::default() };
        let app = axum::Router::new().route("/v1/traces", axum::routing::post(pass_on)).with_state(tap.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (tap, format!("http://{addr}"))
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// An OTLP `KeyValue` with a string value as protobuf encodes it (short strings: one-byte lengths).
fn string_attribute(key: &str, value: &str) -> Vec<u8> {
    let mut out = vec![0x0a, key.len() as u8];
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(&[0x12, value.len() as u8 + 2, 0x0a, value.len() as u8]);
    out.extend_from_slice(value.as_bytes());
    out
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// An attribute as text, whether exported as a string or a number.
fn attr(span: &Value, key: &str) -> Option<String> {
    match &span["attributes"][key] {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_a_real_otlp_collector_in_the_callers_trace() {
    let Some(binary) = phoenix_binary() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Phoenix is required under CI (the test command installs it and sets TEST_PHOENIX)"
        );
        eprintln!(
            "SKIPPED: no Phoenix (set TEST_PHOENIX to a `phoenix` executable: pip install arize-phoenix==20.26.1)"
        );
        return;
    };
    // Phoenix starts while the database and the server are set up.
    let mut phoenix = Phoenix::start(&binary);
    let app = spawn_app().await;
    app.project("traced").await;
    phoenix.wait_healthy(&app.client).await;
    let (tap, endpoint) = Tap::start(&phoenix.url).await;

    // The real command, configured as an operator would: its own tracing setup and exporter.
    let port = free_port();
    let envs = [
        ("PRAETOR_TRACES__OTLP_ENDPOINT", endpoint),
        ("PRAETOR_TRACES__SERVICE_NAME", SERVICE.to_string()),
        // The log filter also decides which spans exist: each request's, and all inside it, at
        // info (as the default `info` would), with no other log line on the test's output.
        ("RUST_LOG", "warn,[request]=info".to_string()),
    ];
    let _server = ServeProcess::start(&app.database_url, &app.org_id, port, &envs).await;

    let propose = "mutation ProposeTraced($in: ProposePlanInput!) { proposePlan(input: $in) { id status } }";
    let input = json!({"org": app.org, "project": "traced",
        "steps": [{"action": "state.set", "params": {"key": "k", "value": 1}}]});
    let r = app
        .client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(&app.admin_key)
        .header("traceparent", format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01"))
        .json(&json!({"query": propose, "variables": {"in": input}}))
        .send()
        .await
        .unwrap();
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let plan = ok(r.json().await.unwrap())["proposePlan"].clone();
    assert!(plan["id"].as_str().is_some_and(|id| id.starts_with("pln_")), "{plan}");

    // Exported in batches (every 5 s at the latest); Phoenix stores them a little later. Up to
    // two minutes: a wait, not a timing check.
    let wanted = ["POST /graphql", "mutation ProposeTraced", "decision"];
    let mut spans = Vec::new();
    for _ in 0..240 {
        spans = phoenix.spans(&app.client, CALLER_TRACE).await;
        if wanted.iter().all(|name| spans.iter().any(|s| s["name"] == *name)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let names: Vec<&Value> = spans.iter().map(|s| &s["name"]).collect();
    let named = |name: &str| {
        spans.iter().find(|s| s["name"] == name).unwrap_or_else(|| {
            panic!("no `{name}` span in Phoenix for the caller's trace: {names:?}\n{}", phoenix.log())
        })
    };
    assert!(spans.iter().all(|s| s["context"]["trace_id"] == CALLER_TRACE), "{spans:#?}");

    let request = named("POST /graphql");
    assert_eq!(request["parent_id"], CALLER_SPAN, "a child of the caller's span: {request:#}");
    assert_eq!(attr(request, "request_id").as_deref(), Some(request_id.as_str()), "{request:#}");
    assert_eq!(attr(request, "http.route").as_deref(), Some("/graphql"));
    assert_eq!(request["attributes"]["http.response.status_code"], 200, "a number: {request:#}");

    let operation = named("mutation ProposeTraced");
    assert_eq!(operation["parent_id"], request["context"]["span_id"], "{operation:#}");
    assert_eq!(attr(operation, "graphql.operation.name").as_deref(), Some("ProposeTraced"));

    let decision = named("decision");
    assert_eq!(attr(decision, "stage").as_deref(), Some("proposal"), "{decision:#}");
    assert_eq!(attr(decision, "verdict").as_deref(), Some("allowed"), "{decision:#}");
    // The decision is inside the operation (through whatever spans lie between).
    let parent_of = |id: &Value| spans.iter().find(|s| s["context"]["span_id"] == *id).map(|s| &s["parent_id"]);
    let mut at = &decision["parent_id"];
    while *at != operation["context"]["span_id"] {
        at = parent_of(at).unwrap_or_else(|| panic!("the decision is not under the operation: {spans:#?}"));
    }

    // What went over the wire: protobuf, and the caller's trace sent with the service's name
    // (`service.name` in the resource, which Phoenix does not keep).
    let seen = tap.seen.lock().unwrap().clone();
    assert!(!seen.is_empty() && seen.iter().all(|(kind, _)| kind == "application/x-protobuf"), "{:?}", {
        seen.iter().map(|(k, b)| (k.clone(), b.len())).collect::<Vec<_>>()
    });
    let trace = hex_bytes(CALLER_TRACE);
    let batch = seen.iter().find(|(_, body)| contains(body, &trace)).expect("a batch with the caller's trace");
    assert!(contains(&batch.1, &string_attribute("service.name", SERVICE)), "{:?}", batch.1);
}
