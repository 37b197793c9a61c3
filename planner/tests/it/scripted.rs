//! A small OpenAI-compatible chat-completions server on 127.0.0.1:0 that plays scripted
//! replies in order and records every request it received.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use futures_util::StreamExt;
use serde_json::{Value, json};

/// What the server answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Server-sent events, `data: <event>` each; every event is written in two pieces (split
    /// mid-line) with a pause between writes, so the client sees fragments.
    Events(Vec<String>),
    /// A plain response.
    Raw { status: u16, content_type: &'static str, body: String },
    /// Waits this long before answering with the events.
    Stall(Duration, Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
struct Shared {
    replies: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Recorded>>,
}

pub struct Scripted {
    /// `http://127.0.0.1:PORT/v1`
    pub base_url: String,
    shared: Arc<Shared>,
}

impl Scripted {
    pub async fn start(replies: Vec<Reply>) -> Self {
        let shared = Arc::new(Shared { replies: Mutex::new(replies.into()), requests: Mutex::default() });
        let app = Router::new().route("/v1/chat/completions", post(complete)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base_url: format!("http://{addr}/v1"), shared }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }
}

fn sse(events: Vec<String>) -> Response {
    let pieces: Vec<String> = events
        .into_iter()
        .flat_map(|e| {
            let frame = format!("data: {e}\n\n");
            let mid = frame.char_indices().nth(frame.chars().count() / 2).map_or(0, |(i, _)| i);
            [frame[..mid].to_string(), frame[mid..].to_string()]
        })
        .collect();
    let stream = futures_util::stream::iter(pieces).then(|piece| async move {
        tokio::time::sleep(Duration::from_millis(3)).await;
        Ok::<_, Infallible>(piece)
    });
    Response::builder().header(header::CONTENT_TYPE, "text/event-stream").body(Body::from_stream(stream)).unwrap()
}

async fn complete(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    shared.requests.lock().unwrap().push(Recorded { headers, body });
    let reply = shared.replies.lock().unwrap().pop_front();
    match reply {
        Some(Reply::Events(events)) => sse(events),
        Some(Reply::Stall(wait, events)) => {
            tokio::time::sleep(wait).await;
            sse(events)
        }
        Some(Reply::Raw { status, content_type, body }) => Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
        None => {
            Response::builder().status(StatusCode::INTERNAL_SERVER_ERROR).body(Body::from("no scripted reply")).unwrap()
        }
    }
}

/// A chunk adding text.
pub fn text(s: &str) -> String {
    json!({"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": s}, "finish_reason": null}]})
        .to_string()
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
