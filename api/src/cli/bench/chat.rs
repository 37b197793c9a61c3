//! `praetor bench chat`: many websocket subscribers on one conversation.
//!
//! Latency: the server runs in this process (its router on 127.0.0.1:0, the database a
//! throwaway one); `subscribers` clients subscribe to `chatEvents` over `graphql-transport-ws`;
//! events are appended one at a time through the chat store (a committed write, audited,
//! published on the bus), each after every subscriber has the previous one. Reported: from the
//! writer's commit to a subscriber reading the frame.
//!
//! Memory: the same binary is started as `praetor serve` in a child process on the same
//! database, the clients subscribe to it, and the child's resident memory growth over the
//! subscribers is the cost of an idle subscription on the server (the clients' side is not
//! counted: it is in this process). The figure for this process is printed too.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::{Mutex, Notify};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::sync::CancellationToken;

use super::{Figures, Target, cleanup, percentile, prepare};
use praetor::AppState;
use praetor::audit::Entry;
use praetor::authz::ops;
use praetor::chat::sessions as chat;
use praetor::chatlog::model::ChatEventData;
use praetor::chatlog::store::{self, SessionChange};
use praetor::error::{Error, Result};
use praetor::services::projects;

/// Current resident memory of this process, in KiB (Linux), if known.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// What all subscribers share: arrival times per event, and who has seen the latest.
struct Board {
    /// `arrivals[i]`: when each subscriber read event `i`.
    arrivals: Mutex<Vec<Vec<Instant>>>,
    /// Subscribers that have read the event being waited for.
    seen: AtomicUsize,
    all_seen: Notify,
    /// The sequence number being waited for.
    waiting_for: AtomicUsize,
    subscribers: usize,
}

pub async fn chat(target: Target, subscribers: usize, events: usize) -> Result<Figures> {
    let (app, _dir, drop_db) = prepare(&target, 1).await?;
    let result = run(&app, subscribers.max(1), events.max(1)).await;
    drop(app);
    cleanup(drop_db).await;
    result
}

