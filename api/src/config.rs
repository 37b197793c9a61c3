//! Configuration: built-in defaults, then an optional TOML file, then `PRAETOR_*` environment
//! variables (`__` separates nested keys; `PRAETOR_X_FILE` reads the value of `X` from a file, for
//! secrets mounted by an orchestrator). Validated once at start and shared as `Arc<Config>`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};
use serde::{Deserialize, Serialize};

/// Why a configuration could not be used. The message names the setting and where it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(String),
    #[error("configuration: {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// What this process does: `all` (the default), `api` or `worker` (see [`Role`]).
    pub role: Role,
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// `sqlite://path` or `postgres://…`. Empty means a SQLite file under `data_dir`.
    pub database_url: String,
    /// Where the default SQLite database lives.
    pub data_dir: PathBuf,
    /// Seed the demo organization and users at start; implies `dev_login`.
    pub demo: bool,
    /// Allow signing in by e-mail alone (development only).
    pub dev_login: bool,
    /// Production mode: GraphiQL and introspection off, secure cookies.
    pub production: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Lifetime of a browser session.
    pub session_ttl_hours: u32,
    /// How long a stopping server waits for chat answers in progress before abandoning them
    /// (another node, or this one once restarted, then ends them as interrupted).
    pub shutdown_grace_ms: u64,
    /// A folder of instance-wide policy documents (a federation pack) applied to every
    /// organization, above the organizations' own policies. Empty: none.
    pub policy_pack: String,
    /// How long before a new policy pack version takes effect for the organizations that
    /// follow the pack's latest version, at least (and by default): the time their
    /// administrators have to see its impact. 0 lets a publisher make a version effective at once.
    pub policy_pack_notice_seconds: u64,
    pub database: DatabaseConfig,
    pub graphql: GraphqlConfig,
    pub log: LogConfig,
    pub actions: ActionsConfig,
    pub worker: WorkerConfig,
    pub llm: LlmSettings,
    pub websocket: WebsocketConfig,
    pub secrets: SecretsConfig,
    pub webhooks: WebhooksConfig,
    pub triggers: TriggersConfig,
    pub identity: IdentityConfig,
    pub scheduler: SchedulerConfig,
    pub metrics: MetricsConfig,
    pub traces: TracesConfig,
    pub notifications: NotificationsConfig,
}

/// Notifications: the notifier that tells people what concerns them, in the app and (with an
/// SMTP server configured) by e-mail.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotificationsConfig {
    /// Write notifications and send e-mail from this node (any node may; each organization's
    /// chain is read by one at a time).
    pub enabled: bool,
    /// How often an idle node looks for new entries and due e-mails, in milliseconds (a node
    /// that commits an entry that may notify someone wakes its own notifier at once).
    pub poll_ms: u64,
    /// The SMTP server e-mail goes through: `smtp://host:25` (in the clear, for a relay on
    /// the same host or network), `smtp://host:587?tls=required` (STARTTLS), `smtps://host:465`.
    /// Empty: no e-mail, in-app notifications only.
    pub smtp_url: String,
    pub smtp_username: String,
    /// Best given as a file with `PRAETOR_NOTIFICATIONS__SMTP_PASSWORD_FILE`; never logged.
    pub smtp_password: String,
    /// How long one SMTP conversation may take, in milliseconds.
    pub smtp_timeout_ms: u64,
    /// The sender: `Praetor <praetor@example.com>`.
    pub from: String,
    /// Where people reach the web app (`https://praetor.example.com`): e-mails link there.
    /// Empty: `identity.public_url`.
    pub public_url: String,
    /// Delay before each attempt at an e-mail, in seconds; given up once spent.
    pub retry_schedule_seconds: Vec<u64>,
    /// Read notifications older than this many days, and unread ones four times as old, are
    /// deleted, with sent e-mails.
    pub retention_days: u32,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_ms: 1000,
            smtp_url: String::new(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_timeout_ms: 15_000,
            from: "Praetor <praetor@localhost>".into(),
            public_url: String::new(),
            retry_schedule_seconds: vec![0, 30, 300, 1800, 7200],
            retention_days: 30,
        }
    }
}

impl std::fmt::Debug for NotificationsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |v: &str| if v.is_empty() { "" } else { "[redacted]" };
        f.debug_struct("NotificationsConfig")
            .field("enabled", &self.enabled)
            .field("poll_ms", &self.poll_ms)
            // The URL may carry credentials too.
            .field("smtp_url", &redacted(&self.smtp_url))
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &redacted(&self.smtp_password))
            .field("smtp_timeout_ms", &self.smtp_timeout_ms)
            .field("from", &self.from)
            .field("public_url", &self.public_url)
            .field("retry_schedule_seconds", &self.retry_schedule_seconds)
            .field("retention_days", &self.retention_days)
            .finish()
    }
}

