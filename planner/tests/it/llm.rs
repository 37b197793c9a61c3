//! The LLM planner against the scripted local server: streamed tool calls, text, malformed
//! calls, HTTP failures and timeouts, and what the server was sent.

use std::time::{Duration, Instant};

use praetor_planner::{
    Catalog, Discard, LlmConfig, LlmPlanner, Memory, Outcome, PlanRequest, Planner, PlannerError, Secret,
};
use serde_json::json;
use tokio::sync::mpsc;

use crate::fixture::catalog;
use crate::scripted::{DONE, Reply, Scripted, call, finish, text};

const KEY: &str = "sk-test-0123456789abcdef";

fn planner(server: &Scripted, timeout_ms: u64) -> LlmPlanner {
    crate::tls();
    let mut config = LlmConfig::new(&server.base_url, "gpt-test");
    config.api_key = Some(Secret::new(KEY));
    config.timeout_ms = timeout_ms;
    LlmPlanner::new(config).unwrap()
}

async fn run(replies: Vec<Reply>, text: &str) -> (Result<Outcome, PlannerError>, Scripted) {
    let server = Scripted::start(replies).await;
    let cat = catalog();
    let memory = Memory::new();
    let got = planner(&server, 5_000)
        .plan(PlanRequest { text, catalog: &cat, memory: &memory, api_key: None }, &Discard)
        .await;
    (got, server)
}

#[tokio::test]
async fn a_streamed_tool_call_becomes_a_plan() {
    let events = vec![
        text("I'll deploy "),
        call(0, Some("deploy_web"), ""),
        call(0, None, "{\"serv"),
        call(0, None, "ice\": \"api\", \"en"),
        text("api to prod, "),
        call(1, Some("service_restart"), "{\"service\":"),
        call(0, None, "v\": \"prod\"}"),
        call(1, None, " \"api\"}"),
        text("then restart it."),
        finish("tool_calls"),
        DONE.to_string(),
    ];
    let server = Scripted::start(vec![Reply::Events(events)]).await;
    let cat = catalog();
    let mut memory = Memory::new();
    memory.record(
        "restart web",
        &Outcome::Plan(praetor_planner::ProposedPlan::single("service.restart", json!({"service": "web"}), "")),
    );
    let (tx, mut rx) = mpsc::channel(64);
    let got = planner(&server, 5_000)
        .plan(
            PlanRequest { text: "deploy api to prod and restart it", catalog: &cat, memory: &memory, api_key: None },
            &tx,
        )
        .await
        .unwrap();
    drop(tx);
    let mut deltas = Vec::new();
    while let Some(d) = rx.recv().await {
        deltas.push(d);
    }
    assert_eq!(deltas, vec!["I'll deploy ", "api to prod, ", "then restart it."]);
    let plan = got.plan().expect("a plan");
    assert!(plan.template.is_none());
    assert_eq!(plan.steps.len(), 2);
    assert_eq!((plan.steps[0].id.as_str(), plan.steps[0].action.as_str()), ("step-1", "deploy.web"));
    // The schema's default is filled in, as for the alias planner.
    assert_eq!(plan.steps[0].params, json!({"service": "api", "env": "prod", "version": 1}));
    assert_eq!((plan.steps[1].id.as_str(), plan.steps[1].action.as_str()), ("step-2", "service.restart"));
    assert_eq!(plan.steps[1].params, json!({"service": "api"}));
    assert_eq!(plan.explanation, "I'll deploy api to prod, then restart it.");

    // What the endpoint was sent.
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.headers["authorization"], format!("Bearer {KEY}"));
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.body["model"], "gpt-test");
    assert_eq!(r.body["stream"], true);
    assert_eq!(r.body["tool_choice"], "auto");
    let names: Vec<&str> =
        r.body["tools"].as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        vec![
            "cache_flush",
            "deploy_web",
            "flag_set",
            "queue_flush",
            "rollback_web",
            "scale_service",
            "service_restart",
            "ticket_open",
            "template_release"
        ]
    );
    let deploy = &r.body["tools"][1];
    assert_eq!(deploy["type"], "function");
    assert_eq!(deploy["function"]["parameters"], cat.action("deploy.web").unwrap().params);
    assert!(deploy["function"]["description"].as_str().unwrap().contains("deploy {service} to {env=staging}"));
    let messages = r.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "system");
    assert!(messages[0]["content"].as_str().unwrap().contains("Known values: service=\"web\""));
    assert_eq!(messages[1], json!({"role": "user", "content": "deploy api to prod and restart it"}));
}

