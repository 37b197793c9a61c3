//! Praetor: a governed execution control plane with a chat interface.
//!
//! [`run`] is the whole server; the `praetor` binary (`cli/`) parses the command line and holds
//! the commands, policy tooling and benchmarks, and the integration tests start the real server
//! through the same function. `layers_test.rs` keeps the modules' layering.

pub mod actions;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod chat;
pub mod chatlog;
pub mod clock;
pub mod config;
pub mod cpu;
pub mod db;
pub mod engine;
pub mod error;
pub mod events;
pub mod governance;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod notifications;
pub mod oidc;
pub mod request_id;
pub mod scheduler;
pub mod secrets;
pub mod services;
pub mod traces;
pub mod webhooks;
pub mod worker;
pub mod write;

#[cfg(test)]
mod layers_test;

use std::sync::Arc;

use praetor_store::DatabaseConnection;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::authz::Authz;
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::events::Bus;
use crate::graphql::PraetorSchema;

/// Everything a request or a background task needs, shared behind an `Arc`.
pub struct AppState {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub authz: Authz,
    pub bus: Bus,
    pub schema: PraetorSchema,
    /// Wakes the plan worker when a job is queued (here, or on another node: the fan-out).
    pub wakeup: tokio::sync::Notify,
    /// The organization this process's workers served last, for the next claim's turn.
    pub queue: engine::queue::Rotation,
    /// Stored policy versions, compiled and cached.
    pub policies: governance::policy::PolicyStore,
    /// Signs calls to external action handlers (none without `actions.signing_secret`).
    pub signer: Option<actions::external::Signer>,
    /// Kill switches in force, cached for a fraction of a second.
    pub kills: governance::kill::Cache,
    /// Rate-limit refusals that hold for a while: answered without the database.
    pub refusals: governance::rate::Refusals,
    /// Chat: catalogs, planners, turn order per session, replies in progress.
    pub chat: chat::Runtime,
    /// Cancelled when the server stops: long-lived streams end instead of outliving it.
    pub closing: CancellationToken,
    /// Credentials as they are now: the authentication cache and open sockets by credential.
    pub live: auth::live::LiveCredentials,
    /// Open websockets, capped in total and per client address.
    pub sockets: http::ws::Slots,
    /// Recent verifications of audit chains, built on by the next.
    pub chain_checks: services::audit_log::ChainChecks,
    /// CPU-heavy work, off the async threads and a few at a time.
    pub cpu: cpu::Cpu,
    /// Policy validations per caller (each compiles and verifies a whole bundle).
    pub validations: cpu::Throttle,
    /// The master keys that wrap every organization's data keys.
    pub secrets: secrets::Keyring,
    /// Outbound webhooks: the deliverer's wake-up, clients and cached signing secrets.
    pub webhooks: webhooks::Runtime,
    /// Organizations' identity providers: discovery documents and signing keys.
    pub oidc: oidc::Oidc,
    /// Password sign-in attempts per client address.
    pub password_attempts: cpu::Throttle,
    /// Statements run on the database by this process.
    pub queries: db::QueryCount,
    /// Budgets reserved against since their forecasts were last looked at.
    pub budgets_touched: events::BudgetsTouched,
    /// The notifier's and mailer's wake-ups, and the SMTP server.
    pub notifications: notifications::Runtime,
}

/// Installs ring as the process's TLS crypto provider (sqlx and reqwest share rustls; without a
/// chosen provider, building an HTTPS client panics). Safe to call more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    oidc::ring_jwt::install();
}

impl AppState {
    /// Connects to the database (applying migrations) and assembles the state.
    pub async fn init(config: Config, clock: SharedClock) -> Result<Arc<Self>> {
        install_crypto_provider();
        let pack = config.policy_pack.trim();
        let policies =
            governance::policy::PolicyStore::with_federation((!pack.is_empty()).then(|| std::path::Path::new(pack)))?;
        let db = db::connect(&config).await?;
        let mut app = Self::with_db(config, db, clock);
        // A missing or unusable master key stops the server (and every command) at start,
        // saying which file and why (never what it holds).
        app.secrets.check().map_err(|e| match e {
            Error::Internal { detail, .. } => Error::validation("secrets.master_key", detail),
            other => other,
        })?;
        if let Some(state) = Arc::get_mut(&mut app) {
            state.policies = policies;
        }
        Ok(app)
    }

    pub fn with_db(config: Config, mut db: DatabaseConnection, clock: SharedClock) -> Arc<Self> {
        metrics::set_enabled(config.metrics.enabled);
        let queries = db::QueryCount::default();
        queries.attach(&mut db);
        // The LLM planner builds an HTTPS client, which needs the provider.
        install_crypto_provider();
        let schema = graphql::build_schema(&config);
        let secret = config.actions.signing_secret.trim();
        let signer = (!secret.is_empty()).then(|| actions::external::Signer::new(secret.as_bytes()));
        let chat = chat::Runtime::new(&config);
        // One node on SQLite: it hears every ending. On PostgreSQL the fan-out listener says
        // when it hears the other nodes.
        let live = auth::live::LiveCredentials::new(!db::is_postgres(&db));
        let sockets = http::ws::Slots::new(&config.websocket);
        let secrets = secrets::Keyring::new(&config);
        let webhooks = webhooks::Runtime::new(&config.webhooks);
        let oidc = oidc::Oidc::new(&config.identity);
        let notifications = notifications::Runtime::new(&config.notifications);
        let password_attempts =
            cpu::Throttle::new(config.identity.attempts_per_address, std::time::Duration::from_secs(600));
        Arc::new(Self {
            authz: Authz::new(db.clone(), clock.clone()),
            config: Arc::new(config),
            db,
            clock,
            bus: Bus::default(),
            schema,
            wakeup: tokio::sync::Notify::new(),
            queue: engine::queue::Rotation::default(),
            policies: governance::policy::PolicyStore::default(),
            signer,
            kills: governance::kill::Cache::default(),
            refusals: governance::rate::Refusals::default(),
            chat,
            closing: CancellationToken::new(),
            live,
            sockets,
            chain_checks: Default::default(),
            cpu: cpu::Cpu::default(),
            validations: cpu::Throttle::new(60, std::time::Duration::from_secs(60)),
            secrets,
            webhooks,
            oidc,
            password_attempts,
            queries,
            budgets_touched: Default::default(),
            notifications,
        })
    }
}

