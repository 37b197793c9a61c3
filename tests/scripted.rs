//! A small OpenAI-compatible chat-completions server on 127.0.0.1:0. Each request is answered
//! by a function of the request (the tools it offers tell which agent is asking), and every
//! request is recorded.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::post;
use futures_util::StreamExt;
use serde_json::{Value, json};

type Answer = dyn Fn(&Value) -> Vec<String> + Send + Sync;

#[derive(Clone)]
struct Shared {
    answer: Arc<Answer>,
    requests: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    gate: Arc<tokio::sync::Semaphore>,
}

pub struct Scripted {
    /// `http://127.0.0.1:PORT/v1`
    pub base_url: String,
    requests: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    gate: Arc<tokio::sync::Semaphore>,
}

/// In a script, stops the stream there until [`Scripted::release`] (a model pausing mid-answer).
pub const HOLD: &str = "(hold)";

impl Scripted {
    /// A server answering each request with the server-sent events `answer` returns for it.
    pub async fn start(answer: impl Fn(&Value) -> Vec<String> + Send + Sync + 'static) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let shared = Shared { answer: Arc::new(answer), requests: requests.clone(), gate: gate.clone() };
        let app = Router::new().route("/v1/chat/completions", post(complete)).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base_url: format!("http://{addr}/v1"), requests, gate }
    }

    /// Lets one stream held at a [`HOLD`] go on.
    pub fn release(&self) {
        self.gate.add_permits(1);
    }

    pub fn requests(&self) -> Vec<(HeaderMap, Value)> {
        self.requests.lock().unwrap().clone()
    }
}

async fn complete(State(shared): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    let events = (shared.answer)(&body);
    shared.requests.lock().unwrap().push((headers, body));
    let gate = shared.gate.clone();
    let stream = futures_util::stream::iter(events)
        .then(move |e| {
            let gate = gate.clone();
            async move {
                if e == HOLD {
                    if let Ok(permit) = gate.acquire().await {
                        permit.forget();
                    }
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
                Some(Ok::<_, Infallible>(format!("data: {e}\n\n")))
            }
        })
        .filter_map(std::future::ready);
    Response::builder().header(header::CONTENT_TYPE, "text/event-stream").body(Body::from_stream(stream)).unwrap()
}

/// The names of the tools a request offers.
pub fn tools(request: &Value) -> Vec<String> {
    request["tools"]
        .as_array()
        .map(|t| t.iter().filter_map(|x| x["function"]["name"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The last user message of a request.
pub fn said(request: &Value) -> String {
    request["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|x| x["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// A chunk adding text.
pub fn text(s: &str) -> String {
    json!({"choices": [{"index": 0, "delta": {"content": s}, "finish_reason": null}]}).to_string()
}

/// A chunk with a tool-call fragment.
pub fn call(index: u64, name: Option<&str>, arguments: &str) -> String {
    let mut function = json!({"arguments": arguments});
    let mut call = json!({"index": index});
    if let Some(n) = name {
        function["name"] = json!(n);
        call["id"] = json!(format!("call_{index}"));
        call["type"] = json!("function");
    }
    call["function"] = function;
    json!({"choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": null}]}).to_string()
}

/// The last chunk of a completion.
pub fn finish(reason: &str) -> String {
    json!({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]}).to_string()
}

pub const DONE: &str = "[DONE]";
