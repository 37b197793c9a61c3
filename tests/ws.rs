//! GraphQL subscriptions over websocket (`graphql-transport-ws`), for tests.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One subscription on its own connection.
pub struct Subscription {
    ws: Ws,
}

/// How long a test waits for the next message before failing.
pub const WAIT: Duration = Duration::from_secs(30);

impl Subscription {
    /// Connects to `addr`, authenticates with `key` and subscribes.
    pub async fn start(addr: SocketAddr, key: &str, query: &str, variables: Value) -> Subscription {
        let mut req = format!("ws://{addr}/graphql/ws").into_client_request().unwrap();
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("websocket upgrade");
        let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {key}")}});
        ws.send(Message::Text(init.to_string().into())).await.unwrap();
        let mut sub = Subscription { ws };
        let ack = sub.raw().await.expect("connection_ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        let msg = json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}});
        sub.ws.send(Message::Text(msg.to_string().into())).await.unwrap();
        sub
    }

    /// The next protocol message, or `None` when the server closed the connection.
    pub async fn raw(&mut self) -> Option<Value> {
        loop {
            match tokio::time::timeout(WAIT, self.ws.next()).await.expect("the server answered in time") {
                Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
                Some(Ok(Message::Ping(p))) => {
                    let _ = self.ws.send(Message::Pong(p)).await;
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    }

    /// The next `next` payload (data and errors), or `None` when the stream ended.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let msg = self.raw().await?;
            match msg["type"].as_str() {
                Some("next") => return Some(msg["payload"].clone()),
                Some("error") => return Some(json!({"errors": msg["payload"]})),
                Some("complete") => return None,
                Some("ping") => {
                    let _ = self.ws.send(Message::Text(json!({"type": "pong"}).to_string().into())).await;
                }
                _ => {}
            }
        }
    }

    /// Closes the connection (a client going away).
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
