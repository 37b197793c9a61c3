//! Shared harness for the black-box integration tests.
//!
//! [`spawn_app`] starts the real server (the same `praetor::run` the binary uses) on
//! `127.0.0.1:0` against a real database and creates a fresh organization with its own
//! administrator, so tests run in parallel without cleaning up after each other.
//!
//! The database is chosen by `TEST_DATABASE_URL`: unset, every test gets its own SQLite file; a
//! `postgres://` URL makes all tests share that (throwaway) database, each in its own org.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use praetor::AppState;
use praetor::clock::SystemClock;
use praetor::config::Config;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

pub mod chat;
pub mod idp;
pub mod scripted;
pub mod webhook_receiver;
pub mod ws;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    /// State for setting up a test (its own pool on the same database).
    pub app: Arc<AppState>,
    /// The running server's own state (for looking inside it: its query count, its caches).
    pub serving: Arc<AppState>,
    /// The fresh organization's slug and its administrator's API key.
    pub org: String,
    pub admin_key: String,
    pub admin_email: String,
    /// The organization's id (`org_…`).
    pub org_id: String,
    pub database_url: String,
    /// The database as its tables' owner (on PostgreSQL the test suite's own role, to which
    /// row-level security does not apply): for tests that play someone with database access.
    pub owner_url: String,
    /// The server's configuration, for starting it again or a second node beside it.
    pub config: Config,
    clock: praetor::clock::SharedClock,
    shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A short random suffix for names.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

pub fn is_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

#[derive(Default)]
pub struct SpawnOptions {
    pub demo: bool,
    pub production: bool,
    pub max_depth: Option<usize>,
    pub max_complexity: Option<usize>,
    /// A clock the test moves (the server and the test share it).
    pub clock: Option<Arc<praetor::clock::ManualClock>>,
    /// Secret signing calls to external handlers.
    pub signing_secret: Option<String>,
    /// Let actions reach loopback (test servers run there).
    pub allow_private_networks: bool,
    /// A database of the test's own instead of the shared one (see [`own_database`]).
    pub database_url: Option<String>,
    /// The tables' owner for migrations (`database.migration_url`), `database_url` then
    /// signing in as a role that owns nothing.
    pub migration_url: Option<String>,
    /// An OpenAI-compatible endpoint for the LLM planner (`http://127.0.0.1:PORT/v1`).
    pub llm_base_url: Option<String>,
    /// How long a stopping server waits for chat answers (default: the server's).
    pub shutdown_grace_ms: Option<u64>,
    /// Websocket limits (default: the server's).
    pub websocket: Option<praetor::config::WebsocketConfig>,
    /// The time budget of a query or mutation (default: the server's).
    pub operation_timeout_ms: Option<u64>,
    /// Run no plan workers, scheduled jobs or notifier (nothing in the background reads the
    /// database).
    pub no_workers: bool,
    /// Webhook delivery settings (default: the server's, with retries compressed to
    /// `[0, 1, 1, 1]` seconds and private networks allowed when `allow_private_networks`).
    pub webhooks: Option<praetor::config::WebhooksConfig>,
    /// Identity settings; by default providers may be private addresses when
    /// `allow_private_networks` is set, and keys are fetched again at most once a second.
    pub identity: Option<praetor::config::IdentityConfig>,
    /// Scheduler settings (default: the server's).
    pub scheduler: Option<praetor::config::SchedulerConfig>,
    /// Metrics settings (default: the server's).
    pub metrics: Option<praetor::config::MetricsConfig>,
    /// Notification settings (default: the server's, polling every 200 ms, no e-mail).
    pub notifications: Option<praetor::config::NotificationsConfig>,
}

/// A server that may reach loopback and runs no webhook deliverer: a test reads the chain or
/// starts a deliverer of its own.
pub async fn spawn_without_deliverer() -> TestApp {
    spawn_with(SpawnOptions {
        allow_private_networks: true,
        webhooks: Some(praetor::config::WebhooksConfig {
            enabled: false,
            allow_private_networks: true,
            ..Default::default()
        }),
        ..Default::default()
    })
    .await
}

/// A server whose background work runs no statements while a test counts them: no plan
/// workers, scheduler, notifier or webhook deliverer; and on PostgreSQL a database of its own,
/// so other test servers' commits do not reach it through the cross-node fan-out (whose reads
/// would be counted too).
pub async fn spawn_quiet() -> TestApp {
    spawn_with(SpawnOptions {
        no_workers: true,
        webhooks: Some(praetor::config::WebhooksConfig { enabled: false, ..Default::default() }),
        database_url: own_database().await,
        ..Default::default()
    })
    .await
}