async fn run(app: &Arc<AppState>, n: usize, m: usize) -> Result<Figures> {
    let backend = praetor::db::backend_name(&app.db);
    let (boot, access) = super::bench_org(app).await?;
    let permit = access.permit::<ops::ProjectCreate>(praetor::authz::Domain::Org)?;
    let project = projects::create(app, &permit, "chat", "Chat", "").await?;
    let session = chat::create(app, &access, project.id, Some("bench")).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(Error::internal)?;
    let addr = listener.local_addr().map_err(Error::internal)?;
    let stop = CancellationToken::new();
    let server = {
        let (router, stop) = (praetor::http::router(app.clone()), stop.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).with_graceful_shutdown(async move { stop.cancelled().await }).await;
        })
    };

    let board = Arc::new(Board {
        arrivals: Mutex::new(vec![Vec::with_capacity(n); m + 1]),
        seen: AtomicUsize::new(0),
        all_seen: Notify::new(),
        waiting_for: AtomicUsize::new(usize::MAX),
        subscribers: n,
    });
    let publish = |i: usize| {
        let app = app.clone();
        let (tenant, id) = (access.tenant(), session.id);
        async move {
            let mut w = app.write(vec![]).await?;
            w.audit(tenant, Entry::new("chat.bench", id, json!({"i": i}))).await?;
            let text = format!("event {i}");
            let data = ChatEventData::SystemMessage { text, plan_id: None };
            store::append(&mut w, tenant, id, vec![data], SessionChange::default()).await?;
            let t0 = Instant::now();
            w.commit().await?;
            Ok::<(Instant, Duration), Error>((t0, t0.elapsed()))
        }
    };

    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_before = rss_kib();
    let connect_started = Instant::now();
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        clients.push(subscriber(addr, &boot.api_key, &session.id.to_string(), 0, board.clone()).await?);
    }
    // The warm-up event tells when every subscription is live.
    wait_all(&board, 1, n, &publish).await?;
    let connect_time = connect_started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle = rss_kib();

    let mut starts = Vec::with_capacity(m);
    let mut commits = Vec::with_capacity(m);
    for i in 0..m {
        let (t0, commit) = wait_all(&board, i + 2, n, &publish).await?;
        starts.push(t0);
        commits.push(commit);
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(n * m);
    {
        let arrivals = board.arrivals.lock().await;
        for (i, t0) in starts.iter().enumerate() {
            latencies.extend(arrivals[i + 1].iter().map(|t| t.saturating_duration_since(*t0)));
        }
    }
    latencies.sort();
    commits.sort();
    stop.cancel();
    app.closing.cancel();
    for c in clients {
        c.abort();
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;

    let per_sub = match (rss_before, rss_idle) {
        (Some(a), Some(b)) => format!("{:.1} KiB", b.saturating_sub(a) as f64 / n as f64),
        _ => "unknown".into(),
    };
    let server = match server_memory(app, &boot.api_key, &session, n).await {
        Ok(Some(kib)) => format!("{kib:.1} KiB"),
        Ok(None) => "unknown (no /proc)".into(),
        Err(e) => format!("not measured: {e}"),
    };
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    Ok(Figures {
        lines: vec![
            format!("bench chat on {backend}: {n} websocket subscribers on one session, {m} events"),
            format!("  subscribers connected and live in {}", ms(connect_time)),
            format!(
                "  publish -> delivery: p50 {}  p99 {}  max {}  ({} deliveries)",
                ms(percentile(&latencies, 0.50)),
                ms(percentile(&latencies, 0.99)),
                ms(latencies.last().copied().unwrap_or_default()),
                latencies.len()
            ),
            format!("  commit of one event (included above): p50 {}", ms(percentile(&commits, 0.50))),
            format!("  memory per idle subscription, server process (child `praetor serve`): {server}"),
            format!("  memory per subscription, server and client in one process: {per_sub}"),
        ],
    })
}

/// Publishes event `index` (counted from 1) and waits until all `n` subscribers read it.
async fn wait_all<F, Fut>(board: &Board, index: usize, n: usize, publish: &F) -> Result<(Instant, Duration)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(Instant, Duration)>>,
{
    board.seen.store(0, Ordering::SeqCst);
    board.waiting_for.store(index, Ordering::SeqCst);
    let all = board.all_seen.notified();
    tokio::pin!(all);
    all.as_mut().enable();
    let published = publish(index).await?;
    if tokio::time::timeout(Duration::from_secs(30), all).await.is_err() {
        return Err(Error::internal(format!(
            "event {index} reached only {} of {n} subscribers in 30 s",
            board.seen.load(Ordering::SeqCst)
        )));
    }
    Ok(published)
}

/// One client: connects, subscribes, and notes when each event arrives.
async fn subscriber(
    addr: std::net::SocketAddr,
    key: &str,
    session: &str,
    after: i64,
    board: Arc<Board>,
) -> Result<tokio::task::JoinHandle<()>> {
    let fail = |e: tokio_tungstenite::tungstenite::Error| Error::internal(format!("bench websocket: {e}"));
    let mut req = format!("ws://{addr}/graphql/ws").into_client_request().map_err(fail)?;
    req.headers_mut().insert("sec-websocket-protocol", axum::http::HeaderValue::from_static("graphql-transport-ws"));
    // Small client buffers, so the figure is mostly the server's.
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), false).await.map_err(fail)?;
    let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {key}")}});
    ws.send(Message::Text(init.to_string().into())).await.map_err(fail)?;
    let query = "subscription($s: ID!, $a: Int) { chatEvents(sessionId: $s, after: $a) { seq } }";
    let vars = json!({"s": session, "a": after});
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": vars}});
    ws.send(Message::Text(sub.to_string().into())).await.map_err(fail)?;
    Ok(tokio::spawn(async move {
        while let Some(Ok(msg)) = ws.next().await {
            let Message::Text(text) = msg else { continue };
            let at = Instant::now();
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
            let Some(seq) = v["payload"]["data"]["chatEvents"]["seq"].as_u64() else { continue };
            let seq = seq as usize;
            if let Some(slot) = board.arrivals.lock().await.get_mut(seq - 1) {
                slot.push(at);
            }
            if seq == board.waiting_for.load(Ordering::SeqCst) {
                let seen = board.seen.fetch_add(1, Ordering::SeqCst) + 1;
                if seen == board.subscribers {
                    board.all_seen.notify_waiters();
                }
            }
        }
    }))
}

