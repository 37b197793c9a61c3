//! A GraphQL subscription of the command line over the server's websocket
//! (`/graphql/ws`, subprotocol `graphql-transport-ws`): `praetor plan watch` and
//! `praetor audit tail -f`. The operation is one of the typed ones of [`super::client`]; each
//! `next` payload is read into its answer type.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use graphql_client::GraphQLQuery;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use super::remote::{Failure, Session, refusal, request_body};

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long the server may take to accept the connection.
const HANDSHAKE: Duration = Duration::from_secs(30);

pub struct Subscription {
    ws: Ws,
    server: String,
}

/// `http[s]://host` as the websocket address of its GraphQL endpoint.
fn socket_url(server: &str) -> Result<String, Failure> {
    let rest = |scheme: &str| server.strip_prefix(scheme).map(str::to_string);
    if let Some(host) = rest("https://") {
        Ok(format!("wss://{host}/graphql/ws"))
    } else if let Some(host) = rest("http://") {
        Ok(format!("ws://{host}/graphql/ws"))
    } else {
        Err(Failure::local(format!("the context's server {server} is not an http or https address")))
    }
}

impl Subscription {
    /// Connects with the session's credential and subscribes to `Q` with `variables`.
    pub async fn start<Q: GraphQLQuery>(session: &Session, variables: Q::Variables) -> Result<Self, Failure> {
        let server = session.context.server.clone();
        let url = socket_url(&server)?;
        let mut request =
            url.as_str().into_client_request().map_err(|e| Failure::local(format!("websocket {url}: {e}")))?;
        request.headers_mut().insert("sec-websocket-protocol", http_value("graphql-transport-ws")?);
        let (ws, _) = tokio::time::timeout(HANDSHAKE, tokio_tungstenite::connect_async(request))
            .await
            .map_err(|_| Failure::local(format!("{server} did not open a websocket within 30 s")))?
            .map_err(|e| Failure::local(format!("cannot open a websocket to {server}: {e}")))?;
        let mut sub = Subscription { ws, server };
        // The key goes in the connection's first message, never in the address (which proxies log).
        let init =
            json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", session.bearer())}});
        sub.send(init).await?;
        let ack = tokio::time::timeout(HANDSHAKE, sub.message())
            .await
            .map_err(|_| Failure::local(format!("{} did not accept the websocket within 30 s", sub.server)))??;
        match ack.as_ref().and_then(|m| m["type"].as_str()) {
            Some("connection_ack") => {}
            _ => return Err(Failure::refused("UNAUTHENTICATED", format!("{} refused the websocket", sub.server))),
        }
        let body = request_body::<Q>(variables);
        sub.send(json!({"id": "1", "type": "subscribe", "payload": body})).await?;
        Ok(sub)
    }

    async fn send(&mut self, message: Value) -> Result<(), Failure> {
        self.ws
            .send(Message::Text(message.to_string().into()))
            .await
            .map_err(|e| Failure::local(format!("the websocket to {} failed: {e}", self.server)))
    }

    /// The next protocol message; `None` when the server closed the connection.
    async fn message(&mut self) -> Result<Option<Value>, Failure> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(&text)
                        .map(Some)
                        .map_err(|e| Failure::local(format!("{} sent something other than JSON: {e}", self.server)));
                }
                Some(Ok(Message::Ping(p))) => {
                    let _ = self.ws.send(Message::Pong(p)).await;
                }
                Some(Ok(Message::Close(frame))) => {
                    // The server closes with 4403 when the credential no longer may subscribe.
                    return match frame {
                        Some(f) if u16::from(f.code) == 4403 => {
                            Err(Failure::refused("FORBIDDEN", format!("{}: {}", self.server, f.reason)))
                        }
                        _ => Ok(None),
                    };
                }
                None => return Ok(None),
                Some(Err(e)) => return Err(Failure::local(format!("the websocket to {} failed: {e}", self.server))),
                Some(Ok(_)) => {}
            }
        }
    }

    /// The next answer of the subscription; `None` when the server ended it.
    pub async fn next<T: DeserializeOwned>(&mut self) -> Result<Option<T>, Failure> {
        loop {
            let Some(message) = self.message().await? else { return Ok(None) };
            match message["type"].as_str() {
                Some("next") => {
                    let payload = &message["payload"];
                    if let Some(error) = payload["errors"].as_array().and_then(|e| e.first()) {
                        return Err(refusal(error));
                    }
                    return serde_json::from_value(payload["data"].clone()).map(Some).map_err(|e| {
                        Failure::local(format!("{} sent an event this command line does not know: {e}", self.server))
                    });
                }
                Some("error") => {
                    let first = message["payload"].as_array().and_then(|e| e.first()).cloned().unwrap_or_default();
                    return Err(refusal(&first));
                }
                Some("complete") => return Ok(None),
                Some("ping") => self.send(json!({"type": "pong"})).await?,
                _ => {}
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

fn http_value(text: &'static str) -> Result<tokio_tungstenite::tungstenite::http::HeaderValue, Failure> {
    tokio_tungstenite::tungstenite::http::HeaderValue::from_str(text)
        .map_err(|e| Failure::local(format!("header {text}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_is_the_servers_graphql_endpoint_over_ws_or_wss() {
        assert_eq!(socket_url("http://127.0.0.1:8080").unwrap(), "ws://127.0.0.1:8080/graphql/ws");
        assert_eq!(socket_url("https://praetor.example.com").unwrap(), "wss://praetor.example.com/graphql/ws");
        assert!(socket_url("ftp://x").is_err());
    }
}
