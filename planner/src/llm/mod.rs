//! The LLM planner: any OpenAI-compatible chat-completions endpoint (`POST
//! {base_url}/chat/completions`, streamed). The catalog's actions and templates are offered as
//! tools with their JSON Schemas; the model's text streams to the sink as it arrives; its tool
//! calls become a plan only if every one of them names a known tool with arguments that parse as
//! a JSON object and satisfy the schema. Anything else is an error and no plan: a model cannot
//! smuggle a step past validation, and what it does propose still goes through the same
//! decision pipeline as any other plan.
//!
//! The key is sent as a bearer token and never appears in `Debug` output or error messages.

mod stream;
mod tools;

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::alias::explain;
use crate::catalog::{Catalog, EntryKind};
use crate::error::PlannerError;
use crate::plan::{Outcome, PlanStep, ProposedPlan, TemplateCall};
use crate::sink::DeltaSink;
use crate::{PlanRequest, Planner};
use stream::{Assembly, SseDecoder};
use tools::ToolMap;

/// A secret string: shown as `***` by `Debug`, never serialized.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

fn default_timeout_ms() -> u64 {
    60_000
}

/// Where the model is and how to call it (a section of the server's configuration).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// The API root, e.g. `https://api.openai.com/v1`; `/chat/completions` is appended.
    pub base_url: String,
    pub model: String,
    /// Sent as `Authorization: Bearer …`; none for local endpoints that need no key.
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// The whole exchange (connect, answer, stream) must finish within this.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default)]
    pub max_tokens: Option<u32>,
    #[serde(default)]
    pub temperature: Option<f32>,
}

impl LlmConfig {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout_ms: default_timeout_ms(),
            max_tokens: None,
            temperature: None,
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// How much of an error body is kept in an error message.
const MAX_ERROR_BODY: usize = 300;
/// The most a streamed answer may weigh: a broken or hostile endpoint cannot fill memory.
const MAX_STREAM_BYTES: usize = 1 << 20;
/// The most steps one answer may propose.
const MAX_CALLS: usize = 50;

const SYSTEM_PROMPT: &str = "You are the planner of Praetor, a governed execution control plane. \
Turn the user's request into a plan by calling the tools: each tool is one registered action or plan \
template. Call them in the order they should run, with arguments that satisfy each tool's JSON Schema, \
and call only the tools offered. A plan template, if used, must be the first call, and at most one. \
If the request is unclear or no tool fits, call no tool and answer briefly, asking for what is missing. \
Every plan is previewed, checked against policy and approved by people before anything runs; you \
cannot run anything yourself. Say in one or two sentences what the plan will do.";

pub struct LlmPlanner {
    config: LlmConfig,
    client: reqwest::Client,
}

impl std::fmt::Debug for LlmPlanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmPlanner").field("config", &self.config).finish()
    }
}

impl LlmPlanner {
    /// A planner with its own HTTP client (the TLS backend is whatever the build's reqwest
    /// features provide). With reqwest's `rustls-no-provider` feature, which the server enables,
    /// a rustls crypto provider must be installed first (the server's `main` installs ring's);
    /// reqwest panics otherwise.
    pub fn new(config: LlmConfig) -> Result<Self, PlannerError> {
        check(&config)?;
        let client = reqwest::Client::builder()
            .connect_timeout(config.timeout())
            .build()
            .map_err(|e| PlannerError::Config(format!("cannot build the HTTP client: {}", chain(&e))))?;
        Self::with_client(config, client)
    }

    /// A planner sharing the caller's client (its TLS, proxy and pool settings).
    pub fn with_client(config: LlmConfig, client: reqwest::Client) -> Result<Self, PlannerError> {
        check(&config)?;
        Ok(Self { config, client })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    fn endpoint(&self) -> String {
        format!("{}/chat/completions", self.config.base_url.trim().trim_end_matches('/'))
    }

    /// The chat-completions request for `request`.
    fn body(&self, request: &PlanRequest<'_>, tools: &ToolMap) -> Value {
        let mut system = SYSTEM_PROMPT.to_string();
        let memory = request.memory.summary();
        if !memory.is_empty() {
            system.push_str("\n\nWhat this conversation established so far:\n");
            system.push_str(&memory);
        }
        let mut body = json!({
            "model": self.config.model,
            "stream": true,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": request.text},
            ],
        });
        // An empty `tools` list is an error for some endpoints: leave it out instead.
        if !tools.specs().is_empty() {
            body["tools"] = Value::Array(tools.specs().to_vec());
            body["tool_choice"] = json!("auto");
        }
        if let Some(m) = self.config.max_tokens {
            body["max_tokens"] = json!(m);
        }
        if let Some(t) = self.config.temperature {
            body["temperature"] = json!(t);
        }
        body
    }