/// Traces exported over OTLP/HTTP (see `crate::traces`); off while `otlp_endpoint` is empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TracesConfig {
    /// The OTLP/HTTP collector, e.g. `http://otel-collector:4318` (`/v1/traces` is added when
    /// the URL has no path). Empty: traces are not exported.
    pub otlp_endpoint: String,
    /// `service.name` of the exported spans.
    pub service_name: String,
    /// The share of new traces kept (0 to 1); a caller's sampled `traceparent` is followed.
    pub sample_ratio: f64,
    /// How long one export may take.
    pub timeout_ms: u64,
}

impl Default for TracesConfig {
    fn default() -> Self {
        Self { otlp_endpoint: String::new(), service_name: "praetor".into(), sample_ratio: 1.0, timeout_ms: 10_000 }
    }
}

/// Prometheus metrics on `/metrics` (see `crate::metrics`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve `/metrics` and record measurements at all.
    pub enabled: bool,
    /// Serve `/metrics` on this address instead of the main one (so it need not be public),
    /// e.g. `0.0.0.0:9464`. Empty: on the main address.
    pub listen: String,
    /// Label the plan and budget gauges with organization and project ids (off by default:
    /// each label set is a series Prometheus keeps).
    pub tenant_labels: bool,
    /// At most this many organization/project label sets per gauge; the rest are summed into
    /// one series labelled `other`.
    pub tenant_label_cap: usize,
    /// The database-derived gauges (queue, plans, kill switches, pool) are read again at most
    /// this often, however often `/metrics` is scraped.
    pub refresh_ms: u64,
}

impl MetricsConfig {
    /// The separate address of `/metrics`, if one is set (validated at load).
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.listen.trim().parse().ok()
    }
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self { enabled: true, listen: String::new(), tenant_labels: false, tenant_label_cap: 1_000, refresh_ms: 2_000 }
    }
}

/// The scheduler of timed jobs (`api/src/scheduler/`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchedulerConfig {
    /// Run the jobs on this node (every node may: each slot runs once among them).
    pub enabled: bool,
    /// Nodes on one database with the same namespace share each job's slots (one of them runs
    /// it); give separate installations on one database different ones.
    pub namespace: String,
    /// A slot missed while every node was down still runs at start if it is at most this old;
    /// an older one is recorded as skipped.
    pub catch_up_seconds: u64,
    /// How long a node holds a slot it claimed; if it dies, another takes the slot over after.
    pub lease_seconds: u64,
    /// Finished runs are kept this long (each job's last run always).
    pub retention_hours: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            namespace: "praetor".into(),
            catch_up_seconds: 3600,
            lease_seconds: 300,
            retention_hours: 24,
        }
    }
}

/// Outbound webhooks: how deliveries are retried and sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Deliver at all from this node (a node that does not still writes the outbox).
    pub enabled: bool,
    /// Delay before each attempt, in seconds: the first is the first attempt's, and a delivery
    /// that fails as many times as there are entries is given up. Each delay is jittered by up
    /// to a fifth.
    pub retry_schedule_seconds: Vec<u64>,
    /// Let endpoints be private, loopback or link-local addresses (on-premises receivers).
    pub allow_private_networks: bool,
    /// How long one attempt may take, in milliseconds.
    pub timeout_ms: u64,
    /// Deliveries in flight per node.
    pub concurrency: usize,
    /// Deliveries in flight per endpoint per node.
    pub endpoint_concurrency: usize,
    /// An endpoint whose every attempt has failed for this long is disabled.
    pub disable_after_hours: u64,
    /// How long a rotated-out signing secret still signs alongside the new one.
    pub previous_secret_hours: u64,
    /// How often an idle node looks for due deliveries, in milliseconds (a node that commits
    /// an event wakes its own deliverer at once).
    pub poll_ms: u64,
    /// Finished deliveries (and attempts) older than this many days are deleted.
    pub retention_days: u32,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            retry_schedule_seconds: vec![0, 5, 300, 1800, 7200, 18000, 36000, 36000],
            allow_private_networks: false,
            timeout_ms: 15_000,
            concurrency: 64,
            endpoint_concurrency: 8,
            disable_after_hours: 5 * 24,
            previous_secret_hours: 24,
            poll_ms: 1000,
            retention_days: 30,
        }
    }
}

/// Inbound triggers (`POST /hooks/<id>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TriggersConfig {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How far a request's `webhook-timestamp` may be from now, in seconds.
    pub tolerance_seconds: i64,
}

impl Default for TriggersConfig {
    fn default() -> Self {
        Self { max_body_bytes: 256 * 1024, tolerance_seconds: 300 }
    }
}

