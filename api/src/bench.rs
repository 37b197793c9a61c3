//! `praetor bench`: measured figures, printed, never asserted. Each benchmark builds what it
//! needs in a throwaway database (a temporary SQLite file, or a fresh PostgreSQL database
//! created from the URL given) and reports throughput, latency percentiles and peak memory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use praetor_entities::ProjectId;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::auth::{Principal, Subject};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::engine::model::Step;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::services::{plans, projects, setup, users};

/// Where a benchmark runs.
pub enum Target {
    /// A temporary SQLite file.
    Sqlite,
    /// A new database on this PostgreSQL server (the URL's database is only used to create it).
    Postgres(String),
}

pub struct Figures {
    pub lines: Vec<String>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Peak resident memory of this process, in KiB (Linux), if known.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

async fn prepare(
    target: &Target,
    workers: usize,
) -> Result<(Arc<AppState>, Option<tempfile::TempDir>, Option<(String, String)>)> {
    let mut config = Config::default();
    config.worker.concurrency = workers;
    config.database.max_connections = (workers as u32 + 8).max(16);
    let (dir, drop_db) = match target {
        Target::Sqlite => {
            let dir = tempfile::tempdir().map_err(Error::internal)?;
            config.database_url = format!("sqlite://{}", dir.path().join("bench.db").display());
            (Some(dir), None)
        }
        Target::Postgres(url) => {
            let name = format!("praetor_bench_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(url.as_str())
                .await
                .map_err(|e| Error::internal(format!("PostgreSQL: {e}")))?;
            use sea_orm::ConnectionTrait;
            admin
                .execute_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    format!("CREATE DATABASE {name}"),
                ))
                .await?;
            let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or_else(|| url.clone());
            config.database_url = format!("{base}/{name}");
            (None, Some((url.clone(), name)))
        }
    };
    let app = AppState::init(config, Arc::new(SystemClock)).await?;
    Ok((app, dir, drop_db))
}

async fn cleanup(drop_db: Option<(String, String)>) {
    if let Some((url, name)) = drop_db
        && let Ok(admin) = sea_orm::Database::connect(url.as_str()).await
    {
        use sea_orm::ConnectionTrait;
        let _ = admin
            .execute_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ))
            .await;
    }
}

/// End-to-end governed plans: propose (decided, allowed) -> queued -> 3 state steps -> audited,
/// `plans` of them with `concurrency` proposers, spread over `projects` projects.
pub async fn engine(
    target: Target,
    plans_n: usize,
    concurrency: usize,
    projects_n: usize,
    workers: usize,
) -> Result<Figures> {
    let (app, _dir, drop_db) = prepare(&target, workers).await?;
    let result = engine_inner(&app, plans_n, concurrency, projects_n).await;
    drop(app);
    cleanup(drop_db).await;
    result
}