/// A database no other test uses, for tests whose effects span the whole instance (a global
/// kill switch): on PostgreSQL a fresh database beside the shared one (named after it, so the
/// test script drops it too); on SQLite every test has its own file anyway (`None`).
pub async fn own_database() -> Option<String> {
    use sea_orm::ConnectionTrait;
    let url = std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))?;
    let (base, shared) = url.rsplit_once('/').expect("a database name in TEST_DATABASE_URL");
    let name = format!("{shared}_own_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let db = sea_orm::Database::connect(&url).await.expect("shared database");
    db.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create database");
    db.close().await.ok();
    Some(format!("{base}/{name}"))
}

/// For tests of server processes of their own, which share a database only on PostgreSQL: a
/// database of the test's own and, on it, a server that only sets things up (no workers,
/// scheduler or notifier of its own). `None` on SQLite, where one process owns the file (the
/// test then has nothing to do, and says so).
pub async fn setup_for_processes() -> Option<(String, TestApp)> {
    if !is_postgres() {
        eprintln!("skipped: several server processes share a database only on PostgreSQL");
        return None;
    }
    let url = own_database().await.expect("PostgreSQL");
    let app =
        spawn_with(SpawnOptions { database_url: Some(url.clone()), no_workers: true, ..Default::default() }).await;
    Some((url, app))
}

/// The role the test servers sign in as on PostgreSQL (made once; it owns nothing, and each
/// server's migration grants it its rights), and `owner_url` signed in as it.
pub const RUNTIME_ROLE: &str = "praetor_it";

async fn runtime_url(owner_url: &str) -> String {
    use sea_orm::ConnectionTrait;
    static MADE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    MADE.get_or_init(|| async {
        let db = sea_orm::Database::connect(owner_url).await.expect("PostgreSQL as the owner");
        // Test processes may race to make it: whichever loses finds it made.
        let _ = db
            .execute_unprepared(&format!(
                "DO $$ BEGIN CREATE ROLE {RUNTIME_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; \
                 EXCEPTION WHEN OTHERS THEN NULL; END $$"
            ))
            .await;
        db.close().await.ok();
    })
    .await;
    let mut url = reqwest::Url::parse(owner_url).expect("a PostgreSQL URL");
    url.set_username(RUNTIME_ROLE).expect("a user name");
    url.set_password(None).expect("no password");
    url.to_string()
}

pub async fn spawn_app() -> TestApp {
    spawn_with(SpawnOptions::default()).await
}

