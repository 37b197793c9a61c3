//! `praetor bench`: measured figures, printed, never asserted. Each benchmark builds what it
//! needs in a throwaway database (a temporary SQLite file, or a fresh PostgreSQL database
//! created from the URL given) and reports throughput, latency percentiles and peak memory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use praetor_domain::PlanStatus;
use praetor_store::{Housekeeping, ProjectId, Tenant};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use praetor::AppState;
use praetor::auth::{Principal, Subject};
use praetor::authz::ops;
use praetor::clock::SystemClock;
use praetor::config::Config;
use praetor::error::{Error, Result};
use praetor::events::Event;
use praetor::services::{plans, projects, setup, users};
use praetor_domain::plan::Step;

pub mod api;
pub mod audit;
pub mod chat;
pub mod metrics;
pub mod policy;
pub mod rollups;
pub mod soak;
pub mod tokens;
pub mod webhooks;

/// Where a benchmark runs.
pub enum Target {
    /// A temporary SQLite file.
    Sqlite,
    /// A new database on this PostgreSQL server (the URL's database is only used to create it).
    Postgres(String),
}

impl Target {
    /// PostgreSQL at `postgres` (the `--postgres` option) when given, else SQLite.
    pub fn new(postgres: Option<String>) -> Self {
        postgres.map_or(Target::Sqlite, Target::Postgres)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Target::Sqlite => "sqlite",
            Target::Postgres(_) => "postgres",
        }
    }
}

pub struct Figures {
    pub lines: Vec<String>,
}

/// The plans per second an engine run printed (its `throughput` line).
pub(crate) fn throughput(figures: &Figures) -> f64 {
    figures
        .lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("throughput"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// The median of runs' figures (the upper one of an even count).
pub(crate) fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// What [`load`] measured: requests per second and each request's latency, sorted.
pub(crate) struct Load {
    pub rate: f64,
    pub latencies: Vec<Duration>,
}

/// Sends `requests` requests made by `one` over `connections` concurrent loops (each waits for
/// its answer before the next), after 64 to warm connections and caches.
pub(crate) async fn load<F, Fut>(connections: usize, requests: usize, one: F) -> Result<Load>
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    for _ in 0..64 {
        one().await?;
    }
    let left = Arc::new(std::sync::atomic::AtomicUsize::new(requests));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let (left, one) = (left.clone(), one.clone());
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::new();
            while left
                .fetch_update(std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst, |n| {
                    n.checked_sub(1)
                })
                .is_ok()
            {
                let t = Instant::now();
                one().await?;
                took.push(t.elapsed());
            }
            Ok::<_, Error>(took)
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    for t in tasks {
        latencies.extend(t.await.map_err(Error::internal)??);
    }
    let rate = requests as f64 / started.elapsed().as_secs_f64();
    latencies.sort();
    Ok(Load { rate, latencies })
}

/// CPU time used so far, in clock ticks (Linux `/proc`, 100 a second): this process's, and
/// that of every `postgres` process on this machine (the database server, when it is local).
/// Differences between two readings say what a run cost in CPU, which varies far less from
/// run to run than its rate on a machine this small.
pub(crate) fn cpu_ticks() -> (u64, u64) {
    fn ticks(stat: &str) -> Option<(String, u64)> {
        // `pid (comm) state ...`: utime and stime are fields 14 and 15.
        let (head, rest) = stat.rsplit_once(')')?;
        let comm = head.split_once('(')?.1.to_string();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let used = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some((comm, used))
    }
    let own = std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| ticks(&s)).map_or(0, |(_, t)| t);
    let mut database = 0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            if !entry.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if let Some((comm, t)) = std::fs::read_to_string(entry.path().join("stat")).ok().and_then(|s| ticks(&s))
                && comm == "postgres"
            {
                database += t;
            }
        }
    }
    (own, database)
}

/// Peak resident memory of this process, in KiB (Linux), if known.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub(crate) async fn prepare(
    target: &Target,
    workers: usize,
) -> Result<(Arc<AppState>, Option<tempfile::TempDir>, Option<(String, String)>)> {
    prepare_with(target, workers, |_| {}).await
}

