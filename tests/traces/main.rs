//! Traces: a request that proposes a plan continues its caller's trace (W3C `traceparent`)
//! through the GraphQL operation, the decision and the database transaction; the plan's job runs
//! its step and handler in spans of their own; the request span carries the request id, and the
//! request's log line carries the trace id. Spans go through the provider the server builds for
//! `traces.*` (sampling, service name), collected in memory instead of sent over OTLP.

use std::io::Write;
use std::sync::{Arc, Mutex};

use opentelemetry::Value;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use praetor::config::TracesConfig;
use praetor_tests::*;
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt;

#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn attr(span: &SpanData, key: &str) -> Option<String> {
    span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| match &kv.value {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    })
}

const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

// The subscriber is the process's global default, set before the server starts: the only test
// of this binary, so every thread's spans (the server's tasks on any worker) reach it. Several
// threads, so the blocking flushes below never hold up the server's tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_continues_its_callers_trace_through_decision_and_transaction() {
    let exporter = InMemorySpanExporter::default();
    let provider = praetor::traces::build(
        &TracesConfig { service_name: "praetor-test".into(), ..Default::default() },
        exporter.clone(),
    );
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("info,praetor=debug"))
        .with(praetor::traces::layer(&provider))
        .with(tracing_subscriber::fmt::layer().with_ansi(false).with_writer(move || writer.clone()));
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this test binary");

    let app = spawn_app().await;
    app.project("traced").await;
    let input = json!({"org": app.org, "project": "traced", "runWhenApproved": true,
        "steps": [{"action": "state.set", "params": {"key": "k", "value": 1}}]});
    let r = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_key)
        .header("traceparent", format!("00-{CALLER_TRACE}-00f067aa0ba902b7-01"))
        .json(&json!({"query": PROPOSE, "variables": {"in": input}, "operationName": null}))
        .send()
        .await
        .unwrap();
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let plan = ok(r.json().await.unwrap())["proposePlan"].clone();
    wait_for_status(&app, &app.admin_key, plan["id"].as_str().unwrap(), "SUCCEEDED").await;
    // The job's span ends when the worker is done with it, just after the plan's last event.
    let mut spans = Vec::new();
    // Exported in batches (every 5 s at the latest, as in production): wait for both ends (up
    // to two minutes: on a loaded machine fifteen seconds were not always enough).
    for _ in 0..2_400 {
        provider.force_flush().unwrap();
        spans = exporter.get_finished_spans().unwrap();
        let caller = |s: &SpanData| s.span_context.trace_id().to_string() == CALLER_TRACE;
        if spans.iter().any(|s| s.name == "plan.job") && spans.iter().any(|s| caller(s) && s.name == "POST /graphql") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let in_caller: Vec<&SpanData> =
        spans.iter().filter(|s| s.span_context.trace_id().to_string() == CALLER_TRACE).collect();
    let named = |name: &str| in_caller.iter().find(|s| s.name == name).copied();
    let all: Vec<(String, String)> =
        spans.iter().map(|s| (s.span_context.trace_id().to_string(), s.name.to_string())).collect();
    let request = named("POST /graphql").unwrap_or_else(|| panic!("the request's span: {all:#?}"));
    assert_eq!(attr(request, "request_id").as_deref(), Some(request_id.as_str()));
    assert_eq!(attr(request, "http.response.status_code").as_deref(), Some("200"));
    assert!(
        request
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "http.response.status_code" && kv.value == Value::I64(200)),
        "the status is a number: {:?}",
        request.attributes
    );
    assert_eq!(request.span_kind, opentelemetry::trace::SpanKind::Server);
    assert!(request.parent_span_is_remote, "a child of the caller's span");
    let operation = in_caller.iter().find(|s| s.name.starts_with("mutation")).expect("the operation's span");
    assert_eq!(operation.parent_span_id, request.span_context.span_id());
    let decision = named("decision").expect("the decision's span");
    assert_eq!(attr(decision, "stage").as_deref(), Some("proposal"));
    assert_eq!(attr(decision, "verdict").as_deref(), Some("allowed"));
    let txn = in_caller.iter().find(|s| s.name == "db.transaction" && attr(s, "outcome").as_deref() == Some("commit"));
    assert!(txn.is_some(), "the proposal's transaction: {in_caller:#?}");
    assert!(spans.iter().all(|s| s.instrumentation_scope.name() == "praetor"), "every span is the server's tracer's");

    // The plan's job, in a trace of its own: its step, the execution decision and the handler.
    let job = spans.iter().find(|s| s.name == "plan.job" && attr(s, "plan").as_deref() == plan["id"].as_str());
    let job = job.unwrap_or_else(|| panic!("the plan job's span: {all:#?}"));
    let in_job =
        |name: &str| spans.iter().any(|s| s.name == name && s.span_context.trace_id() == job.span_context.trace_id());
    assert!(in_job("step") && in_job("handler") && in_job("decision"), "{spans:#?}");

    // The request's log line names the caller's trace.
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let line =
        text.lines().find(|l| l.contains("request finished") && l.contains(&request_id)).expect("the request's log");
    assert!(line.contains(&format!("trace_id={CALLER_TRACE}")), "{line}");
}
