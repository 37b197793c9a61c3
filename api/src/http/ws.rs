//! GraphQL over websocket (`graphql-transport-ws`, and the legacy `graphql-ws`).
//!
//! A socket authenticates in `connection_init` (`{"authorization": "Bearer prk_…"}`, or the
//! session cookie of a page on this origin) within `websocket.init_timeout_ms`, or it is closed
//! with 4408; refused credentials close it with 4403. From then on the credential is checked
//! as it is now, never as it was at `connection_init`: before each operation (queries,
//! mutations and subscriptions alike) it is authenticated again — through the cache of
//! [`crate::auth::live`], which forgets a credential the moment it ends on any node — and the
//! operation sees that fresh principal. A credential that ends (revoked, signed out, expired)
//! closes the socket with 4401, which ends its subscriptions; idle sockets notice within
//! `websocket.recheck_secs` at the latest, and at once when the ending is announced.
//!
//! Sockets are capped in total and per client address, checked before the upgrade, so idle
//! connections cannot exhaust the process's file descriptors.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_graphql::http::{WebSocket as GraphqlSocket, WebSocketProtocols as Protocols, WsMessage};
use async_graphql::{Data, ErrorExtensions, Executor, Pos, Request, Response};
use axum::Extension;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response as HttpResponse;
use futures_util::stream::BoxStream;
use futures_util::{SinkExt, StreamExt, future};

use super::error_response;
use super::graphql::same_origin;
use crate::AppState;
use crate::auth::Credentials;
use crate::auth::live::SocketWatch;
use crate::config::WebsocketConfig;
use crate::error::Error;
use crate::graphql::RequestAuth;
use crate::services::identity::ProviderTokens;

/// graphql-ws close codes.
const CLOSE_UNAUTHORIZED: u16 = 4401;
const CLOSE_FORBIDDEN: u16 = 4403;
const CLOSE_INIT_TIMEOUT: u16 = 4408;
const CLOSE_GOING_AWAY: u16 = 1001;

struct SlotsInner {
    max_total: usize,
    max_per_address: usize,
    total: AtomicUsize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
}

/// The open sockets, counted in total and per client address.
#[derive(Clone)]
pub struct Slots {
    inner: Arc<SlotsInner>,
}