/// [`prepare`] with the configuration changed by `tweak` first.
pub(crate) async fn prepare_with(
    target: &Target,
    workers: usize,
    tweak: impl FnOnce(&mut Config),
) -> Result<(Arc<AppState>, Option<tempfile::TempDir>, Option<(String, String)>)> {
    let mut config = Config::default();
    tweak(&mut config);
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
            praetor_store::db::postgres_admin(url, &format!("CREATE DATABASE {name}"))
                .await
                .map_err(|e| Error::internal(format!("PostgreSQL: {e}")))?;
            let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or_else(|| url.clone());
            config.database_url = format!("{base}/{name}");
            if let Some(role) = std::env::var("BENCH_DB_ROLE").ok().filter(|r| !r.is_empty()) {
                sign_in_as(url, &mut config, &role).await?;
            }
            (None, Some((url.clone(), name)))
        }
    };
    let app = AppState::init(config, Arc::new(SystemClock)).await?;
    Ok((app, dir, drop_db))
}

/// The benchmark's server signs in as `role` (made when missing, owning nothing, so bound by
/// row-level security, as in production) and the URL's own user migrates as the tables'
/// owner: `BENCH_DB_ROLE=praetor_bench`.
async fn sign_in_as(admin_url: &str, config: &mut Config, role: &str) -> Result<()> {
    if role.is_empty() || !role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::validation("BENCH_DB_ROLE", "a PostgreSQL role name: letters, digits and _"));
    }
    let make = format!("DO $$ BEGIN CREATE ROLE {role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    praetor_store::db::postgres_admin(admin_url, &make)
        .await
        .map_err(|e| Error::internal(format!("PostgreSQL: making role {role}: {e}")))?;
    let mut url =
        reqwest::Url::parse(&config.database_url).map_err(|e| Error::validation("--postgres", e.to_string()))?;
    url.set_username(role).map_err(|()| Error::validation("--postgres", "a URL with a user"))?;
    url.set_password(None).map_err(|()| Error::validation("--postgres", "a URL with a user"))?;
    config.database.migration_url = std::mem::replace(&mut config.database_url, url.to_string());
    Ok(())
}