/// Sign-in at organizations' identity providers (OIDC) and their tokens on the API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityConfig {
    /// This server's address as browsers reach it (`https://praetor.example.com`): the
    /// providers send people back to `<public_url>/auth/oidc/callback`. Empty outside
    /// production: taken from the request's `Host`.
    pub public_url: String,
    /// Let providers live at private, loopback or link-local addresses (on-premises).
    pub allow_private_networks: bool,
    /// How long a request to a provider may take, in milliseconds.
    pub timeout_ms: u64,
    /// How far a token's times may be off this server's clock, in seconds.
    pub clock_skew_seconds: i64,
    /// How long a provider's discovery document and keys are kept, in seconds.
    pub cache_seconds: u64,
    /// A token signed with a key not in the cached set makes Praetor fetch the provider's keys
    /// again, at most once per this many seconds per provider.
    pub jwks_refresh_min_seconds: u64,
    /// How long a sign-in may stay at the provider before its state lapses, in seconds.
    pub login_ttl_seconds: i64,
    /// Local accounts: how long an invitation or reset link works, in hours.
    pub invitation_ttl_hours: u32,
    /// Wrong passwords in a row that lock an account.
    pub lockout_after: u32,
    /// How long a locked account stays locked, in minutes (an admin can unlock it sooner).
    pub lockout_minutes: u32,
    /// Password sign-in attempts per client address in any 10 minutes.
    pub attempts_per_address: usize,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            public_url: String::new(),
            allow_private_networks: false,
            timeout_ms: 10_000,
            clock_skew_seconds: 60,
            cache_seconds: 3600,
            jwks_refresh_min_seconds: 10,
            login_ttl_seconds: 600,
            invitation_ttl_hours: 72,
            lockout_after: 5,
            lockout_minutes: 15,
            attempts_per_address: 30,
        }
    }
}

/// The master keys (KEKs) that wrap every organization's data keys.
#[derive(Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SecretsConfig {
    /// The newest master key: 32 random bytes, base64 (`openssl rand -base64 32`), best given
    /// as a file with `PRAETOR_SECRETS__MASTER_KEY_FILE`. It wraps new data keys; rotation
    /// rewraps older ones under it. Required in production; elsewhere, when empty, one is made
    /// at `data_dir/master.key` on first start, with a warning.
    pub master_key: String,
    /// Earlier master keys (base64), still unwrapping what they wrapped until
    /// `praetor secrets rotate` has rewrapped it under the newest.
    pub previous_master_keys: Vec<String>,
}

impl std::fmt::Debug for SecretsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsConfig")
            .field("master_key", &if self.master_key.is_empty() { "" } else { "[redacted]" })
            .field("previous_master_keys", &format_args!("[{} redacted]", self.previous_master_keys.len()))
            .finish()
    }
}

/// Limits on GraphQL websockets (`/graphql/ws`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebsocketConfig {
    /// A socket that has not sent `connection_init` within this is closed with 4408.
    pub init_timeout_ms: u64,
    /// Open sockets in total; further upgrades answer 503. Never more than three quarters of
    /// the process's open-file limit, so sockets cannot starve plain requests of descriptors.
    pub max_connections: usize,
    /// Open sockets from one client address; further upgrades answer 429.
    pub max_per_address: usize,
    /// How often an idle socket re-checks its credential. Revocation and sign-out close
    /// sockets at once; this bounds how long a missed notice could go unnoticed.
    pub recheck_secs: u64,
}

impl Default for WebsocketConfig {
    fn default() -> Self {
        Self { init_timeout_ms: 10_000, max_connections: 10_000, max_per_address: 256, recheck_secs: 30 }
    }
}

/// The model endpoint of the LLM planner (any OpenAI-compatible chat-completions API). Empty
/// `base_url`: agents with an `llm` planner answer that no endpoint is configured.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmSettings {
    /// The API root, e.g. `https://api.openai.com/v1` (`/chat/completions` is appended).
    pub base_url: String,
    pub model: String,
    /// Sent as a bearer token. Prefer `PRAETOR_LLM__API_KEY_FILE`; never logged or shown.
    pub api_key: String,
    /// The whole exchange with the endpoint must finish within this.
    pub timeout_ms: u64,
    /// Upper bound on the answer's tokens; 0 leaves it to the endpoint.
    pub max_tokens: u32,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            model: String::new(),
            api_key: String::new(),
            timeout_ms: 60_000,
            max_tokens: 0,
        }
    }
}

impl std::fmt::Debug for LlmSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmSettings")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &if self.api_key.is_empty() { "" } else { "[redacted]" })
            .field("timeout_ms", &self.timeout_ms)
            .field("max_tokens", &self.max_tokens)
            .finish()
    }
}