/// One open socket's place; released when dropped.
pub struct Slot {
    slots: Arc<SlotsInner>,
    address: Option<IpAddr>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Full {
    Total,
    Address,
}

impl Slots {
    pub fn new(config: &WebsocketConfig) -> Self {
        let max_total = match open_file_limit() {
            Some(limit) => config.max_connections.min(limit / 4 * 3).max(1),
            None => config.max_connections,
        };
        Self {
            inner: Arc::new(SlotsInner {
                max_total,
                max_per_address: config.max_per_address,
                total: AtomicUsize::new(0),
                per_address: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Sockets open now.
    pub fn open(&self) -> usize {
        self.inner.total.load(Ordering::SeqCst)
    }

    /// Takes a place for a socket from `address`, or says which cap is reached.
    pub fn take(&self, address: Option<IpAddr>) -> Result<Slot, Full> {
        let inner = &self.inner;
        if inner.total.fetch_add(1, Ordering::SeqCst) >= inner.max_total {
            inner.total.fetch_sub(1, Ordering::SeqCst);
            return Err(Full::Total);
        }
        if let Some(ip) = address {
            let Ok(mut map) = inner.per_address.lock() else {
                inner.total.fetch_sub(1, Ordering::SeqCst);
                return Err(Full::Total);
            };
            let n = map.entry(ip).or_default();
            if *n >= inner.max_per_address {
                drop(map);
                inner.total.fetch_sub(1, Ordering::SeqCst);
                return Err(Full::Address);
            }
            *n += 1;
        }
        Ok(Slot { slots: inner.clone(), address })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.total.fetch_sub(1, Ordering::SeqCst);
        if let Some(ip) = self.address
            && let Ok(mut map) = self.slots.per_address.lock()
            && let Some(n) = map.get_mut(&ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&ip);
            }
        }
    }
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None` elsewhere.
fn open_file_limit() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The upgrade: caps first, then the socket is served by [`serve`].
pub async fn upgrade(
    State(app): State<Arc<AppState>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    // The first subprotocol offered that we speak.
    let protocol = headers
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|offered| offered.split(',').find_map(|p| p.trim().parse::<Protocols>().ok()));
    let Some(protocol) = protocol else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "VALIDATION",
            "offer the websocket subprotocol `graphql-transport-ws` (or the legacy `graphql-ws`)",
        );
    };
    let address = peer.map(|Extension(ConnectInfo(a))| a.ip());
    let slot = match app.sockets.take(address) {
        Ok(slot) => slot,
        Err(Full::Total) => {
            return error_response(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "too many open websockets");
        }
        Err(Full::Address) => {
            return error_response(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "too many open websockets from this address",
            );
        }
    };
    let cookie_session =
        Credentials::from_headers(&headers).ok().and_then(|c| c.session).filter(|_| same_origin(&headers));
    // Subscribers mostly sit idle and the server's frames are small: small buffers keep an
    // idle connection cheap (the 128 KiB defaults would dominate its memory), and frames are
    // written as they come rather than batched, for latency. A client's messages are GraphQL
    // requests, bounded like request bodies.
    let limit = app.config.max_body_bytes;
    let upgrade = upgrade.read_buffer_size(256).write_buffer_size(0).max_message_size(limit).max_frame_size(limit);
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(app, socket, protocol, cookie_session, slot))
}

/// What `connection_init` established.
struct Authenticated {
    creds: Credentials,
    watch: SocketWatch,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One socket's authentication, shared by its serving loop and its operations.
#[derive(Default)]
struct Connection {
    authenticated: OnceLock<Authenticated>,
    /// `connection_init` was refused (the library then closes with 1002; we say 4403).
    refused: AtomicBool,
    /// The credential was found ended while running an operation.
    ended: tokio_util::sync::CancellationToken,
}

impl Connection {
    async fn init(
        &self,
        app: &AppState,
        payload: serde_json::Value,
        cookie_session: Option<String>,
    ) -> Result<Data, Error> {
        let result = async {
            let bearer = Credentials::from_init_payload(&payload)?;
            let creds = Credentials { session: if bearer.is_none() { cookie_session } else { None }, bearer };
            let principal = app
                .live
                .authenticate(&app.db, app.clock.as_ref(), &creds, &ProviderTokens(app))
                .await?
                .ok_or_else(|| Error::Unauthenticated("connection_init carried no valid credentials".into()))?;
            let credential = principal
                .credential
                .clone()
                .ok_or_else(|| Error::internal("an authenticated socket without a credential"))?;
            let watch = app.live.watch(&credential);
            let _ = self.authenticated.set(Authenticated { creds, watch, expires_at: credential.expires_at });
            Ok(())
        }
        .await;
        if let Err(e) = result {
            self.refused.store(true, Ordering::SeqCst);
            return Err(e);
        }
        Ok(Data::default())
    }

    /// The principal as of now, or why the credential no longer holds (and the socket is to
    /// close). A database failure is the operation's error, not the end of the socket.
    async fn current(&self, app: &AppState) -> Result<crate::auth::Principal, Error> {
        let Some(auth) = self.authenticated.get() else {
            return Err(Error::Unauthenticated("send connection_init first".into()));
        };
        let ended = |why: &str| {
            self.ended.cancel();
            Error::Unauthenticated(why.to_string())
        };
        if auth.watch.ended().is_cancelled() {
            return Err(ended("the credential of this connection was revoked or signed out"));
        }
        match app.live.authenticate(&app.db, app.clock.as_ref(), &auth.creds, &ProviderTokens(app)).await {
            Ok(Some(p)) => Ok(p),
            Ok(None) => Err(ended("the session of this connection has ended")),
            Err(Error::Unauthenticated(_)) => Err(ended("the credential of this connection was revoked or expired")),
            Err(other) => Err(other),
        }
    }
}

/// Runs every operation of one socket after checking its credential as it is now.
#[derive(Clone)]
struct CheckedExecutor {
    app: Arc<AppState>,
    conn: Arc<Connection>,
}

impl Executor for CheckedExecutor {
    async fn execute(&self, request: Request) -> Response {
        let mut stream = self.execute_stream(request, None);
        stream.next().await.unwrap_or_default()
    }

    fn execute_stream(&self, request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let app = self.app.clone();
        let conn = self.conn.clone();
        futures_util::stream::once(async move {
            match conn.current(&app).await {
                Ok(principal) => {
                    let request = request
                        .data(RequestAuth { principal: Some(principal) })
                        .data(app.clone())
                        .data(crate::graphql::loader::Loaders::default());
                    app.schema.execute_stream_with_session_data(request, session_data.unwrap_or_default())
                }
                Err(e) => {
                    let error = e.extend().into_server_error(Pos::default());
                    futures_util::stream::once(future::ready(Response::from_errors(vec![error]))).boxed()
                }
            }
        })
        .flatten()
        .boxed()
    }
}

async fn serve(
    app: Arc<AppState>,
    socket: WebSocket,
    protocol: Protocols,
    cookie_session: Option<String>,
    _slot: Slot,
) {
    let _open = crate::metrics::Held::new(crate::metrics::websocket);
    let conn = Arc::new(Connection::default());
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|r| future::ready(r.is_ok()))
        .filter_map(|r| future::ready(r.ok().filter(|m| matches!(m, Message::Text(_) | Message::Binary(_)))))
        .map(Message::into_data);
    let executor = CheckedExecutor { app: app.clone(), conn: conn.clone() };
    let (init_app, init_conn) = (app.clone(), conn.clone());
    let graphql = GraphqlSocket::new(executor, input, protocol).on_connection_init(move |payload| async move {
        init_conn.init(&init_app, payload, cookie_session).await.map_err(|e| e.extend())
    });
    futures_util::pin_mut!(graphql);

    let settings = &app.config.websocket;
    let init_deadline = tokio::time::sleep(Duration::from_millis(settings.init_timeout_ms));
    tokio::pin!(init_deadline);
    let period = Duration::from_secs(settings.recheck_secs);
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let close: Option<(u16, String)> = loop {
        let authenticated = conn.authenticated.get();
        tokio::select! {
            message = graphql.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break None;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let code = if conn.refused.load(Ordering::SeqCst) { CLOSE_FORBIDDEN } else { code };
                    break Some((code, reason));
                }
                None => break None,
            },
            _ = &mut init_deadline, if authenticated.is_none() => {
                break Some((CLOSE_INIT_TIMEOUT, "Connection initialisation timeout".into()));
            }
            _ = ended(authenticated), if authenticated.is_some() => {
                break Some((CLOSE_UNAUTHORIZED, "the credential of this connection was revoked or signed out".into()));
            }
            _ = conn.ended.cancelled() => {
                break Some((CLOSE_UNAUTHORIZED, "the credential of this connection has ended".into()));
            }
            _ = expiry(&app, authenticated), if authenticated.is_some_and(|a| a.expires_at.is_some()) => {
                break Some((CLOSE_UNAUTHORIZED, "the credential of this connection expired".into()));
            }
            _ = recheck.tick(), if authenticated.is_some() => {
                if let Err(e) = conn.current(&app).await
                    && conn.ended.is_cancelled()
                {
                    break Some((CLOSE_UNAUTHORIZED, e.to_string()));
                }
            }
            _ = app.closing.cancelled() => break Some((CLOSE_GOING_AWAY, "the server is shutting down".into())),
        }
    };
    if let Some((code, reason)) = close {
        let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
    }
    let _ = sink.close().await;
}

/// Resolves when the socket's credential is announced ended.
async fn ended(authenticated: Option<&Authenticated>) {
    match authenticated {
        Some(a) => a.watch.ended().cancelled().await,
        None => future::pending().await,
    }
}

/// Resolves when the socket's credential expires by itself.
async fn expiry(app: &AppState, authenticated: Option<&Authenticated>) {
    let Some(at) = authenticated.and_then(|a| a.expires_at) else {
        return future::pending().await;
    };
    let left = (at - app.clock.now()).to_std().unwrap_or_default();
    tokio::time::sleep(left).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_in_total_and_per_address_and_free_on_drop() {
        let slots = Slots::new(&WebsocketConfig { max_connections: 3, max_per_address: 2, ..Default::default() });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let a1 = slots.take(Some(a)).unwrap();
        let _a2 = slots.take(Some(a)).unwrap();
        assert_eq!(slots.take(Some(a)).err(), Some(Full::Address));
        let _b1 = slots.take(Some(b)).unwrap();
        assert_eq!(slots.take(Some(b)).err(), Some(Full::Total));
        assert_eq!(slots.open(), 3);
        drop(a1);
        assert_eq!(slots.open(), 2);
        assert!(slots.take(Some(a)).is_ok());
    }

    #[test]
    fn the_open_file_limit_is_read() {
        // Linux CI: the limit is there and positive.
        if std::path::Path::new("/proc/self/limits").exists() {
            assert!(open_file_limit().is_some_and(|n| n > 0));
        }
    }
}