#[tokio::test]
async fn a_template_call_becomes_a_template_plan() {
    let events = vec![call(0, Some("template_release"), "{\"service\": \"web\"}"), finish("tool_calls"), DONE.into()];
    let (got, _) = run(vec![Reply::Events(events)], "release web").await;
    let plan = got.unwrap().plan().cloned().expect("a plan");
    let t = plan.template.expect("a template");
    assert_eq!((t.name.as_str(), t.args), ("release", json!({"service": "web", "version": 1})));
    assert!(plan.steps.is_empty());
    // No text from the model: the explanation is generated.
    assert_eq!(
        plan.explanation,
        "Deploy to staging, then to production (template release) with {service: \"web\", version: 1}."
    );
}

#[tokio::test]
async fn plain_text_is_a_reply_without_a_plan() {
    let events = vec![text("Which service "), text("do you mean?"), finish("stop"), DONE.into()];
    let (got, _) = run(vec![Reply::Events(events)], "deploy something").await;
    assert_eq!(got.unwrap(), Outcome::Reply { text: "Which service do you mean?".into() });
}

#[tokio::test]
async fn malformed_arguments_are_an_error_and_no_plan() {
    let events = vec![call(0, Some("deploy_web"), "{\"service\": \"web\", "), finish("tool_calls"), DONE.into()];
    let (got, _) = run(vec![Reply::Events(events)], "deploy web").await;
    let err = got.unwrap_err();
    let PlannerError::MalformedToolCall { tool, problem } = &err else { panic!("{err:?}") };
    assert_eq!(tool, "deploy_web");
    assert!(problem.starts_with("the arguments are not valid JSON"), "{problem}");
    assert!(
        err.to_string().starts_with("the model's call of `deploy_web` is malformed: the arguments are not valid JSON")
    );
}

#[tokio::test]
async fn arguments_must_be_an_object() {
    let events = vec![call(0, Some("service_restart"), "[\"web\"]"), finish("tool_calls"), DONE.into()];
    let (got, _) = run(vec![Reply::Events(events)], "restart web").await;
    assert_eq!(
        got.unwrap_err(),
        PlannerError::MalformedToolCall {
            tool: "service_restart".into(),
            problem: "the arguments must be a JSON object, got [\"web\"]".into()
        }
    );
}

#[tokio::test]
async fn an_unknown_tool_is_an_error() {
    let events = vec![
        call(0, Some("deploy_web"), "{\"service\":\"web\"}"),
        call(1, Some("drop_database"), "{}"),
        finish("tool_calls"),
        DONE.into(),
    ];
    let (got, _) = run(vec![Reply::Events(events)], "deploy web").await;
    let err = got.unwrap_err();
    assert_eq!(err, PlannerError::UnknownTool { tool: "drop_database".into() });
    assert_eq!(err.to_string(), "the model called `drop_database`, which is not an available tool");
    // The policy name itself is not a tool name either.
    let events = vec![call(0, Some("deploy.web"), "{\"service\":\"web\"}"), finish("tool_calls"), DONE.into()];
    let (got, _) = run(vec![Reply::Events(events)], "deploy web").await;
    assert_eq!(got.unwrap_err(), PlannerError::UnknownTool { tool: "deploy.web".into() });
}

#[tokio::test]
async fn arguments_violating_the_schema_are_an_error() {
    let events = vec![
        call(0, Some("scale_service"), "{\"service\":\"web\",\"replicas\":80}"),
        finish("tool_calls"),
        DONE.into(),
    ];
    let (got, _) = run(vec![Reply::Events(events)], "scale web to 80").await;
    let err = got.unwrap_err();
    let PlannerError::InvalidArguments { tool, target, problems } = &err else { panic!("{err:?}") };
    assert_eq!((tool.as_str(), target.as_str()), ("scale_service", "scale.service"));
    assert_eq!(problems[0].message, "`replicas` must be at most 50, got 80");
    assert_eq!(
        err.to_string(),
        "the model's call of `scale_service` (scale.service) has invalid arguments: `replicas` must be at most 50, got 80"
    );
    let events =
        vec![call(0, Some("deploy_web"), "{\"env\":\"prod\",\"colour\":\"red\"}"), finish("tool_calls"), DONE.into()];
    let (got, _) = run(vec![Reply::Events(events)], "deploy").await;
    let PlannerError::InvalidArguments { problems, .. } = got.unwrap_err() else { panic!() };
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(messages.contains(&"`service` is required"), "{messages:?}");
    assert!(messages.contains(&"unknown parameter `colour`"), "{messages:?}");
}

#[tokio::test]
async fn a_template_after_steps_is_refused() {
    let events = vec![
        call(0, Some("service_restart"), "{\"service\":\"web\"}"),
        call(1, Some("template_release"), "{\"service\":\"web\"}"),
        finish("tool_calls"),
        DONE.into(),
    ];
    let (got, _) = run(vec![Reply::Events(events)], "x").await;
    assert!(
        matches!(got.unwrap_err(), PlannerError::MalformedToolCall { tool, problem } if tool == "template_release" && problem.contains("must be the first call"))
    );
}