impl LlmSettings {
    /// The planner's configuration, when an endpoint is configured.
    pub fn planner_config(&self) -> Option<praetor_planner::LlmConfig> {
        let url = self.base_url.trim();
        if url.is_empty() {
            return None;
        }
        let mut c = praetor_planner::LlmConfig::new(url.trim_end_matches('/'), self.model.trim());
        c.api_key = (!self.api_key.is_empty()).then(|| praetor_planner::Secret::new(self.api_key.clone()));
        c.timeout_ms = self.timeout_ms;
        c.max_tokens = (self.max_tokens > 0).then_some(self.max_tokens);
        Some(c)
    }
}

#[derive(Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ActionsConfig {
    /// Let `http.request` and external handlers reach private, loopback and link-local
    /// addresses (off by default: a plan must not be a way into the internal network).
    pub allow_private_networks: bool,
    /// Secret that signs calls to external handlers (Standard Webhooks). Prefer
    /// `PRAETOR_ACTIONS__SIGNING_SECRET_FILE`.
    pub signing_secret: String,
}

impl std::fmt::Debug for ActionsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionsConfig")
            .field("allow_private_networks", &self.allow_private_networks)
            .field("signing_secret", &if self.signing_secret.is_empty() { "" } else { "[redacted]" })
            .finish()
    }
}

/// What a `praetor serve` process does. Many processes share one PostgreSQL database; each
/// role's work is shared out among the processes that have it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Both of the others: one process does everything (the default, and SQLite's only way).
    #[default]
    All,
    /// Serves the API, the web app and subscriptions, and runs chat answers; runs no plan
    /// step and no background work (the plan worker, scheduler, webhook deliverer and
    /// notifier stay off whatever their own settings say).
    Api,
    /// Runs plans and the background work; its address serves only `/healthz`, `/readyz`
    /// and `/metrics`.
    Worker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Api => "api",
            Role::Worker => "worker",
        }
    }

    /// Serves the API (GraphQL, the web app, sign-in, triggers).
    pub fn serves_api(self) -> bool {
        self != Role::Worker
    }

    /// Runs plans and the background work.
    pub fn runs_work(self) -> bool {
        self != Role::Api
    }
}

/// How a worker chooses among the organizations with due jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fairness {
    /// Each claim goes to the next organization (in id order, after the one this process
    /// served last) that has a due job, its oldest first: one busy organization cannot make
    /// the others wait behind its backlog.
    #[default]
    RoundRobin,
    /// The job due longest, whichever its organization.
    OldestFirst,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Run the plan worker inside `serve`.
    pub enabled: bool,
    /// How often an idle worker looks for due jobs, in milliseconds.
    pub poll_ms: u64,
    /// Worker tasks per process (plans of different projects run in parallel).
    pub concurrency: usize,
    /// How long a claim on a job, and the lease on its project, last without renewal, in
    /// seconds: a worker that dies leaves its plan to another after this.
    pub lease_seconds: u32,
    /// Which organization's due job a worker claims next: `round_robin` or `oldest_first`.
    pub fairness: Fairness,
    /// Only run plans of this organization (its `org_…` id): dedicated workers for a tenant.
    /// Housekeeping (expiring approvals and grants, pruning rate-limit hits, ending
    /// interrupted chat answers) then also keeps to it. Empty: every organization's.
    pub org_id: String,
}

impl WorkerConfig {
    /// The one organization this node's workers and housekeeping serve, if restricted.
    pub fn only_org(&self) -> Option<praetor_store::OrgId> {
        self.org_id.parse().ok()
    }
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_ms: 1000,
            concurrency: 4,
            lease_seconds: 30,
            fairness: Fairness::RoundRobin,
            org_id: String::new(),
        }
    }
}

/// The role a `postgres://ROLE[:password]@host/db` URL signs in as, if it names one made of
/// letters, digits and `_` (what may be quoted into a GRANT).
pub fn runtime_role(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let role = parsed.username();
    (!role.is_empty() && role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| role.to_string())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// PostgreSQL: the owner of the tables, for migrations only (`postgres://owner@…`). With it,
    /// the server's own `database_url` can be a role that owns nothing: the migrations run as
    /// the owner, which then grants that role rows to read and write, and only appending to the
    /// audit chain, its checkpoints and the plans' event logs. Empty: the server migrates with
    /// its own connection.
    pub migration_url: String,
    pub max_connections: u32,
    /// Seconds to wait for a connection from the pool.
    pub acquire_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraphqlConfig {
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Serve GraphiQL on `GET /graphql` (always off in production).
    pub graphiql: bool,
    /// A query still running after this is cancelled and answers `TIMEOUT` (mutations run to
    /// their end: see `graphql::limits`).
    pub operation_timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter such as `info,praetor=debug`; `RUST_LOG` wins when set.
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            role: Role::All,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: String::new(),
            data_dir: PathBuf::from("data"),
            demo: false,
            dev_login: false,
            production: false,
            max_body_bytes: 1024 * 1024,
            session_ttl_hours: 12,
            shutdown_grace_ms: 10_000,
            policy_pack: String::new(),
            policy_pack_notice_seconds: 86_400,
            database: DatabaseConfig::default(),
            graphql: GraphqlConfig::default(),
            log: LogConfig::default(),
            actions: ActionsConfig::default(),
            worker: WorkerConfig::default(),
            llm: LlmSettings::default(),
            websocket: WebsocketConfig::default(),
            secrets: SecretsConfig::default(),
            webhooks: WebhooksConfig::default(),
            triggers: TriggersConfig::default(),
            identity: IdentityConfig::default(),
            scheduler: SchedulerConfig::default(),
            metrics: MetricsConfig::default(),
            traces: TracesConfig::default(),
            notifications: NotificationsConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { migration_url: String::new(), max_connections: 16, acquire_timeout_secs: 10 }
    }
}

