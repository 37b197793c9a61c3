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

/// A raw `graphql-transport-ws` connection, for tests of the socket itself (close codes,
/// limits, operations sent on one socket over time).
pub struct Socket {
    ws: Ws,
}

/// What the server sent next on a [`Socket`].
#[derive(Debug, PartialEq)]
pub enum Frame {
    Json(Value),
    /// The server closed the connection with this code (1006 when it just went away).
    Closed(u16, String),
}

impl Socket {
    /// Opens a socket to `addr`, from `from` (a local address such as 127.0.0.2) when given.
    /// An upgrade the server refuses answers its HTTP status (0: nothing listens there).
    pub async fn open(addr: SocketAddr, from: Option<&str>) -> Result<Socket, u16> {
        let mut req = format!("ws://{addr}/graphql/ws").into_client_request().unwrap();
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        if let Some(local) = from {
            socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
        }
        let Ok(stream) = socket.connect(addr).await else {
            return Err(0);
        };
        match tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(stream)).await {
            Ok((ws, _)) => Ok(Socket { ws }),
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
            Err(e) => panic!("websocket upgrade: {e}"),
        }
    }

    /// Sends `connection_init` with `key` and returns what came back.
    pub async fn init(&mut self, key: &str) -> Frame {
        self.send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {key}")}})).await;
        self.recv().await
    }

    pub async fn send(&mut self, msg: Value) {
        let _ = self.ws.send(Message::Text(msg.to_string().into())).await;
    }

    /// Sends an operation (`subscribe`) with `id`.
    pub async fn operation(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}})).await;
    }

    /// The next frame (pings answered), waiting at most [`WAIT`].
    pub async fn recv(&mut self) -> Frame {
        loop {
            match tokio::time::timeout(WAIT, self.ws.next()).await.expect("the server answered in time") {
                Some(Ok(Message::Text(t))) => return Frame::Json(serde_json::from_str(&t).unwrap()),
                Some(Ok(Message::Ping(p))) => {
                    let _ = self.ws.send(Message::Pong(p)).await;
                }
                Some(Ok(Message::Close(Some(f)))) => return Frame::Closed(f.code.into(), f.reason.to_string()),
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return Frame::Closed(1006, String::new()),
                Some(Ok(_)) => {}
            }
        }
    }

    /// Reads frames until the server closes the socket; returns the close code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            if let Frame::Closed(code, reason) = self.recv().await {
                return (code, reason);
            }
        }
    }

    /// The `next` payload of operation `id` (skipping other frames), or the close.
    pub async fn result(&mut self, id: &str) -> Frame {
        loop {
            match self.recv().await {
                Frame::Json(m) if m["id"] == id && m["type"] == "next" => return Frame::Json(m["payload"].clone()),
                Frame::Json(m) if m["id"] == id && m["type"] == "error" => {
                    return Frame::Json(json!({"errors": m["payload"]}));
                }
                Frame::Json(_) => {}
                closed => return closed,
            }
        }
    }
}
