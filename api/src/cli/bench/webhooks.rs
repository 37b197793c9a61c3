//! `praetor bench webhooks`: outbound webhook deliveries per second to a local receiver, the
//! time from an event's commit to its delivery, and what the outbox costs the engine.
//!
//! The receiver is an HTTP server in this process on 127.0.0.1 (private networks are allowed
//! for the benchmark's instance); it answers 200 at once and notes when each delivery arrived.
//! - Throughput: events are committed with the deliverer stopped (synthetic `policy.applied`
//!   audit entries, 100 to a transaction, each to 4 endpoints: `deliveries` in all), then the
//!   deliverer starts, reads them from the chain, writes their deliveries and sends them; the
//!   time until the receiver has them all is measured.
//! - Latency: with the deliverer running, events are committed one per transaction at a steady
//!   pace; each delivery's arrival minus its event's commit.
//! - Cost: `bench engine`'s loop (propose, queue, 3 state steps) on a fresh instance without an
//!   endpoint, on another with one subscribed to every plan event kind, and on a third with one
//!   but the deliverer stopped (what a listened-for event costs its own write).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use praetor_store::{Housekeeping, Tenant};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{Figures, Target, cleanup, cpu_ticks, engine_inner, median, percentile, prepare_with, throughput};
use praetor::AppState;
use praetor::audit::Entry;
use praetor::auth::ActorRef;
use praetor::authz::ops;
use praetor::config::Config;
use praetor::error::{Error, Result};
use praetor::services::{webhook_delivery, webhooks};

#[derive(Default)]
struct Arrivals {
    /// `seq` of the event -> when each of its deliveries arrived.
    at: Mutex<HashMap<u64, Vec<Instant>>>,
    count: std::sync::atomic::AtomicUsize,
}