impl Default for GraphqlConfig {
    fn default() -> Self {
        Self { max_depth: 12, max_complexity: 2_000, graphiql: true, operation_timeout_ms: 10_000 }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: "text".into(), filter: "info".into() }
    }
}

const ENV_PREFIX: &str = "PRAETOR_";
/// Environment variables with the prefix that are not settings.
/// `PRAETOR_*` variables that are not settings: the config file's path, the build's switch
/// for the web app, and where the tests find the binary.
const ENV_NOT_SETTINGS: &[&str] = &["PRAETOR_CONFIG", "PRAETOR_SKIP_FRONTEND_BUILD", "PRAETOR_BIN"];

impl Config {
    /// Defaults -> `file` (if given) -> environment, then [`Config::validate`].
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(file, &vars)
    }

    /// As [`Config::load`] with an explicit environment (tests pass their own).
    pub fn load_from(file: Option<&Path>, env: &[(String, String)]) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::Load(format!("file {} does not exist", path.display())));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let mut plain = Vec::new();
        for (name, value) in env {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            if ENV_NOT_SETTINGS.contains(&name.as_str()) || rest.is_empty() {
                continue;
            }
            if let Some(key) = rest.strip_suffix("_FILE") {
                let text = std::fs::read_to_string(value)
                    .map_err(|e| ConfigError::Load(format!("{name}: cannot read {value}: {e}")))?;
                plain.push((key.to_string(), text.trim_end_matches(['\r', '\n']).to_string()));
            } else {
                plain.push((rest.to_string(), value.clone()));
            }
        }
        let known = known_keys();
        for (key, _) in &plain {
            let top = key.split("__").next().unwrap_or_default().to_ascii_lowercase();
            if !known.contains(&top) {
                return Err(ConfigError::Load(format!(
                    "unknown environment setting {ENV_PREFIX}{key} (known: {})",
                    known
                        .iter()
                        .map(|k| format!("{ENV_PREFIX}{}", k.to_ascii_uppercase()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        figment = figment.merge(EnvVars(plain));
        let config: Config = figment.extract().map_err(|e| ConfigError::Load(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks that hold whatever the source of the values.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self.database_url.trim();
        if !(url.is_empty()
            || url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid {
                key: "database_url",
                message: "must be empty (SQLite under data_dir), sqlite://PATH, or postgres://…".into(),
            });
        }
        let owner = self.database.migration_url.trim();
        let postgres = |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
        if !(owner.is_empty() || postgres(owner) && postgres(url)) {
            return Err(ConfigError::Invalid {
                key: "database.migration_url",
                message: "a postgres://… URL of the tables' owner, with a PostgreSQL database_url".into(),
            });
        }
        if !owner.is_empty() && runtime_role(url).is_none() {
            return Err(ConfigError::Invalid {
                key: "database_url",
                message: "with database.migration_url, name the server's role in it (postgres://ROLE@host/db); \
                          a role name of letters, digits and _"
                    .into(),
            });
        }
        if self.role != Role::All && !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError::Invalid {
                key: "role",
                message: format!(
                    "`{}` shares the work with other processes over one PostgreSQL database; with SQLite run `all`",
                    self.role.as_str()
                ),
            });
        }
        if self.worker.lease_seconds < 5 || self.worker.concurrency == 0 {
            return Err(ConfigError::Invalid {
                key: "worker",
                message: "lease_seconds must be at least 5 and concurrency at least 1".into(),
            });
        }
        if self.production && self.secrets.master_key.trim().is_empty() {
            return Err(ConfigError::Invalid {
                key: "secrets.master_key",
                message: "production needs a master key file (PRAETOR_SECRETS__MASTER_KEY_FILE)".into(),
            });
        }
        if self.max_body_bytes < 1024 || self.max_body_bytes > 64 * 1024 * 1024 {
            return Err(ConfigError::Invalid {
                key: "max_body_bytes",
                message: format!("{} is outside 1024..=67108864", self.max_body_bytes),
            });
        }
        if self.graphql.max_depth == 0 || self.graphql.max_complexity == 0 || self.graphql.operation_timeout_ms == 0 {
            return Err(ConfigError::Invalid {
                key: "graphql",
                message: "max_depth, max_complexity and operation_timeout_ms must be positive".into(),
            });
        }
        let listen = self.metrics.listen.trim();
        if !listen.is_empty() && listen.parse::<SocketAddr>().is_err() {
            return Err(ConfigError::Invalid {
                key: "metrics.listen",
                message: format!("`{listen}` is not an address and port such as 0.0.0.0:9464"),
            });
        }
        let tr = &self.traces;
        let endpoint = tr.otlp_endpoint.trim();
        if !(endpoint.is_empty() || endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                key: "traces.otlp_endpoint",
                message: format!("`{endpoint}` must be an http:// or https:// URL (OTLP over HTTP)"),
            });
        }
        if !(0.0..=1.0).contains(&tr.sample_ratio) || tr.timeout_ms == 0 || tr.service_name.trim().is_empty() {
            return Err(ConfigError::Invalid {
                key: "traces",
                message: "sample_ratio must be within 0..=1, timeout_ms positive and service_name set".into(),
            });
        }
        if self.metrics.tenant_label_cap == 0 {
            return Err(ConfigError::Invalid { key: "metrics.tenant_label_cap", message: "must be positive".into() });
        }
        let sc = &self.scheduler;
        if sc.namespace.trim().is_empty() || sc.namespace.len() > 64 || sc.lease_seconds == 0 {
            return Err(ConfigError::Invalid {
                key: "scheduler",
                message: "namespace must be 1-64 characters and lease_seconds positive".into(),
            });
        }
        let wh = &self.webhooks;
        if wh.retry_schedule_seconds.is_empty() || wh.retry_schedule_seconds.len() > 50 {
            return Err(ConfigError::Invalid {
                key: "webhooks.retry_schedule_seconds",
                message: "give 1 to 50 delays in seconds, the first for the first attempt (e.g. [0, 5, 300])".into(),
            });
        }
        if wh.timeout_ms == 0
            || wh.concurrency == 0
            || wh.endpoint_concurrency == 0
            || wh.poll_ms == 0
            || wh.retention_days == 0
        {
            return Err(ConfigError::Invalid {
                key: "webhooks",
                message: "timeout_ms, concurrency, endpoint_concurrency, poll_ms and retention_days must be positive"
                    .into(),
            });
        }
        let nt = &self.notifications;
        if nt.poll_ms == 0 || nt.smtp_timeout_ms == 0 || nt.retention_days == 0 {
            return Err(ConfigError::Invalid {
                key: "notifications",
                message: "poll_ms, smtp_timeout_ms and retention_days must be positive".into(),
            });
        }
        if nt.retry_schedule_seconds.is_empty() || nt.retry_schedule_seconds.len() > 20 {
            return Err(ConfigError::Invalid {
                key: "notifications.retry_schedule_seconds",
                message: "give 1 to 20 delays in seconds, the first for the first attempt (e.g. [0, 30, 300])".into(),
            });
        }
        let smtp = nt.smtp_url.trim();
        if !smtp.is_empty() {
            use lettre::{AsyncSmtpTransport, Tokio1Executor};
            if let Err(e) = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp) {
                // Not the URL itself: it may hold a password.
                return Err(ConfigError::Invalid {
                    key: "notifications.smtp_url",
                    message: format!("not an SMTP URL such as smtp://host:25 or smtps://host:465 ({e})"),
                });
            }
            if let Err(e) = nt.from.parse::<lettre::message::Mailbox>() {
                return Err(ConfigError::Invalid {
                    key: "notifications.from",
                    message: format!("`{}` is not a sender such as Praetor <praetor@example.com> ({e})", nt.from),
                });
            }
        }
        if self.triggers.max_body_bytes == 0 || self.triggers.tolerance_seconds <= 0 {
            return Err(ConfigError::Invalid {
                key: "triggers",
                message: "max_body_bytes and tolerance_seconds must be positive".into(),
            });
        }
        let id = &self.identity;
        if id.timeout_ms == 0
            || id.clock_skew_seconds < 0
            || id.login_ttl_seconds <= 0
            || id.cache_seconds == 0
            || id.invitation_ttl_hours == 0
            || id.lockout_after == 0
            || id.attempts_per_address == 0
        {
            return Err(ConfigError::Invalid {
                key: "identity",
                message:
                    "timeout_ms, login_ttl_seconds, cache_seconds, invitation_ttl_hours, lockout_after and attempts_per_address must be positive, clock_skew_seconds not negative"
                        .into(),
            });
        }
        let public = id.public_url.trim();
        if !(public.is_empty() || public.starts_with("https://") || public.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                key: "identity.public_url",
                message: format!("`{public}` is not an http(s) URL"),
            });
        }
        if self.shutdown_grace_ms > 600_000 {
            return Err(ConfigError::Invalid { key: "shutdown_grace_ms", message: "must be at most 600000".into() });
        }
        if self.session_ttl_hours == 0 || self.session_ttl_hours > 24 * 30 {
            return Err(ConfigError::Invalid { key: "session_ttl_hours", message: "must be between 1 and 720".into() });
        }
        let ws = &self.websocket;
        if ws.init_timeout_ms == 0 || ws.max_connections == 0 || ws.max_per_address == 0 || ws.recheck_secs == 0 {
            return Err(ConfigError::Invalid {
                key: "websocket",
                message: "init_timeout_ms, max_connections, max_per_address and recheck_secs must be positive".into(),
            });
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::Invalid { key: "database.max_connections", message: "must be at least 1".into() });
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(ConfigError::Invalid {
                key: "log.format",
                message: format!("`{}` is neither `text` nor `json`", self.log.format),
            });
        }
        if !self.actions.signing_secret.is_empty() && self.actions.signing_secret.len() < 32 {
            return Err(ConfigError::Invalid {
                key: "actions.signing_secret",
                message: "must be at least 32 characters".into(),
            });
        }
        if !self.worker.org_id.is_empty() && self.worker.org_id.parse::<praetor_store::OrgId>().is_err() {
            return Err(ConfigError::Invalid {
                key: "worker.org_id",
                message: "must be an organization id (org_…)".into(),
            });
        }
        if self.worker.concurrency == 0 || self.worker.concurrency > 256 {
            return Err(ConfigError::Invalid {
                key: "worker.concurrency",
                message: "must be between 1 and 256".into(),
            });
        }
        if self.worker.poll_ms == 0 || self.worker.poll_ms > 60_000 {
            return Err(ConfigError::Invalid { key: "worker.poll_ms", message: "must be between 1 and 60000".into() });
        }
        let llm = self.llm.base_url.trim();
        if !llm.is_empty() {
            if !(llm.starts_with("http://") || llm.starts_with("https://")) {
                return Err(ConfigError::Invalid { key: "llm.base_url", message: "must be an http(s) URL".into() });
            }
            if self.llm.model.trim().is_empty() {
                return Err(ConfigError::Invalid {
                    key: "llm.model",
                    message: "must name the model when llm.base_url is set".into(),
                });
            }
        }
        if self.llm.timeout_ms == 0 || self.llm.timeout_ms > 600_000 {
            return Err(ConfigError::Invalid { key: "llm.timeout_ms", message: "must be between 1 and 600000".into() });
        }
        if self.production && (self.demo || self.dev_login) {
            return Err(ConfigError::Invalid {
                key: "production",
                message: "demo mode and dev login cannot be enabled in production".into(),
            });
        }
        Ok(())
    }

    /// The database URL to connect to, defaulting to `data_dir/praetor.db`.
    /// The tables' owner for migrations, when it is not the server's own role.
    pub fn migration_url(&self) -> Option<&str> {
        Some(self.database.migration_url.trim()).filter(|u| !u.is_empty())
    }

    pub fn effective_database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            format!("sqlite://{}", self.data_dir.join("praetor.db").display())
        } else {
            self.database_url.trim().to_string()
        }
    }

    pub fn dev_login_enabled(&self) -> bool {
        self.dev_login || self.demo
    }

    pub fn graphiql_enabled(&self) -> bool {
        self.graphql.graphiql && !self.production
    }
}