pub(crate) async fn cleanup(drop_db: Option<(String, String)>) {
    if let Some((url, name)) = drop_db {
        let _ = praetor_store::db::postgres_admin(&url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    }
}

/// The benchmarks' organization `bench`, made on `app`, and its administrator's access to it.
pub(crate) async fn bench_org(app: &Arc<AppState>) -> Result<(setup::Bootstrapped, praetor::authz::OrgAccess)> {
    let boot = setup::bootstrap(app, "bench", "bench@praetor.test").await?;
    let user =
        users::find_by_email(&app.db, "bench@praetor.test").await?.ok_or_else(|| Error::internal("bench user"))?;
    let access = app.authz.enter(&Principal::new(Subject::User(user)), boot.org.clone()).await?;
    Ok((boot, access))
}

/// End-to-end governed plans: propose (decided, allowed) -> queued -> 3 state steps -> audited,
/// `plans` of them with `concurrency` proposers, spread over `projects` projects. The plans run
/// in this process (`workers` tasks) or, with `processes` > 0 (PostgreSQL only), in that many
/// child `praetor worker` processes of `workers` tasks each, this process only proposing and
/// hearing their events through the fan-out.
pub async fn engine(
    target: Target,
    plans_n: usize,
    concurrency: usize,
    projects_n: usize,
    workers: usize,
    processes: usize,
) -> Result<Figures> {
    if processes > 0 && matches!(target, Target::Sqlite) {
        return Err(Error::validation(
            "worker-processes",
            "worker processes share a PostgreSQL database: give --postgres",
        ));
    }
    let (app, _dir, drop_db) = prepare(&target, workers).await?;
    let result = engine_inner(&app, plans_n, concurrency, projects_n, None, processes).await;
    drop(app);
    cleanup(drop_db).await;
    result
}

/// The engine benchmark on a prepared instance; with `webhook`, an endpoint at that URL first
/// subscribes to every plan event kind, so each plan also writes and sends its deliveries.
pub(crate) async fn engine_inner(
    app: &Arc<AppState>,
    plans_n: usize,
    concurrency: usize,
    projects_n: usize,
    webhook: Option<String>,
    processes: usize,
) -> Result<Figures> {
    let backend = praetor::db::backend_name(&app.db);
    let (boot, access) = bench_org(app).await?;
    let mut project_ids: Vec<ProjectId> = Vec::new();
    for i in 0..projects_n.max(1) {
        let permit = access.permit::<ops::ProjectCreate>(praetor::authz::Domain::Org)?;
        project_ids.push(projects::create(app, &permit, &format!("p{i}"), &format!("P{i}"), "").await?.id);
    }
    if let Some(url) = webhook {
        let permit = access.permit::<ops::WebhookManage>(praetor::authz::Domain::Org)?;
        let events = praetor::webhooks::EVENT_TYPES
            .iter()
            .filter(|(name, _, _)| name.starts_with("plan."))
            .map(|(name, _, _)| name.to_string())
            .collect();
        let spec = praetor::services::webhooks::EndpointSpec { url, events, description: "bench".into() };
        praetor::services::webhooks::create(app, &permit, None, spec).await?;
    }
    let shutdown = CancellationToken::new();
    let (worker, fanout, children) = if processes == 0 {
        (Some(praetor::worker::spawn(app.clone(), shutdown.clone())), None, Vec::new())
    } else {
        let fanout = praetor::events::fanout::spawn(app.clone(), shutdown.clone());
        (None, fanout, worker_processes(app, processes).await?)
    };

    // Completion times come from the event bus: the plan's Succeeded event.
    let mut rx = app.bus.subscribe();
    let done = Arc::new(dashmap_lite::Map::default());
    let done_listener = done.clone();
    let listener = tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    if let Event::Plan { plan, status, .. } = &*ev
                        && matches!(status, PlanStatus::Succeeded | PlanStatus::Failed)
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
                chat_session: None,
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
    if let Some(w) = worker {
        let _ = w.await;
    }
    if let Some(f) = fanout {
        let _ = f.await;
    }
    drop(children);
    listener.abort();

    // Replay speed: fold every recorded event again.
    let replay_start = Instant::now();
    let mut events = 0usize;
    for p in &project_ids {
        for r in praetor::engine::replay::replay_project_plans(
            &app.db,
            &app.policies,
            Tenant::housekeeping(boot.org.id, Housekeeping::Setup),
            *p,
        )
        .await?
        {
            if !r.identical() {
                return Err(Error::internal(format!("replay diverged during the benchmark: {r:?}")));
            }
            events += r.events;
        }
    }
    let replay_elapsed = replay_start.elapsed();
    let mut lines = vec![
        format!(
            "bench engine on {backend}: {plans_n} plans (3 state steps each), {concurrency} concurrent proposers, {} projects, {} workers{}",
            project_ids.len(),
            app.config.worker.concurrency,
            if processes > 0 { format!(" in each of {processes} worker processes") } else { String::new() }
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

/// Starts `n` child `praetor worker` processes on `app`'s database, with its worker
/// concurrency and data folder (so its master key), and waits until each is ready. They are
/// killed when the returned handles drop.
async fn worker_processes(app: &AppState, n: usize) -> Result<Vec<tokio::process::Child>> {
    let exe = std::env::current_exe().map_err(Error::internal)?;
    let data_dir = std::fs::canonicalize(&app.config.data_dir).map_err(Error::internal)?;
    let mut children = Vec::new();
    for _ in 0..n {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(Error::internal)?.port();
        let child = tokio::process::Command::new(&exe)
            .args(["worker", "--listen", &format!("127.0.0.1:{port}")])
            .env("PRAETOR_DATABASE_URL", &app.config.database_url)
            .env("PRAETOR_DATA_DIR", &data_dir)
            .env("PRAETOR_WORKER__CONCURRENCY", app.config.worker.concurrency.to_string())
            .env("PRAETOR_METRICS__ENABLED", "false")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::internal(format!("cannot start a worker process: {e}")))?;
        children.push(child);
        let ready = format!("http://127.0.0.1:{port}/readyz");
        let mut up = false;
        for _ in 0..600 {
            if reqwest::get(&ready).await.is_ok_and(|r| r.status().is_success()) {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if !up {
            return Err(Error::internal(format!("a worker process did not become ready on port {port}")));
        }
    }
    Ok(children)
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

/// Governance decisions for one project with `rules` policy rules and `bindings` role
/// bindings: RBAC (casbin, one enforcer per org) uncached and cached, the policy decision (every
/// rule's globs, CEL conditions compiled once), and the two together, with p50/p99.
pub async fn policy(rules: usize, bindings: usize, samples: usize) -> Result<Figures> {
    use praetor_policy::decide::{DecisionInput, Effective, Layer, Level};
    use praetor_policy::{CompileContext, PolicySet, Source};

    // A policy set: `rules` rules over 50 action families, half of them with a CEL condition.
    let mut yaml = String::from(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {name: bench, org: bench}\nspec:\n  rules:\n",
    );
    for i in 0..rules {
        let family = i % 50;
        let effect = match i % 10 {
            0 => "deny",
            1 => "require_approval",
            _ => "allow",
        };
        yaml.push_str(&format!("    - name: r{i}\n      actions: [\"svc{family}.*\"]\n      effect: {effect}\n"));
        if i % 2 == 0 {
            yaml.push_str(&format!("      when: 'params.env == \"prod\" && params.replicas > {}'\n", i % 7));
        }
        if effect == "require_approval" {
            yaml.push_str("      approvals: [{group: leads, count: 1}]\n");
        }
    }
    let ctx = CompileContext {
        builtins: praetor::governance::policy::builtins(),
        org: Some("bench".into()),
        ..Default::default()
    };
    let set = PolicySet::compile(&[Source::new("bench.yaml", yaml)], &ctx)
        .map_err(|d| Error::internal(praetor_policy::diag::render_human(&d)))?;
    let effective = Effective::new(vec![Layer { level: Level::Org, set: Arc::new(set), version: "org@1".into() }]);

    // RBAC: `bindings` users bound to roles across 100 projects.
    let mut lines = String::new();
    let roles = ["operator", "approver", "viewer", "project_admin"];
    for i in 0..bindings {
        lines.push_str(&format!("g, user:u{i}, role:{}, prj_p{}\n", roles[i % roles.len()], i % 100));
    }
    let rbac = praetor::authz::OrgRbac::from_adapter(praetor::authz::OrgRuleAdapter::from_lines(&lines), 1).await?;

    let params = serde_json::json!({"env": "prod", "replicas": 5});
    let empty = serde_json::json!({});
    let now = chrono::DateTime::UNIX_EPOCH;
    let mut rbac_uncached = Vec::with_capacity(samples);
    let mut rbac_cached = Vec::with_capacity(samples);
    let mut policy_times = Vec::with_capacity(samples);
    let mut both = Vec::with_capacity(samples);
    let mut allowed = 0usize;
    let keys: Vec<(String, String, String, String)> = (0..samples)
        .map(|i| {
            let action = format!("svc{}.deploy", i % 50);
            // Distinct (subject, domain, operation) per sample: the first look-up is a miss.
            (
                format!("user:u{}", i % bindings.max(1)),
                format!("prj_p{}", i % 100),
                format!("action.invoke:{action}#{i}"),
                action,
            )
        })
        .collect();
    for (user, dom, op, _) in &keys {
        let t = Instant::now();
        let _ = rbac.allows(user, dom, op);
        rbac_uncached.push(t.elapsed());
    }
    for (user, dom, op, _) in &keys {
        let t = Instant::now();
        let _ = rbac.allows(user, dom, op);
        rbac_cached.push(t.elapsed());
    }
    for (user, dom, _, action) in &keys {
        let op = format!("action.invoke:{action}");
        let _ = rbac.allows(user, dom, &op);
        let t = Instant::now();
        let d = effective.decide(&DecisionInput {
            action,
            params: &params,
            state: &empty,
            principal: &empty,
            plan: &empty,
            now,
            usage: &empty,
        });
        policy_times.push(t.elapsed());
        let t = Instant::now();
        let r = rbac.allows(user, dom, &op);
        let d2 = effective.decide(&DecisionInput {
            action,
            params: &params,
            state: &empty,
            principal: &empty,
            plan: &empty,
            now,
            usage: &empty,
        });
        both.push(t.elapsed());
        if r && d.effect == d2.effect && d.effect == praetor_policy::document::Effect::Allow {
            allowed += 1;
        }
    }
    let line = |name: &str, v: &mut Vec<Duration>| {
        v.sort();
        let total: Duration = v.iter().sum();
        format!(
            "  {name:<28} {:>10.0} decisions/s   p50 {:>7.1} µs   p99 {:>7.1} µs",
            v.len() as f64 / total.as_secs_f64().max(1e-9),
            percentile(v, 0.5).as_secs_f64() * 1e6,
            percentile(v, 0.99).as_secs_f64() * 1e6
        )
    };
    let mut lines_out =
        vec![format!("bench policy: {rules} rules, {bindings} role bindings, {samples} decisions (one core)")];
    lines_out.push(line("RBAC uncached", &mut rbac_uncached));
    lines_out.push(line("RBAC cached", &mut rbac_cached));
    lines_out.push(line("policy rules (CEL)", &mut policy_times));
    lines_out.push(line("RBAC cached + policy", &mut both));
    lines_out.push(format!("  ({allowed} of {samples} allowed; the rest denied or needing approval)"));
    Ok(Figures { lines: lines_out })
}