pub async fn spawn_with(opts: SpawnOptions) -> TestApp {
    let (database_url, dir) = match (opts.database_url.clone(), std::env::var("TEST_DATABASE_URL")) {
        (Some(url), _) => (url, None),
        (None, Ok(url)) if url.starts_with("postgres") => (url, None),
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            (format!("sqlite://{}", dir.path().join("praetor.db").display()), Some(dir))
        }
    };
    // On PostgreSQL the server signs in as a role that owns nothing, bound by row-level
    // security, and migrates as the owner: as an operator runs it.
    let owner_url = opts.migration_url.clone().unwrap_or_else(|| database_url.clone());
    let (database_url, migration_url) = match &opts.migration_url {
        None if database_url.starts_with("postgres") => (runtime_url(&database_url).await, Some(database_url)),
        other => (database_url, other.clone()),
    };
    let mut config = Config {
        database_url: database_url.clone(),
        demo: opts.demo,
        production: opts.production,
        ..Config::default()
    };
    config.database.max_connections = 5;
    if let Some(owner) = migration_url {
        config.database.migration_url = owner;
    }
    config.secrets.master_key = test_master_key();
    if let Some(d) = opts.max_depth {
        config.graphql.max_depth = d;
    }
    if let Some(c) = opts.max_complexity {
        config.graphql.max_complexity = c;
    }
    if let Some(ms) = opts.shutdown_grace_ms {
        config.shutdown_grace_ms = ms;
    }
    if let Some(ws) = opts.websocket.clone() {
        config.websocket = ws;
    }
    if let Some(ms) = opts.operation_timeout_ms {
        config.graphql.operation_timeout_ms = ms;
    }
    config.validate().expect("valid test config");

    if let Some(s) = &opts.signing_secret {
        config.actions.signing_secret = s.clone();
    }
    config.actions.allow_private_networks = opts.allow_private_networks;
    config.webhooks = opts.webhooks.clone().unwrap_or_else(|| praetor::config::WebhooksConfig {
        retry_schedule_seconds: vec![0, 1, 1, 1],
        allow_private_networks: opts.allow_private_networks,
        poll_ms: 200,
        ..Default::default()
    });
    config.identity = opts.identity.clone().unwrap_or_else(|| praetor::config::IdentityConfig {
        allow_private_networks: opts.allow_private_networks,
        jwks_refresh_min_seconds: 1,
        ..Default::default()
    });
    config.worker.poll_ms = 200;
    config.worker.concurrency = 2;
    config.worker.enabled = !opts.no_workers;
    if let Some(s) = opts.scheduler.clone() {
        config.scheduler = s;
    }
    config.scheduler.enabled &= !opts.no_workers;
    if let Some(m) = opts.metrics.clone() {
        config.metrics = m;
    }
    config.notifications = opts
        .notifications
        .clone()
        .unwrap_or_else(|| praetor::config::NotificationsConfig { poll_ms: 200, ..Default::default() });
    config.notifications.enabled &= !opts.no_workers;
    if let Some(url) = &opts.llm_base_url {
        config.llm.base_url = url.clone();
        config.llm.model = "gpt-test".into();
        config.llm.api_key = LLM_KEY.into();
        config.llm.timeout_ms = 10_000;
    }
    let clock: praetor::clock::SharedClock = match &opts.clock {
        Some(c) => c.clone(),
        None => Arc::new(SystemClock),
    };
    let app = AppState::init(config.clone(), clock.clone()).await.expect("database ready");
    // The test's own state is another node beside the server, one that hears none of its
    // changes (no fan-out): it keeps no organization's row.
    app.authz.rows.set_hearing(false);
    let admin_email = format!("{}@it.test", unique("admin"));
    let org = unique("t");
    let boot = praetor::services::setup::bootstrap(&app, &org, &admin_email).await.expect("bootstrap");

    // Tests share one PostgreSQL database: each server runs only its own org's plans, as its
    // configuration (egress, secrets, clock) is its own.
    config.worker.org_id = boot.org.id.to_string();
    let (addr, shutdown, server, serving) = start(config.clone(), clock.clone()).await;
    let client = reqwest::Client::builder().build().expect("client");
    TestApp {
        serving,
        addr,
        client,
        app,
        org: boot.org.slug,
        admin_key: boot.api_key,
        admin_email,
        org_id: boot.org.id.to_string(),
        database_url,
        owner_url,
        config,
        clock,
        shutdown,
        server: Some(server),
        _dir: dir,
    }
}

/// Installs the npm packages of a Node helper under `tests/<dir>` (pinned by its lockfile), once
/// per test process, unless `<dir>/node_modules/<package>` shows they are there already.
pub async fn npm_ci_once(dir: &str, package: &str) -> PathBuf {
    static INSTALLED: tokio::sync::Mutex<Vec<String>> = tokio::sync::Mutex::const_new(Vec::new());
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut installed = INSTALLED.lock().await;
    if installed.iter().any(|d| d == dir) || path.join("node_modules").join(package).join("package.json").exists() {
        return path;
    }
    let out = tokio::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&path)
        .output()
        .await
        .unwrap_or_else(|e| panic!("npm (Node.js) is needed for tests/{dir}: {e}"));
    assert!(out.status.success(), "npm ci in tests/{dir} failed: {}", String::from_utf8_lossy(&out.stderr));
    installed.push(dir.to_string());
    path
}

/// The key the test servers send to a scripted model endpoint.
pub const LLM_KEY: &str = "sk-test-chat-0123456789";