/// The `PRAETOR_*` variables, already stripped of the prefix and with `_FILE` values read.
struct EnvVars(Vec<(String, String)>);

impl Provider for EnvVars {
    fn metadata(&self) -> Metadata {
        Metadata::named("`PRAETOR_` environment variable(s)").interpolater(|_: &Profile, k: &[&str]| {
            format!("{ENV_PREFIX}{}", k.iter().map(|k| k.to_ascii_uppercase()).collect::<Vec<_>>().join("__"))
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for (key, value) in &self.0 {
            let path = key.to_ascii_lowercase().replace("__", ".");
            let parsed: Value = value.parse().unwrap_or_else(|_| Value::from(value.clone()));
            if let Some(nested) = figment::util::nest(&path, parsed).into_dict() {
                for (k, v) in nested {
                    merge_into(&mut dict, k, v);
                }
            }
        }
        Ok(Profile::Default.collect(dict))
    }
}

fn merge_into(dict: &mut Dict, key: String, value: Value) {
    match (dict.get_mut(&key), value) {
        (Some(Value::Dict(_, existing)), Value::Dict(_, incoming)) => {
            for (k, v) in incoming {
                merge_into(existing, k, v);
            }
        }
        (_, value) => {
            dict.insert(key, value);
        }
    }
}

fn known_keys() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_valid() {
        let c = Config::load_from(None, &[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.effective_database_url().starts_with("sqlite://"));
    }

    #[test]
    fn file_then_env_with_nesting_and_file_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("praetor.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\n[graphql]\nmax_depth = 7\n").unwrap();
        let secret = dir.path().join("db_url");
        std::fs::write(&secret, "postgres://u@h/db\n").unwrap();
        let c = Config::load_from(
            Some(&file),
            &env(&[
                ("PRAETOR_GRAPHQL__MAX_COMPLEXITY", "99"),
                ("PRAETOR_DATABASE_URL_FILE", secret.to_str().unwrap()),
                ("HOME", "/root"),
            ]),
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(c.graphql.max_depth, 7);
        assert_eq!(c.graphql.max_complexity, 99);
        assert_eq!(c.database_url, "postgres://u@h/db");
    }

    #[test]
    fn a_migration_owner_needs_postgres_and_a_named_server_role() {
        let with = |url: &str, owner: &str| {
            let mut c = Config { database_url: url.into(), ..Config::default() };
            c.database.migration_url = owner.into();
            c.validate()
        };
        assert!(with("postgres://praetor_app@db/p", "postgres://owner:pw@db/p").is_ok());
        let e = with("sqlite:///tmp/p.db", "postgres://owner@db/p").unwrap_err();
        assert!(e.to_string().contains("database.migration_url"), "{e}");
        let e = with("postgres://db/p", "postgres://owner@db/p").unwrap_err();
        assert!(e.to_string().contains("name the server's role"), "{e}");
        let e = with("postgres://bad%22role@db/p", "postgres://owner@db/p").unwrap_err();
        assert!(e.to_string().contains("database_url"), "{e}");
        assert_eq!(runtime_role("postgres://praetor_app:secret@db:5432/p").as_deref(), Some("praetor_app"));
    }

    #[test]
    fn unknown_and_invalid_settings_are_named() {
        let e = Config::load_from(None, &env(&[("PRAETOR_LISTN", "x")])).unwrap_err();
        assert!(e.to_string().contains("PRAETOR_LISTN"), "{e}");

        let e = Config::load_from(None, &env(&[("PRAETOR_LISTEN", "nope")])).unwrap_err();
        assert!(e.to_string().contains("PRAETOR_LISTEN"), "{e}");

        let e = Config::load_from(None, &env(&[("PRAETOR_DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(e.to_string().contains("database_url"), "{e}");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "[graphql]\nmax_dpeth = 3\n").unwrap();
        let e = Config::load_from(Some(&file), &[]).unwrap_err();
        assert!(e.to_string().contains("max_dpeth"), "{e}");
    }

    #[test]
    fn llm_settings_read_the_key_from_a_file_and_never_show_it() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("llm_key");
        std::fs::write(&key, "sk-secret-123\n").unwrap();
        let c = Config::load_from(
            None,
            &env(&[
                ("PRAETOR_LLM__BASE_URL", "http://127.0.0.1:9/v1/"),
                ("PRAETOR_LLM__MODEL", "gpt-test"),
                ("PRAETOR_LLM__API_KEY_FILE", key.to_str().unwrap()),
            ]),
        )
        .unwrap();
        assert_eq!(c.llm.api_key, "sk-secret-123");
        assert!(!format!("{c:?}").contains("sk-secret"));
        let p = c.llm.planner_config().unwrap();
        assert_eq!(p.base_url, "http://127.0.0.1:9/v1");
        assert_eq!(p.api_key.unwrap().expose(), "sk-secret-123");
        let e = Config::load_from(None, &env(&[("PRAETOR_LLM__BASE_URL", "http://x/v1")])).unwrap_err();
        assert!(e.to_string().contains("llm.model"), "{e}");
        let e = Config::load_from(None, &env(&[("PRAETOR_LLM__BASE_URL", "ftp://x"), ("PRAETOR_LLM__MODEL", "m")]))
            .unwrap_err();
        assert!(e.to_string().contains("llm.base_url"), "{e}");
        assert!(Config::default().llm.planner_config().is_none());
    }

    #[test]
    fn production_refuses_demo() {
        let e = Config::load_from(None, &env(&[("PRAETOR_PRODUCTION", "true"), ("PRAETOR_DEMO", "true")])).unwrap_err();
        assert!(e.to_string().contains("production"), "{e}");
    }
}