    /// Removes the key from text that came back from the endpoint (some echo headers).
    fn redact(&self, text: &str) -> String {
        match &self.config.api_key {
            Some(k) if !k.expose().is_empty() => text.replace(k.expose(), "***"),
            _ => text.to_string(),
        }
    }

    async fn exchange(
        &self,
        request: &PlanRequest<'_>,
        tools: &ToolMap,
        sink: &dyn DeltaSink,
    ) -> Result<Assembly, PlannerError> {
        let mut http = self.client.post(self.endpoint()).json(&self.body(request, tools));
        if let Some(key) = &self.config.api_key {
            http = http.bearer_auth(key.expose());
        }
        let mut response = http.send().await.map_err(|e| self.transport(&e))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if !status.is_success() {
            let body = self.read_some(&mut response).await;
            return Err(PlannerError::Http { status: status.as_u16(), message: error_message(&body) });
        }
        if !content_type.is_empty() && !content_type.starts_with("text/event-stream") {
            let body = self.read_some(&mut response).await;
            return Err(PlannerError::NotEventStream(format!("content type `{content_type}`: {}", excerpt(&body))));
        }
        let mut decoder = SseDecoder::default();
        let mut assembly = Assembly::default();
        let mut head = Vec::new();
        let mut received = 0usize;
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(&e))? {
            received += chunk.len();
            if received > MAX_STREAM_BYTES {
                return Err(PlannerError::BadStream(format!("the answer is larger than {MAX_STREAM_BYTES} bytes")));
            }
            if head.len() < MAX_ERROR_BODY {
                head.extend_from_slice(&chunk[..chunk.len().min(MAX_ERROR_BODY - head.len())]);
            }
            for data in decoder.push(&chunk) {
                if let Some(text) = assembly.apply(&data)? {
                    sink.delta(&text).await;
                }
                if assembly.done {
                    return Ok(assembly);
                }
            }
        }
        for data in decoder.finish() {
            if let Some(text) = assembly.apply(&data)? {
                sink.delta(&text).await;
            }
        }
        if !decoder.saw_data {
            let head = self.redact(&String::from_utf8_lossy(&head));
            return Err(PlannerError::NotEventStream(format!("no `data:` lines in: {}", excerpt(&head))));
        }
        if !assembly.done && !assembly.finished {
            return Err(PlannerError::BadStream("the stream ended before the model finished".into()));
        }
        Ok(assembly)
    }

    /// The start of an error body, key removed.
    async fn read_some(&self, response: &mut reqwest::Response) -> String {
        let mut body = Vec::new();
        while body.len() < 4 * MAX_ERROR_BODY {
            match response.chunk().await {
                Ok(Some(c)) => body.extend_from_slice(&c),
                _ => break,
            }
        }
        self.redact(&String::from_utf8_lossy(&body))
    }

    fn transport(&self, e: &reqwest::Error) -> PlannerError {
        if e.is_timeout() {
            PlannerError::Timeout(self.config.timeout())
        } else {
            PlannerError::Transport(self.redact(&chain(e)))
        }
    }
}

/// The configuration problems worth refusing at start rather than at the first request.
fn check(config: &LlmConfig) -> Result<(), PlannerError> {
    let url = config.base_url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(PlannerError::Config(format!("`base_url` must be an http(s) URL, got `{url}`")));
    }
    if config.model.trim().is_empty() {
        return Err(PlannerError::Config("`model` is empty".into()));
    }
    if config.timeout_ms == 0 {
        return Err(PlannerError::Config("`timeout_ms` must be positive".into()));
    }
    Ok(())
}

/// An error and its causes, without the URL (which may carry credentials in some setups).
fn chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let top = e.to_string();
    // reqwest's own message names the URL; the causes say what went wrong.
    parts.push(top.split(" for url").next().unwrap_or(&top).to_string());
    while let Some(s) = source {
        let msg = s.to_string();
        if !parts.contains(&msg) {
            parts.push(msg);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn excerpt(s: &str) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(MAX_ERROR_BODY).collect();
    if s.chars().count() > MAX_ERROR_BODY {
        out.push('…');
    }
    out.replace('\n', " ")
}

/// `error.message` of an OpenAI-style error body, else the body's start.
fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed.as_ref().and_then(|v| {
        v.get("error")
            .and_then(|e| e.get("message").and_then(Value::as_str).or(e.as_str()))
            .or_else(|| v.get("message").and_then(Value::as_str))
            .map(str::to_string)
    });
    match message {
        Some(m) => excerpt(&m),
        None if body.trim().is_empty() => "(empty body)".into(),
        None => excerpt(body),
    }
}