/// Starts this binary as `praetor serve` on the bench database (workers off unless the bench
/// needs them), waits until it answers, and returns it with its address and process id.
/// Every client of a bench connects from 127.0.0.1: `per_address` sockets are allowed.
pub(crate) async fn start_child(
    app: &Arc<AppState>,
    per_address: usize,
    workers: bool,
) -> Result<(tokio::process::Child, std::net::SocketAddr, u32)> {
    let exe = std::env::current_exe().map_err(Error::internal)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(Error::internal)?.port();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let child = tokio::process::Command::new(exe)
        .args(["serve", "--listen", &addr.to_string()])
        .env("PRAETOR_DATABASE_URL", app.config.effective_database_url())
        .env("PRAETOR_WEBSOCKET__MAX_PER_ADDRESS", per_address.to_string())
        .env("PRAETOR_WORKER__ENABLED", workers.to_string())
        .env("PRAETOR_LOG__FILTER", "warn")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(Error::internal)?;
    let pid = child.id().ok_or_else(|| Error::internal("the child server has no process id"))?;
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http.get(format!("http://{addr}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok((child, addr, pid));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(Error::internal("the child server did not start"))
}

pub(crate) fn rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Starts `praetor serve` on the bench database in a child process, subscribes `n` clients to
/// it, and returns the child's RSS growth per subscription, in KiB, once they are all live and
/// idle.
async fn server_memory(
    app: &Arc<AppState>,
    key: &str,
    session: &praetor_store::chat_session::Model,
    n: usize,
) -> Result<Option<f64>> {
    let (mut child, addr, pid) = start_child(app, n + 16, false).await?;
    let http = reqwest::Client::new();
    let id = session.id.to_string();
    let last_seq = || async {
        use praetor_store::{Owned, chat_session};
        let row = chat_session::by_id(&app.db, session.tenant(), session.id).await?;
        Ok::<i64, Error>(row.map_or(0, |r| r.last_seq))
    };
    // One message and its answer first, so what every server does once (pools, the catalog)
    // is in the baseline.
    let say = |text: &'static str| {
        let (http, key, id) = (http.clone(), key.to_string(), id.clone());
        async move {
            let q = "mutation($s: ID!, $t: String!) { sendChatMessage(sessionId: $s, text: $t) { seq } }";
            http.post(format!("http://{addr}/graphql"))
                .bearer_auth(key)
                .json(&json!({"query": q, "variables": {"s": id, "t": text}}))
                .send()
                .await
                .map_err(Error::internal)?;
            Ok::<(Instant, Duration), Error>((Instant::now(), Duration::ZERO))
        }
    };
    let before = last_seq().await?;
    say("hello").await?;
    for _ in 0..200 {
        if last_seq().await? >= before + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let Some(baseline) = rss_of(pid) else { return Ok(None) };
    let board = Arc::new(Board {
        arrivals: Mutex::new(Vec::new()),
        seen: AtomicUsize::new(0),
        all_seen: Notify::new(),
        waiting_for: AtomicUsize::new(usize::MAX),
        subscribers: n,
    });
    let current = last_seq().await?;
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        clients.push(subscriber(addr, key, &id, current, board.clone()).await?);
    }
    let next = current as usize + 1;
    wait_all(&board, next, n, &|_| say("are you there?")).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_of(pid);
    for c in clients {
        c.abort();
    }
    let _ = child.kill().await;
    Ok(idle.map(|i| i.saturating_sub(baseline) as f64 / n as f64))
}