/// What `run` prints for the demo: how to sign in and a key for curl.
fn announce_demo(addr: std::net::SocketAddr, info: &services::setup::DemoInfo) {
    let users = services::setup::DEMO_USERS
        .iter()
        .map(|(email, _, about)| format!("    {email:<18} {about}"))
        .collect::<Vec<_>>()
        .join("\n");
    println!(
        "\nPraetor demo is running at http://{addr}/\n\
         Sign in (no password in demo mode) as one of:\n{users}\n\n\
         API key for alice in org `{org}` (shown once, replaced at every start):\n    {key}\n\n\
         Try:\n    curl -s http://{addr}/graphql -H 'content-type: application/json' \\\n      \
         -H 'authorization: Bearer {key}' \\\n      \
         -d '{{\"query\":\"{{ viewer {{ name orgs {{ slug projects {{ edges {{ node {{ slug }} }} }} }} }} }}\"}}'\n",
        org = info.org.slug,
        key = info.api_key,
    );
}

/// Runs the server on `listener` until `shutdown` is cancelled, then drains in-flight requests.
pub async fn run(config: Config, listener: TcpListener, shutdown: CancellationToken) -> Result<()> {
    run_with_clock(config, listener, shutdown, Arc::new(SystemClock)).await
}

pub async fn run_with_clock(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
    clock: SharedClock,
) -> Result<()> {
    serve(AppState::init(config, clock).await?, listener, shutdown).await
}

/// Serves `app` (already connected) on `listener` until `shutdown`: what [`run`] does once the
/// state is built. Tests that look inside the running server start it this way.
pub async fn serve(app: Arc<AppState>, listener: TcpListener, shutdown: CancellationToken) -> Result<()> {
    let addr = listener.local_addr().map_err(Error::internal)?;
    let role = app.config.role;
    if app.config.demo && role.serves_api() {
        let info = services::setup::seed_demo(&app).await?;
        announce_demo(addr, &info);
    }
    tracing::info!(%addr, database = db::backend_name(&app.db), role = role.as_str(), "Praetor listening");
    let metrics_server = match app.config.metrics.listen_addr().filter(|_| app.config.metrics.enabled) {
        Some(at) => {
            let listener = TcpListener::bind(at)
                .await
                .map_err(|e| Error::validation("metrics.listen", format!("cannot listen on {at}: {e}")))?;
            tracing::info!(addr = %at, "metrics on /metrics");
            let stop = shutdown.clone();
            let router = http::metrics_router(app.clone());
            Some(tokio::spawn(async move {
                axum::serve(listener, router).with_graceful_shutdown(async move { stop.cancelled().await }).await
            }))
        }
        None => None,
    };
    // An API node runs no plan and no background work; a worker serves no API.
    let work = role.runs_work();
    let worker = (work && app.config.worker.enabled).then(|| worker::spawn(app.clone(), shutdown.clone()));
    let fanout = events::fanout::spawn(app.clone(), shutdown.clone());
    let forecasts = services::forecasts::watch(app.clone(), shutdown.clone());
    let scheduler = (work && app.config.scheduler.enabled).then(|| scheduler::spawn(app.clone(), shutdown.clone()));
    let deliverer =
        (work && app.config.webhooks.enabled).then(|| services::webhook_delivery::spawn(app.clone(), shutdown.clone()));
    let notifier = (work && app.config.notifications.enabled)
        .then(|| services::notifications::spawn(app.clone(), shutdown.clone()));
    let router = http::router(app.clone());
    let stop = shutdown.clone();
    let served = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
        .map_err(|e| Error::internal(format!("server error: {e}")));
    // However the server ended, the background tasks stop too, and are awaited.
    shutdown.cancel();
    app.closing.cancel();
    app.chat.drain(std::time::Duration::from_millis(app.config.shutdown_grace_ms)).await;
    if let Some(m) = metrics_server
        && let Err(e) = m.await
    {
        tracing::error!("the metrics listener ended abnormally: {e}");
    }
    if let Err(e) = forecasts.await {
        tracing::error!("the forecast check ended abnormally: {e}");
    }
    if let Some(s) = scheduler
        && let Err(e) = s.await
    {
        tracing::error!("the scheduler ended abnormally: {e}");
    }
    if let Some(d) = deliverer
        && let Err(e) = d.await
    {
        tracing::error!("the webhook deliverer ended abnormally: {e}");
    }
    if let Some(n) = notifier
        && let Err(e) = n.await
    {
        tracing::error!("the notifier ended abnormally: {e}");
    }
    if let Some(f) = fanout
        && let Err(e) = f.await
    {
        tracing::error!("event fan-out ended abnormally: {e}");
    }
    if let Some(w) = worker
        && let Err(e) = w.await
    {
        tracing::error!("plan worker ended abnormally: {e}");
    }
    tracing::info!("Praetor stopped");
    served
}