/// The plan the model's tool calls describe, after checking every call.
fn outcome(assembly: Assembly, tools: &ToolMap, catalog: &Catalog) -> Result<Outcome, PlannerError> {
    let text = assembly.text.trim().to_string();
    if assembly.calls.is_empty() {
        if text.is_empty() {
            return Err(PlannerError::BadStream("the model answered with neither text nor a tool call".into()));
        }
        return Ok(Outcome::Reply { text });
    }
    if assembly.calls.len() > MAX_CALLS {
        return Err(PlannerError::BadStream(format!(
            "the model made {} tool calls; at most {MAX_CALLS} are accepted",
            assembly.calls.len()
        )));
    }
    let mut template: Option<TemplateCall> = None;
    let mut steps: Vec<PlanStep> = Vec::new();
    let mut explanations = Vec::new();
    for call in assembly.calls.into_values() {
        let tool = call.name.trim().to_string();
        if tool.is_empty() {
            return Err(PlannerError::MalformedToolCall {
                tool: "(unnamed)".into(),
                problem: "the call has no function name".into(),
            });
        }
        let Some((kind, name)) = tools.resolve(&tool) else { return Err(PlannerError::UnknownTool { tool }) };
        let raw = call.arguments.trim();
        // An action without parameters is often called with no arguments at all.
        let args: Value = if raw.is_empty() {
            json!({})
        } else {
            serde_json::from_str(raw).map_err(|e| PlannerError::MalformedToolCall {
                tool: tool.clone(),
                problem: format!("the arguments are not valid JSON ({e}): {}", excerpt(raw)),
            })?
        };
        if !args.is_object() {
            return Err(PlannerError::MalformedToolCall {
                tool,
                problem: format!("the arguments must be a JSON object, got {}", excerpt(&args.to_string())),
            });
        }
        let Some(entry) = catalog.get(kind, name) else { return Err(PlannerError::UnknownTool { tool }) };
        let params = catalog.check_params(kind, name, args).map_err(|problems| PlannerError::InvalidArguments {
            tool: tool.clone(),
            target: entry.label(),
            problems,
        })?;
        explanations.push(explain(entry, &params));
        match kind {
            EntryKind::Template => {
                if template.is_some() || !steps.is_empty() {
                    return Err(PlannerError::MalformedToolCall {
                        tool,
                        problem: "a plan template must be the first call, and only one is allowed".into(),
                    });
                }
                template = Some(TemplateCall { name: name.to_string(), args: params });
            }
            EntryKind::Action => {
                steps.push(PlanStep { id: format!("step-{}", steps.len() + 1), action: name.to_string(), params })
            }
        }
    }
    let explanation = if text.is_empty() { explanations.join(" Then: ") } else { text };
    Ok(Outcome::Plan(ProposedPlan { template, steps, explanation }))
}

#[async_trait]
impl Planner for LlmPlanner {
    fn kind(&self) -> &'static str {
        "llm"
    }

    async fn plan(&self, request: PlanRequest<'_>, sink: &dyn DeltaSink) -> Result<Outcome, PlannerError> {
        if let Some(key) = request.api_key.filter(|k| self.config.api_key.as_ref() != Some(*k)) {
            // The organization's own key: the same endpoint and client, that key sent (and
            // scrubbed from whatever comes back).
            let keyed = LlmPlanner {
                config: LlmConfig { api_key: Some(key.clone()), ..self.config.clone() },
                client: self.client.clone(),
            };
            return keyed.plan(PlanRequest { api_key: None, ..request }, sink).await;
        }
        let tools = ToolMap::new(request.catalog);
        let limit = self.config.timeout();
        let assembly = tokio::time::timeout(limit, self.exchange(&request, &tools, sink))
            .await
            .map_err(|_| PlannerError::Timeout(limit))??;
        outcome(assembly, &tools, request.catalog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_is_checked_and_the_key_hidden() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut c = LlmConfig::new("ftp://x", "m");
        assert!(matches!(LlmPlanner::new(c.clone()), Err(PlannerError::Config(m)) if m.contains("http(s)")));
        c.base_url = "http://127.0.0.1:9/v1/".into();
        c.api_key = Some(Secret::new("sk-very-secret"));
        let p = LlmPlanner::new(c.clone()).unwrap();
        assert_eq!(p.endpoint(), "http://127.0.0.1:9/v1/chat/completions");
        assert!(!format!("{p:?}").contains("sk-very-secret"));
        assert_eq!(p.redact("echo: Bearer sk-very-secret"), "echo: Bearer ***");
        c.model = " ".into();
        assert!(LlmPlanner::new(c).is_err());
        let parsed: LlmConfig =
            serde_json::from_value(json!({"base_url": "http://h", "model": "m", "api_key": "k"})).unwrap();
        assert_eq!(parsed.api_key.as_ref().map(Secret::expose), Some("k"));
        assert_eq!(parsed.timeout_ms, 60_000);
    }

    #[test]
    fn error_bodies_are_summarised() {
        assert_eq!(error_message(r#"{"error":{"message":"model not found","type":"x"}}"#), "model not found");
        assert_eq!(error_message(r#"{"message":"bad"}"#), "bad");
        assert_eq!(error_message(""), "(empty body)");
        assert_eq!(error_message("upstream exploded"), "upstream exploded");
    }
}
