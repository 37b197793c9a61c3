//! Reading a streamed chat completion: server-sent events (`data:` lines, a blank line ends an
//! event, `data: [DONE]` ends the stream) and the OpenAI chunk format, whose text arrives as
//! `delta.content` pieces and whose tool calls arrive as `delta.tool_calls` fragments keyed by
//! `index`, the function name usually once and the arguments in many pieces.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::PlannerError;

/// Splits a byte stream into the data of server-sent events.
#[derive(Default)]
pub(crate) struct SseDecoder {
    buf: Vec<u8>,
    data: Vec<String>,
    /// Whether any `data:` line was seen: a body without one is not an event stream.
    pub saw_data: bool,
}

impl SseDecoder {
    /// Feeds bytes; returns the data of every event they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buf.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line[..line.len() - 1]);
            let line = line.strip_suffix('\r').unwrap_or(&line);
            self.line(line, &mut events);
        }
        events
    }

    /// The end of the body: an event not followed by a blank line still counts.
    pub fn finish(&mut self) -> Vec<String> {
        let mut events = Vec::new();
        if !self.buf.is_empty() {
            let rest = std::mem::take(&mut self.buf);
            let line = String::from_utf8_lossy(&rest).trim_end_matches('\r').to_string();
            self.line(&line, &mut events);
        }
        if !self.data.is_empty() {
            events.push(self.data.join("\n"));
            self.data.clear();
        }
        events
    }

    fn line(&mut self, line: &str, events: &mut Vec<String>) {
        if line.is_empty() {
            if !self.data.is_empty() {
                events.push(self.data.join("\n"));
                self.data.clear();
            }
        } else if let Some(value) = line.strip_prefix("data:") {
            self.saw_data = true;
            self.data.push(value.strip_prefix(' ').unwrap_or(value).to_string());
        }
        // `event:`, `id:`, `retry:` and `:` comments carry nothing a completion needs.
    }
}

/// A tool call being assembled from fragments.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct PartialCall {
    pub id: Option<String>,
    pub name: String,
    pub arguments: String,
}

/// The completion assembled so far.
#[derive(Debug, Default)]
pub(crate) struct Assembly {
    pub text: String,
    /// By the model's `index`, so calls come out in the order the model numbered them.
    pub calls: BTreeMap<u64, PartialCall>,
    /// A chunk carried a `finish_reason`.
    pub finished: bool,
    /// `[DONE]` arrived.
    pub done: bool,
}

fn excerpt(s: &str) -> String {
    let s: String = s.chars().take(200).collect();
    s.replace('\n', " ")
}

impl Assembly {
    /// Applies one event's data; returns the text it adds, if any.
    pub fn apply(&mut self, data: &str) -> Result<Option<String>, PlannerError> {
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(None);
        }
        if data.is_empty() {
            return Ok(None);
        }
        let chunk: Value = serde_json::from_str(data)
            .map_err(|e| PlannerError::BadStream(format!("an event is not JSON ({e}): {}", excerpt(data))))?;
        if let Some(err) = chunk.get("error") {
            let message = err.get("message").and_then(Value::as_str).map_or_else(|| err.to_string(), str::to_string);
            return Err(PlannerError::BadStream(format!("the endpoint reported an error: {}", excerpt(&message))));
        }
        let Some(choices) = chunk.get("choices").and_then(Value::as_array) else {
            // Usage-only chunks and keep-alives have no choices.
            return Ok(None);
        };
        let choice = choices.iter().find(|c| c.get("index").and_then(Value::as_u64).unwrap_or(0) == 0);
        let Some(choice) = choice else { return Ok(None) };
        if choice.get("finish_reason").is_some_and(|f| !f.is_null()) {
            self.finished = true;
        }
        let Some(delta) = choice.get("delta") else { return Ok(None) };
        if let Some(calls) = delta.get("tool_calls") {
            let calls = calls
                .as_array()
                .ok_or_else(|| PlannerError::BadStream(format!("`tool_calls` is not a list: {}", excerpt(data))))?;
            for (position, call) in calls.iter().enumerate() {
                let index = call.get("index").and_then(Value::as_u64).unwrap_or(position as u64);
                let slot = self.calls.entry(index).or_default();
                if let Some(id) = call.get("id").and_then(Value::as_str) {
                    slot.id = Some(id.to_string());
                }
                let function = call.get("function");
                if let Some(name) = function.and_then(|f| f.get("name")).and_then(Value::as_str) {
                    // Most servers send the name once; some repeat it in every fragment.
                    if slot.name.is_empty() {
                        slot.name = name.to_string();
                    } else if slot.name != name {
                        slot.name.push_str(name);
                    }
                }
                match function.and_then(|f| f.get("arguments")) {
                    Some(Value::String(piece)) => slot.arguments.push_str(piece),
                    // A server that sends the arguments as an object rather than a string.
                    Some(v @ Value::Object(_)) => slot.arguments.push_str(&v.to_string()),
                    _ => {}
                }
            }
        }
        match delta.get("content") {
            Some(Value::String(text)) if !text.is_empty() => {
                self.text.push_str(text);
                Ok(Some(text.clone()))
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_reads() {
        let mut d = SseDecoder::default();
        assert!(d.push(b": keep-alive\n\nda").is_empty());
        assert_eq!(d.push(b"ta: {\"a\":1}\r\n\r\ndata: x\ndata: y\n"), vec!["{\"a\":1}".to_string()]);
        assert_eq!(d.push(b"\nevent: ping\ndata:[DONE]"), vec!["x\ny".to_string()]);
        assert_eq!(d.finish(), vec!["[DONE]".to_string()]);
        assert!(d.saw_data);
        let mut d = SseDecoder::default();
        assert!(d.push(b"{\"error\": \"nope\"}\n").is_empty());
        assert!(d.finish().is_empty());
        assert!(!d.saw_data);
    }

    #[test]
    fn fragments_assemble_by_index() {
        let mut a = Assembly::default();
        let chunks = [
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Deploying "}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"deploy_web","arguments":"{\"serv"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"c2","function":{"name":"flag_set","arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ice\":\"web\"}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"web."},"finish_reason":"tool_calls"}]}"#,
            r#"{"choices":[],"usage":{"total_tokens":5}}"#,
            "[DONE]",
        ];
        let mut deltas = Vec::new();
        for c in chunks {
            deltas.extend(a.apply(c).unwrap());
        }
        assert_eq!(deltas, vec!["Deploying ".to_string(), "web.".into()]);
        assert_eq!(a.text, "Deploying web.");
        assert_eq!(
            a.calls[&0],
            PartialCall { id: Some("c1".into()), name: "deploy_web".into(), arguments: "{\"service\":\"web\"}".into() }
        );
        assert_eq!(a.calls[&1].name, "flag_set");
        assert!(a.finished && a.done);
    }

    #[test]
    fn bad_chunks_are_errors() {
        let mut a = Assembly::default();
        assert!(matches!(a.apply("{not json"), Err(PlannerError::BadStream(m)) if m.contains("not JSON")));
        let e = a.apply(r#"{"error":{"message":"rate limited"}}"#).unwrap_err();
        assert_eq!(e.to_string(), "the model's answer could not be read: the endpoint reported an error: rate limited");
    }
}