async fn receiver(arrivals: Arc<Arrivals>, stop: CancellationToken) -> Result<String> {
    let router = Router::new().route(
        "/{*path}",
        post(move |body: axum::body::Bytes| {
            let arrivals = arrivals.clone();
            async move {
                let now = Instant::now();
                if let Ok(v) = serde_json::from_slice::<Value>(&body)
                    && let Some(seq) = v["data"]["seq"].as_u64()
                    && let Ok(mut m) = arrivals.at.lock()
                {
                    m.entry(seq).or_default().push(now);
                }
                arrivals.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(Error::internal)?;
    let addr = listener.local_addr().map_err(Error::internal)?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).with_graceful_shutdown(async move { stop.cancelled().await }).await;
    });
    Ok(format!("http://{addr}"))
}

fn tweak(config: &mut Config) {
    config.webhooks.allow_private_networks = true;
    config.webhooks.concurrency = 64;
    config.webhooks.endpoint_concurrency = 16;
    config.webhooks.poll_ms = 100;
}

pub async fn run(
    target: Target,
    deliveries: usize,
    latency_events: usize,
    plans: usize,
    rounds: usize,
) -> Result<Figures> {
    let mut lines = Vec::new();
    let (app, _dir, drop_db) = prepare_with(&target, 4, tweak).await?;
    let result = deliveries_and_latency(&app, deliveries.max(4), latency_events.max(1)).await;
    drop(app);
    cleanup(drop_db).await;
    lines.extend(result?);

    // The engine without and with an endpoint, each on a fresh instance.
    // Without an endpoint; with one and the deliverer sending; with one and the deliverer
    // stopped (what the events cost their own writes). The three alternate, `rounds` times, and
    // the medians are compared: one run of each varies by more than the difference.
    const MODES: [(bool, bool); 3] = [(false, true), (true, true), (true, false)];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); MODES.len()];
    // CPU milliseconds per plan: this process's, and the local database server's.
    let mut cpu: Vec<Vec<(f64, f64)>> = vec![Vec::new(); MODES.len()];
    let mut sent = 0;
    for (mode, (with, deliver)) in MODES.iter().copied().enumerate().cycle().take(MODES.len() * rounds.max(1)) {
        let (app, _dir, drop_db) = prepare_with(&target, 4, tweak).await?;
        let stop = CancellationToken::new();
        let arrivals = Arc::new(Arrivals::default());
        let url = receiver(arrivals.clone(), stop.clone()).await?;
        let deliverer = deliver.then(|| webhook_delivery::spawn(app.clone(), stop.clone()));
        let before = cpu_ticks();
        let figures = engine_inner(&app, plans, 64, 16, with.then(|| format!("{url}/engine")), 0).await;
        // The run's CPU includes sending its deliveries: wait until the receiver has heard
        // nothing new for a while.
        if deliver && with {
            let wait = Instant::now();
            let mut last = (usize::MAX, Instant::now());
            while wait.elapsed() < Duration::from_secs(60) {
                let n = arrivals.count.load(std::sync::atomic::Ordering::SeqCst);
                if n != last.0 {
                    last = (n, Instant::now());
                } else if last.1.elapsed() > Duration::from_millis(300) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        let after = cpu_ticks();
        stop.cancel();
        if let Some(d) = deliverer {
            let _ = d.await;
        }
        let per_plan = |a: u64, b: u64| (b.saturating_sub(a) as f64) * 10.0 / plans as f64;
        cpu[mode].push((per_plan(before.0, after.0), per_plan(before.1, after.1)));
        drop(app);
        cleanup(drop_db).await;
        rates[mode].push(throughput(&figures?));
        if with && deliver {
            sent = arrivals.count.load(std::sync::atomic::Ordering::SeqCst);
        }
    }
    let runs = |v: &[f64]| v.iter().map(|r| format!("{r:.1}")).collect::<Vec<_>>().join(", ");
    let without = median(&rates[0]);
    lines.push(format!(
        "  engine, {plans} plans (64 proposers, 16 projects, 4 workers), median of {} alternating runs:",
        rates[0].len()
    ));
    let cpu_of = |i: usize| {
        let own = median(&cpu[i].iter().map(|c| c.0).collect::<Vec<_>>());
        let db = median(&cpu[i].iter().map(|c| c.1).collect::<Vec<_>>());
        if db > 0.0 {
            format!("CPU per plan {own:.2} ms here + {db:.2} ms database server")
        } else {
            format!("CPU per plan {own:.2} ms")
        }
    };
    lines.push(format!("    without an endpoint  {without:.1} plans/s, {}  (runs: {})", cpu_of(0), runs(&rates[0])));
    for (i, label) in [
        (1, format!("with one (all plan events, {sent} deliveries a run)")),
        (2, "with one, deliverer stopped (the events' own writes)".to_string()),
    ] {
        let m = median(&rates[i]);
        lines.push(format!(
            "    {label}  {m:.1} plans/s ({:+.1}%), {}  (runs: {})",
            (m / without - 1.0) * 100.0,
            cpu_of(i),
            runs(&rates[i])
        ));
    }
    Ok(Figures { lines })
}

async fn deliveries_and_latency(app: &Arc<AppState>, n: usize, m: usize) -> Result<Vec<String>> {
    let backend = praetor::db::backend_name(&app.db);
    let (boot, access) = super::bench_org(app).await?;
    let permit = access.permit::<ops::WebhookManage>(praetor::authz::Domain::Org)?;
    let stop = CancellationToken::new();
    let arrivals = Arc::new(Arrivals::default());
    let url = receiver(arrivals.clone(), stop.clone()).await?;
    const ENDPOINTS: usize = 4;
    for i in 0..ENDPOINTS {
        let spec = webhooks::EndpointSpec {
            url: format!("{url}/e{i}"),
            events: vec!["policy.applied".into()],
            description: format!("bench {i}"),
        };
        webhooks::create(app, &permit, None, spec).await?;
    }
    let tenant = Tenant::housekeeping(boot.org.id, Housekeeping::Setup);
    let actor = vec![ActorRef::system("bench", "bench webhooks")];

    // Throughput: commit the events, then let the deliverer read, write and send them.
    let events = n.div_ceil(ENDPOINTS);
    let fill = Instant::now();
    let mut seq = 0u64;
    while (seq as usize) < events {
        let mut w = app.write(actor.clone()).await?;
        for _ in 0..100.min(events - seq as usize) {
            seq += 1;
            w.audit(tenant, Entry::new("policy.applied", "bench", json!({"seq": seq, "bench": "throughput"}))).await?;
        }
        w.commit().await?;
    }
    let fill_secs = fill.elapsed().as_secs_f64();
    let total = events * ENDPOINTS;
    let start = Instant::now();
    let deliverer = webhook_delivery::spawn(app.clone(), stop.clone());
    while arrivals.count.load(std::sync::atomic::Ordering::SeqCst) < total {
        if start.elapsed() > Duration::from_secs(600) {
            return Err(Error::internal("deliveries did not finish within 10 minutes"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drain = start.elapsed();
    let mut lines = vec![
        format!("bench webhooks on {backend}: {ENDPOINTS} endpoints on a local receiver"),
        format!(
            "  events        {events} in {fill_secs:.2} s ({:.0}/s, in transactions of 100; {total} deliveries)",
            events as f64 / fill_secs
        ),
        format!(
            "  delivery      {:.0} deliveries/s, written from the chain and sent ({total} in {:.2} s, concurrency {}, {} per endpoint)",
            total as f64 / drain.as_secs_f64(),
            drain.as_secs_f64(),
            app.config.webhooks.concurrency,
            app.config.webhooks.endpoint_concurrency
        ),
    ];

    // Latency: one event per transaction, a steady 200 a second.
    let mut committed: HashMap<u64, Instant> = HashMap::new();
    let first = seq + 1;
    let mut pace = tokio::time::interval(Duration::from_millis(5));
    for _ in 0..m {
        pace.tick().await;
        seq += 1;
        let mut w = app.write(actor.clone()).await?;
        w.audit(tenant, Entry::new("policy.applied", "bench", json!({"seq": seq, "bench": "latency"}))).await?;
        w.commit().await?;
        committed.insert(seq, Instant::now());
    }
    let wait = Instant::now();
    loop {
        let have = arrivals
            .at
            .lock()
            .map(|a| (first..=seq).filter(|s| a.get(s).is_some_and(|v| v.len() >= ENDPOINTS)).count())
            .unwrap_or(0);
        if have == m || wait.elapsed() > Duration::from_secs(120) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut latencies: Vec<Duration> = Vec::new();
    if let Ok(a) = arrivals.at.lock() {
        for s in first..=seq {
            if let (Some(t0), Some(arrived)) = (committed.get(&s), a.get(&s)) {
                latencies.extend(arrived.iter().map(|t| t.saturating_duration_since(*t0)));
            }
        }
    }
    latencies.sort();
    lines.push(format!(
        "  latency       commit -> delivered p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms ({} deliveries of {m} events at 200/s)",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        latencies.len()
    ));
    stop.cancel();
    let _ = deliverer.await;
    Ok(lines)
}