async fn engine_inner(app: &Arc<AppState>, plans_n: usize, concurrency: usize, projects_n: usize) -> Result<Figures> {
    let backend = crate::db::backend_name(&app.db);
    let boot = setup::bootstrap(app, "bench", "bench@praetor.test").await?;
    let user =
        users::find_by_email(&app.db, "bench@praetor.test").await?.ok_or_else(|| Error::internal("bench user"))?;
    let principal = Principal::new(Subject::User(user));
    let access = app.authz.enter(&principal, boot.org.clone()).await?;
    let mut project_ids: Vec<ProjectId> = Vec::new();
    for i in 0..projects_n.max(1) {
        let permit = access.permit(crate::authz::Domain::Org, "project.create")?;
        project_ids.push(projects::create(app, &permit, &format!("p{i}"), &format!("P{i}"), "").await?.id);
    }
    let shutdown = CancellationToken::new();
    let worker = crate::engine::worker::spawn(app.clone(), shutdown.clone());

    // Completion times come from the event bus: the plan's Succeeded event.
    let mut rx = app.bus.subscribe();
    let done = Arc::new(dashmap_lite::Map::default());
    let done_listener = done.clone();
    let listener = tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    if let Event::Plan { plan, status, .. } = &*ev
                        && (status == "succeeded" || status == "failed")
                    {
                        done_listener.complete(plan.to_string(), Instant::now());
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            }
        }
    });

    let start = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = Vec::with_capacity(plans_n);
    for i in 0..plans_n {
        let permit = sem.clone().acquire_owned().await.map_err(Error::internal)?;
        let app = app.clone();
        let access = access.clone();
        let project = project_ids[i % project_ids.len()];
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let steps = vec![
                Step {
                    id: "a".into(),
                    action: "state.set".into(),
                    params: json!({"key": format!("svc.s{}", i % 50), "value": {"v": i}}),
                    when: None,
                    on_failure: Default::default(),
                },
                Step {
                    id: "b".into(),
                    action: "state.increment".into(),
                    params: json!({"key": "counters.deploys"}),
                    when: None,
                    on_failure: Default::default(),
                },
                Step {
                    id: "c".into(),
                    action: "state.patch".into(),
                    params: json!({"patch": {"last": {"plan": i}}}),
                    when: None,
                    on_failure: Default::default(),
                },
            ];
            let input = plans::ProposeInput {
                title: None,
                steps,
                template: None,
                args: None,
                idempotency_key: None,
                run_when_approved: true,
            };
            let p = plans::propose(&app, &access, project, input).await?;
            let finished = done.wait(p.id.to_string()).await;
            drop(permit);
            Ok::<Duration, Error>(finished.saturating_duration_since(t0))
        }));
    }
    let mut latencies = Vec::with_capacity(plans_n);
    for t in tasks {
        latencies.push(t.await.map_err(Error::internal)??);
    }
    let elapsed = start.elapsed();
    latencies.sort();
    shutdown.cancel();
    let _ = worker.await;
    listener.abort();

    // Replay speed: fold every recorded event again.
    let replay_start = Instant::now();
    let mut events = 0usize;
    for p in &project_ids {
        for r in crate::engine::replay::replay_project_plans(&app.db, &app.policies, boot.org.id, *p).await? {
            if !r.identical() {
                return Err(Error::internal(format!("replay diverged during the benchmark: {r:?}")));
            }
            events += r.events;
        }
    }
    let replay_elapsed = replay_start.elapsed();
    let mut lines = vec![
        format!(
            "bench engine on {backend}: {plans_n} plans (3 state steps each), {concurrency} concurrent proposers, {} projects, {} workers",
            project_ids.len(),
            app.config.worker.concurrency
        ),
        format!(
            "  throughput   {:.1} plans/s ({:.2} s total)",
            plans_n as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64()
        ),
        format!(
            "  latency      p50 {:.1} ms   p99 {:.1} ms   (propose -> succeeded)",
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3
        ),
        format!(
            "  replay       {:.0} events/s ({events} events incl. project state folds, {:.2} s)",
            events as f64 / replay_elapsed.as_secs_f64(),
            replay_elapsed.as_secs_f64()
        ),
    ];
    if let Some(kib) = peak_rss_kib() {
        lines.push(format!("  peak memory  {:.1} MiB (process high-water mark)", kib as f64 / 1024.0));
    }
    Ok(Figures { lines })
}

/// A tiny completion map: waiters park until their key completes.
mod dashmap_lite {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::Instant;

    use tokio::sync::Notify;

    #[derive(Default)]
    pub struct Map {
        done: Mutex<HashMap<String, Instant>>,
        notify: Notify,
    }

    impl Map {
        pub fn complete(&self, key: String, at: Instant) {
            if let Ok(mut m) = self.done.lock() {
                m.insert(key, at);
            }
            self.notify.notify_waiters();
        }

        pub async fn wait(&self, key: String) -> Instant {
            loop {
                let notified = self.notify.notified();
                tokio::pin!(notified);
                // Registered before the check, so a completion in between is not missed.
                notified.as_mut().enable();
                if let Ok(m) = self.done.lock()
                    && let Some(t) = m.get(&key)
                {
                    return *t;
                }
                notified.await;
            }
        }
    }
}