/// Starts a server on a free port and waits until it answers.
async fn start(
    config: Config,
    clock: praetor::clock::SharedClock,
) -> (SocketAddr, CancellationToken, tokio::task::JoinHandle<()>, Arc<AppState>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    let state = AppState::init(config, clock).await.expect("the server's state");
    let serving = state.clone();
    let server = tokio::spawn(async move {
        if let Err(e) = praetor::serve(serving, listener, token).await {
            eprintln!("server failed: {e}");
        }
    });
    let client = reqwest::Client::builder().build().expect("client");
    for _ in 0..100 {
        if client.get(format!("http://{addr}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    (addr, shutdown, server, state)
}

/// A second server process on the same database (a node of a cluster).
pub struct Peer {
    pub addr: SocketAddr,
    /// The peer server's own state (to look inside it).
    pub serving: Arc<AppState>,
    shutdown: CancellationToken,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl TestApp {
    /// Stops the server and starts it again on the same database (on a new port).
    pub async fn restart(&mut self) {
        self.shutdown.cancel();
        if let Some(s) = self.server.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(20), s).await;
        }
        let (addr, shutdown, server, serving) = start(self.config.clone(), self.clock.clone()).await;
        self.addr = addr;
        self.shutdown = shutdown;
        self.server = Some(server);
        self.serving = serving;
    }

    /// Another server on the same database, with its own port, bus and workers.
    pub async fn peer(&self) -> Peer {
        let (addr, shutdown, _, serving) = start(self.config.clone(), self.clock.clone()).await;
        Peer { addr, serving, shutdown }
    }

    /// A GraphQL request to another node.
    pub async fn gql_at(&self, addr: SocketAddr, key: &str, query: &str, variables: Value) -> Value {
        self.client
            .post(format!("http://{addr}/graphql"))
            .bearer_auth(key)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json body")
    }
}

impl TestApp {
    /// Starts another server process-equivalent (its own `run`, pool, caches and workers) on the
    /// same database, serving the same organization: what a second node of a cluster is.
    pub async fn spawn_peer(&self) -> String {
        let mut config = Config { database_url: self.database_url.clone(), ..Config::default() };
        config.database.max_connections = 5;
        config.secrets.master_key = test_master_key();
        config.worker.poll_ms = 200;
        config.worker.concurrency = 2;
        config.worker.org_id = self.org_id.clone();
        config.scheduler = self.config.scheduler.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let token = self.shutdown.clone();
        let clock = self.app.clock.clone();
        tokio::spawn(async move {
            if let Err(e) = praetor::run_with_clock(config, listener, token, clock).await {
                eprintln!("peer server failed: {e}");
            }
        });
        for _ in 0..100 {
            if self.client.get(format!("http://{addr}/healthz")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        format!("http://{addr}/graphql")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Posts a GraphQL request with `key` (or anonymously) and returns the whole response body.
    pub async fn gql(&self, key: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self.client.post(self.url("/graphql")).json(&json!({"query": query, "variables": variables}));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        req.send().await.expect("request").json().await.expect("json body")
    }

    /// Like [`TestApp::gql`] as the org administrator, and fails the test on any error.
    pub async fn admin(&self, query: &str, variables: Value) -> Value {
        ok(self.gql(Some(&self.admin_key), query, variables).await)
    }

    /// Creates a user with `role` bound org-wide (or in `project`) and returns an API key for them.
    pub async fn user_with_role(&self, role: &str, project: Option<&str>) -> (String, String) {
        let email = format!("{}@it.test", unique(role));
        self.admin(
            "mutation($in: BindRoleInput!) { bindRole(input: $in) { id } }",
            json!({"in": {"org": self.org, "role": role, "subject": {"userEmail": email}, "project": project}}),
        )
        .await;
        (self.key_for(&email).await, email)
    }

    /// Creates a service account `name` of the org with `role` in it; answers its id.
    pub async fn service_account_with_role(&self, name: &str, role: &str) -> Value {
        let sa = self
            .admin(
                "mutation($o: String!, $n: String!) { createServiceAccount(input: {org: $o, name: $n}) { id } }",
                json!({"o": self.org, "n": name}),
            )
            .await["createServiceAccount"]["id"]
            .clone();
        self.admin(
            "mutation($in: BindRoleInput!) { bindRole(input: $in) { id } }",
            json!({"in": {"org": self.org, "role": role, "subject": {"serviceAccountId": sa}}}),
        )
        .await;
        sa
    }

    /// Mints a personal API key for an existing member of the org (through the service, as an
    /// operator would hand one out).
    pub async fn key_for(&self, email: &str) -> String {
        let user = praetor::services::users::find_by_email(&self.app.db, email).await.unwrap().expect("user exists");
        let principal = praetor::auth::Principal::new(praetor::auth::Subject::User(user));
        let access = praetor::services::orgs::enter_by_slug(&self.app, &principal, &self.org).await.expect("member");
        let (_, secret) = praetor::services::api_keys::create(
            &self.app,
            &access,
            praetor::services::api_keys::KeyOwner::Caller,
            "test",
            None,
        )
        .await
        .expect("key");
        secret
    }
}

/// The `data` of a response, failing the test if there were errors.
pub fn ok(resp: Value) -> Value {
    assert!(
        resp.get("errors").is_none_or(|e| e.as_array().is_some_and(|a| a.is_empty())),
        "unexpected errors: {resp:#}"
    );
    resp["data"].clone()
}

/// The `extensions.code` of the first error, failing the test if there was none.
pub fn code(resp: &Value) -> String {
    resp["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code, got {resp:#}"))
        .to_string()
}

/// The `praetor` binary built from this workspace.
/// The file of the master key every server and command of the tests uses (a fixture, for tests
/// only), so nodes sharing a PostgreSQL database decrypt each other's secrets.
pub fn test_master_key_file() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/master.key").display().to_string()
}

/// The tests' master key itself (base64).
pub fn test_master_key() -> String {
    std::fs::read_to_string(test_master_key_file()).expect("tests/fixtures/master.key").trim().to_string()
}

/// A newer master key for rotation tests, in a file of its own (kept while this lives).
pub struct NewerMasterKey {
    _dir: tempfile::TempDir,
    file: String,
}

impl NewerMasterKey {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("newer.key");
        std::fs::write(&file, "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=").unwrap();
        Self { file: file.display().to_string(), _dir: dir }
    }

    /// The environment of a command rotating to it: the newer key in use, the tests' key kept
    /// as the previous one.
    pub fn rotating(&self) -> [(&'static str, String); 2] {
        [
            ("PRAETOR_SECRETS__MASTER_KEY_FILE", self.file.clone()),
            ("PRAETOR_SECRETS__PREVIOUS_MASTER_KEYS", format!("[\"{}\"]", test_master_key())),
        ]
    }

    /// The environment of a command that knows the newer key alone.
    pub fn alone(&self) -> [(&'static str, String); 1] {
        [("PRAETOR_SECRETS__MASTER_KEY_FILE", self.file.clone())]
    }
}

impl Default for NewerMasterKey {
    fn default() -> Self {
        Self::new()
    }
}

/// The `praetor` binary as a command, with the tests' master key.
pub fn praetor_command() -> std::process::Command {
    let mut c = std::process::Command::new(praetor_bin());
    c.env("PRAETOR_SECRETS__MASTER_KEY_FILE", test_master_key_file());
    c
}

/// `praetor` as a client (`login`, `schedule`, …) with `args`, the client configuration file
/// `client_config` and `stdin` on its input: its exit status, standard output and standard error.
pub async fn run_client(
    client_config: &std::path::Path,
    args: &[&str],
    stdin: &str,
) -> (std::process::ExitStatus, String, String) {
    let mut child = tokio::process::Command::from(praetor_command())
        .args(args)
        .env("PRAETOR_CLIENT_CONFIG", client_config)
        .env("RUST_LOG", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run praetor");
    let mut input = child.stdin.take().expect("stdin");
    tokio::io::AsyncWriteExt::write_all(&mut input, stdin.as_bytes()).await.expect("write stdin");
    drop(input);
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("praetor finished within a minute")
        .expect("praetor ran");
    (out.status, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Runs a `praetor` command on `database_url` with `envs` set: whether it succeeded, and what
/// it printed (both streams).
///
/// Awaited, not waited for: the test's own server runs on the test's runtime, and a command
/// that needs the database's write lock while that server holds it mid-transaction must let
/// the server finish.
pub async fn run_praetor(args: &[&str], database_url: &str, envs: &[(&str, String)]) -> (bool, String) {
    let mut cmd = praetor_command();
    cmd.args(args).env("PRAETOR_DATABASE_URL", database_url).env("RUST_LOG", "error");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = tokio::process::Command::from(cmd).output().await.expect("run praetor");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

pub fn praetor_bin() -> PathBuf {
    if let Ok(p) = std::env::var("PRAETOR_BIN") {
        return PathBuf::from(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/praetor");
    assert!(
        p.exists(),
        "build the CLI first (`cargo build -p praetor`), or set PRAETOR_BIN; looked at {}",
        p.display()
    );
    p
}

/// A second organization in the same database, for cross-tenant tests: (slug, admin key).
pub async fn other_org(app: &TestApp) -> (String, String) {
    let email = format!("{}@other.test", unique("admin"));
    let boot = praetor::services::setup::bootstrap(&app.app, &unique("o"), &email).await.expect("bootstrap");
    (boot.org.slug, boot.api_key)
}

impl TestApp {
    /// A browser session cookie (`praetor_session=…`) for an existing user.
    pub async fn session_cookie(&self, email: &str) -> String {
        let user = praetor::services::users::find_by_email(&self.app.db, email).await.unwrap().expect("user exists");
        let s = praetor::auth::session::create(
            &self.app.db,
            self.app.clock.as_ref(),
            user.id,
            24,
            praetor::auth::session::Began::Demo,
        )
        .await
        .expect("session");
        format!("{}={}", praetor::auth::SESSION_COOKIE, s.token)
    }

    /// Posts GraphQL with a session cookie instead of a key.
    pub async fn gql_cookie(&self, cookie: &str, query: &str, variables: Value) -> Value {
        self.client
            .post(self.url("/graphql"))
            .header("cookie", cookie)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json body")
    }
}

/// Waits until the plan reaches `status` (failing the test after 20 s), returning the plan.
pub async fn wait_for_status(app: &TestApp, key: &str, plan: &str, status: &str) -> Value {
    let q = "query($id: ID!) { plan(id: $id) { id status planHash progress { id status attempts output error } stateHash } }";
    let mut last = Value::Null;
    for _ in 0..1200 {
        let data = ok(app.gql(Some(key), q, json!({"id": plan})).await);
        if data["plan"]["status"] == status {
            return data["plan"].clone();
        }
        last = data;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("plan {plan} did not reach {status} within a minute: {last:#}");
}

pub const PROPOSE: &str = "mutation($in: ProposePlanInput!) { proposePlan(input: $in) { id status verdict planHash preview { verdict reasonCodes cost risk steps { id verdict checks { name verdict code message } stateDiff { path before after } } } } }";

/// Proposes `steps` in `project` with `key`, returning the plan.
pub async fn propose(app: &TestApp, key: &str, project: &str, steps: Value, extra: Value) -> Value {
    let mut input = json!({"org": app.org, "project": project, "steps": steps});
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
    ok(app.gql(Some(key), PROPOSE, json!({"in": input})).await)["proposePlan"].clone()
}

impl TestApp {
    /// Creates a project as the admin.
    pub async fn project(&self, slug: &str) -> String {
        let d = self
            .admin(
                "mutation($o: String!, $s: String!) { createProject(input: {org: $o, slug: $s, name: $s}) { id } }",
                json!({"o": self.org, "s": slug}),
            )
            .await;
        d["createProject"]["id"].as_str().unwrap_or_default().to_string()
    }

    /// A group with the given members (created as the admin), returning its id.
    pub async fn group(&self, name: &str, members: &[&str]) -> String {
        let d = self
            .admin(
                "mutation($o: String!, $n: String!) { createGroup(input: {org: $o, name: $n}) { id } }",
                json!({"o": self.org, "n": name}),
            )
            .await;
        let id = d["createGroup"]["id"].as_str().unwrap_or_default().to_string();
        for m in members {
            self.admin(
                "mutation($g: ID!, $e: String!) { addGroupMember(input: {groupId: $g, email: $e}) { id } }",
                json!({"g": id, "e": m}),
            )
            .await;
        }
        id
    }

    /// A group `group` with the org-wide `role`, whose members are the people of identity
    /// provider `provider` (its id) whose groups claim holds `claim`.
    pub async fn provider_group_with_role(&self, provider: &str, claim: &str, group: &str, role: &str) {
        let id = self.group(group, &[]).await;
        self.admin(
            "mutation($in: BindRoleInput!) { bindRole(input: $in) { id } }",
            json!({"in": {"org": self.org, "role": role, "subject": {"groupId": id}}}),
        )
        .await;
        self.admin(
            "mutation($id: ID!, $claim: String!, $group: String!) { mapIdentityProviderGroup(id: $id, claimValue: $claim, group: $group) { id } }",
            json!({"id": provider, "claim": claim, "group": group}),
        )
        .await;
    }
}

/// The example policy bundle (`policies/examples/*.yaml`) rewritten for `org`, as
/// `[{name, text}]` for `applyPolicy`.
pub fn example_policies(org: &str) -> Value {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    Value::Array(
        files
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(f).expect("read").replace("org: demo", &format!("org: {org}"));
                json!({"name": format!("examples/{}", f.file_name().unwrap_or_default().to_string_lossy()), "text": text})
            })
            .collect(),
    )
}

pub const APPLY: &str = "mutation($in: ApplyPolicyInput!) { applyPolicy(input: $in) { versions { scope project version hash diff } warnings { code message } } }";

impl TestApp {
    /// Applies the example policies (projects `web` and `payments` are created first).
    pub async fn with_example_policies(&self) {
        self.project("web").await;
        self.project("payments").await;
        self.admin(
            APPLY,
            json!({"in": {"org": self.org, "sources": example_policies(&self.org), "comment": "examples"}}),
        )
        .await;
    }
}

/// The time now, from the server's clock (the one real clock).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    praetor::clock::Clock::now(&praetor::clock::SystemClock)
}

/// A prefixed id (`pln_…`, `org_…`) as an SQL literal of its UUID, for tests that tamper with
/// the database directly.
pub fn uuid_literal(id: &str) -> String {
    let uuid = id.split_once('_').map_or(id, |(_, u)| u);
    if is_postgres() { format!("'{uuid}'::uuid") } else { format!("X'{uuid}'") }
}

impl TestApp {
    /// Runs one SQL statement on the test's database (to tamper with what is stored).
    /// Applies an org policy under which every `state.set` needs one approval from the group
    /// `leads`.
    pub async fn require_leads_for_state_set(&self) {
        let policy = r#"
apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: reviewed, org: "ORG" }
spec:
  rules:
    - { name: reviewed, actions: ["state.set"], effect: require_approval, approvals: [{ group: leads }] }
"#
        .replace("ORG", &self.org);
        let sources = json!([{"name": "p.yaml", "text": policy}]);
        self.admin(APPLY, json!({"in": {"org": self.org, "sources": sources, "comment": "t"}})).await;
    }

    /// Runs `sql` as the tables' owner (someone with database access, past row security).
    pub async fn execute_sql(&self, sql: &str) {
        use sea_orm::ConnectionTrait;
        let db = self.owner().await;
        db.execute_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql.to_string()))
            .await
            .expect("the statement runs");
        db.close().await.ok();
    }

    /// A connection to the database as its tables' owner.
    pub async fn owner(&self) -> sea_orm::DatabaseConnection {
        sea_orm::Database::connect(&self.owner_url).await.expect("the database as its owner")
    }
}

/// A free port on 127.0.0.1 (for a server process the test starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// A `praetor serve` process of its own, killed with SIGKILL when dropped (or by [`drop`]).
pub struct ServeProcess(std::process::Child);

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl ServeProcess {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// SIGKILL: no graceful shutdown; waits until the process is gone.
    pub fn kill(&mut self) {
        self.0.kill().expect("kill praetor");
        self.0.wait().expect("reap praetor");
    }

    /// Starts `praetor serve` on `port` over `database_url`, running only `org_id`'s plans and
    /// webhooks, with `envs` added, and waits until it is ready.
    pub async fn start(database_url: &str, org_id: &str, port: u16, envs: &[(&str, String)]) -> ServeProcess {
        let mut cmd = praetor_command();
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("PRAETOR_DATABASE_URL", database_url)
            .env("PRAETOR_WORKER__POLL_MS", "50")
            .env("PRAETOR_WORKER__ORG_ID", org_id)
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = ServeProcess(cmd.spawn().expect("start praetor"));
        let client = reqwest::Client::new();
        for _ in 0..400 {
            let ready = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return child;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("praetor did not start on port {port}");
    }
}

/// A person's notifications, newest first, with how many are unread.
pub const NOTIFICATIONS: &str = "query { viewer { unreadNotifications notifications(first: 20) { nodes { id kind category org title body link readAt } } } }";

/// The person's notifications once `want` of them have arrived (the notifier works after the
/// events commit), newest first.
pub async fn wait_for_notes(app: &TestApp, key: &str, want: usize) -> Vec<Value> {
    let mut last = Value::Null;
    for _ in 0..200 {
        let d = ok(app.gql(Some(key), NOTIFICATIONS, json!({})).await);
        let nodes = d["viewer"]["notifications"]["nodes"].as_array().cloned().unwrap_or_default();
        if nodes.len() >= want {
            return nodes;
        }
        last = d;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{want} notifications did not arrive within 10 s: {last:#}");
}