#[tokio::test]
async fn http_errors_are_reported_without_the_key() {
    let body = json!({"error": {"message": "upstream overloaded", "type": "server_error"}}).to_string();
    let (got, _) = run(vec![Reply::Raw { status: 500, content_type: "application/json", body }], "deploy web").await;
    let err = got.unwrap_err();
    assert_eq!(err, PlannerError::Http { status: 500, message: "upstream overloaded".into() });
    assert_eq!(err.to_string(), "the model endpoint answered HTTP 500: upstream overloaded");
    let body = format!("invalid key Bearer {KEY}");
    let (got, _) = run(vec![Reply::Raw { status: 401, content_type: "text/plain", body }], "deploy web").await;
    let err = got.unwrap_err();
    assert_eq!(err, PlannerError::Http { status: 401, message: "invalid key Bearer ***".into() });
    assert!(!format!("{err} {err:?}").contains(KEY));
}

#[tokio::test]
async fn a_slow_endpoint_times_out() {
    let server = Scripted::start(vec![Reply::Stall(Duration::from_secs(3), vec![text("late"), DONE.into()])]).await;
    let cat = catalog();
    let memory = Memory::new();
    let started = Instant::now();
    let got = planner(&server, 300)
        .plan(PlanRequest { text: "deploy web", catalog: &cat, memory: &memory, api_key: None }, &Discard)
        .await;
    assert_eq!(got.unwrap_err(), PlannerError::Timeout(Duration::from_millis(300)));
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[tokio::test]
async fn bodies_that_are_not_event_streams_are_errors() {
    let body = json!({"choices": [{"message": {"content": "hi"}}]}).to_string();
    let (got, _) = run(vec![Reply::Raw { status: 200, content_type: "application/json", body }], "x").await;
    let err = got.unwrap_err();
    assert!(
        matches!(&err, PlannerError::NotEventStream(m) if m.starts_with("content type `application/json`: {")),
        "{err:?}"
    );
    let (got, _) =
        run(vec![Reply::Raw { status: 200, content_type: "text/event-stream", body: "hello\nworld\n".into() }], "x")
            .await;
    assert_eq!(got.unwrap_err(), PlannerError::NotEventStream("no `data:` lines in: hello world".into()));
    let (got, _) =
        run(vec![Reply::Raw { status: 200, content_type: "text/event-stream", body: "data: {oops\n\n".into() }], "x")
            .await;
    assert!(matches!(got.unwrap_err(), PlannerError::BadStream(m) if m.starts_with("an event is not JSON")));
}

#[tokio::test]
async fn a_stream_cut_short_is_an_error() {
    let events = vec![text("Deploying"), call(0, Some("deploy_web"), "{\"service\":\"web\"}")];
    let (got, _) = run(vec![Reply::Events(events)], "deploy web").await;
    assert_eq!(got.unwrap_err(), PlannerError::BadStream("the stream ended before the model finished".into()));
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_transport_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut config = LlmConfig::new(format!("http://127.0.0.1:{port}/v1"), "m");
    config.api_key = Some(Secret::new(KEY));
    let cat = catalog();
    let memory = Memory::new();
    let got = LlmPlanner::new(config)
        .unwrap()
        .plan(PlanRequest { text: "x", catalog: &cat, memory: &memory, api_key: None }, &Discard)
        .await;
    let err = got.unwrap_err();
    assert!(matches!(&err, PlannerError::Transport(_)), "{err:?}");
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn an_empty_catalog_offers_no_tools() {
    let server = Scripted::start(vec![Reply::Events(vec![text("Nothing to do."), DONE.into()])]).await;
    let memory = Memory::new();
    let got = planner(&server, 5_000)
        .plan(PlanRequest { text: "hi", catalog: &Catalog::empty(), memory: &memory, api_key: None }, &Discard)
        .await
        .unwrap();
    assert_eq!(got, Outcome::Reply { text: "Nothing to do.".into() });
    let body = &server.requests()[0].body;
    assert!(body.get("tools").is_none() && body.get("tool_choice").is_none(), "{body}");
    assert!(!body["messages"][0]["content"].as_str().unwrap().contains("conversation established"));
}

#[tokio::test]
async fn oversized_answers_are_refused() {
    let mut events: Vec<String> = (0..51).map(|i| call(i, Some("service_restart"), "{\"service\":\"web\"}")).collect();
    events.extend([finish("tool_calls"), DONE.to_string()]);
    let (got, _) = run(vec![Reply::Events(events)], "restart everything").await;
    assert_eq!(
        got.unwrap_err(),
        PlannerError::BadStream("the model made 51 tool calls; at most 50 are accepted".into())
    );
    let body = format!("data: {}\n\ndata: [DONE]\n\n", text(&"x".repeat((1 << 20) + 10)));
    let (got, _) = run(vec![Reply::Raw { status: 200, content_type: "text/event-stream", body }], "x").await;
    assert_eq!(got.unwrap_err(), PlannerError::BadStream("the answer is larger than 1048576 bytes".into()));
}
