//! Helpers for chat tests: sessions, messages, and a conversation's event stream.

use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::ws::Subscription;
use crate::{TestApp, ok};

/// Every field a chat client reads, for assertions.
pub const CHAT_EVENTS: &str = "subscription($s: ID!, $a: Int) { chatEvents(sessionId: $s, after: $a) { id seq kind ephemeral fromStart role text code agent inReplyTo proposalId suggestions planId status verdict detail planHash author { kind name } by { name } proposer { kind name } preview { verdict cost risk reasonCodes approvals { groups count } steps { action verdict stateDiff { path after } checks { name verdict code message } } } steps { id action params } approval { stage name groups count } step { index stepId action status attempt error } arbitration { strategy reason chosenProposalId proposals { id agent agentId rank eligible chosen support verdict cost risk approvalsNeeded contentHash summary error blastRadius { stateKeys externalCalls } preview { verdict } } } } }";

pub const SEND: &str = "mutation($s: ID!, $t: String!) { sendChatMessage(sessionId: $s, text: $t) { id seq kind role text author { kind name } } }";

/// Creates a chat session in `project` as `key`, returning its id.
pub async fn session(app: &TestApp, key: &str, project: &str) -> String {
    let d = ok(app
        .gql(
            Some(key),
            "mutation($in: CreateChatSessionInput!) { createChatSession(input: $in) { id title viewerCanWrite } }",
            json!({"in": {"org": app.org, "project": project, "title": "Test chat"}}),
        )
        .await);
    assert_eq!(d["createChatSession"]["viewerCanWrite"], true);
    d["createChatSession"]["id"].as_str().unwrap().to_string()
}

/// Sends `text`, returning the stored message's sequence number.
pub async fn say(app: &TestApp, key: &str, session: &str, text: &str) -> i64 {
    let d = ok(app.gql(Some(key), SEND, json!({"s": session, "t": text})).await);
    let m = &d["sendChatMessage"];
    assert_eq!(m["kind"], "USER_MESSAGE");
    assert_eq!(m["text"], text.trim());
    m["seq"].as_i64().unwrap()
}

/// A conversation's event stream.
pub struct ChatStream {
    sub: Subscription,
    /// Stored events seen so far, in order (deltas are kept apart).
    pub seen: Vec<Value>,
    pub deltas: Vec<Value>,
}

impl ChatStream {
    pub async fn open(addr: SocketAddr, key: &str, session: &str, after: Option<i64>) -> ChatStream {
        let sub = Subscription::start(addr, key, CHAT_EVENTS, json!({"s": session, "a": after})).await;
        ChatStream { sub, seen: Vec::new(), deltas: Vec::new() }
    }

    /// The next event (stored or streamed), failing the test on errors or end.
    pub async fn next(&mut self) -> Value {
        let payload = self.sub.next().await.expect("the stream goes on");
        assert!(payload.get("errors").is_none_or(|e| e.is_null()), "subscription error: {payload}");
        let e = payload["data"]["chatEvents"].clone();
        if e["ephemeral"] == true {
            self.deltas.push(e.clone());
        } else {
            self.seen.push(e.clone());
        }
        e
    }

    /// Stored events until one matches `pred` (included), in order.
    pub async fn until(&mut self, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut out = Vec::new();
        for _ in 0..500 {
            let e = self.next().await;
            if e["ephemeral"] == true {
                continue;
            }
            let hit = pred(&e);
            out.push(e);
            if hit {
                return out;
            }
        }
        panic!("no matching event among {out:#?}");
    }

    /// Events until the answer to message `seq` (included).
    pub async fn answer(&mut self, seq: i64) -> Vec<Value> {
        self.until(|e| e["kind"] == "MESSAGE_COMPLETED" && e["inReplyTo"] == seq).await
    }

    /// The streamed text seen so far, joined.
    pub fn streamed(&self) -> String {
        self.deltas.iter().map(|d| d["text"].as_str().unwrap()).collect()
    }

    /// The first payload as is (for expected errors).
    pub async fn raw(&mut self) -> Option<Value> {
        self.sub.next().await
    }

    pub async fn close(self) {
        self.sub.close().await;
    }
}

/// The one event of `kind` among `events`.
pub fn one<'a>(events: &'a [Value], kind: &str) -> &'a Value {
    let found: Vec<&Value> = events.iter().filter(|e| e["kind"] == kind).collect();
    assert_eq!(found.len(), 1, "expected one {kind} in {events:#?}");
    found[0]
}

/// The last event of `kind`, if any.
pub fn last<'a>(events: &'a [Value], kind: &str) -> Option<&'a Value> {
    events.iter().rev().find(|e| e["kind"] == kind)
}
