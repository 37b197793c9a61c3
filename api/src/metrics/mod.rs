//! Metrics: OpenTelemetry instruments, exported in the Prometheus text format on `/metrics`
//! (on the main address, or on `metrics.listen` so it need not be public).
//!
//! Counters and histograms are recorded where things happen, through the functions below (each
//! a no-op while metrics are off). Gauges of the database's state (the queue, plans by status,
//! kill switches, the pool) are read again when `/metrics` is scraped, at most every
//! `metrics.refresh_ms` ([`gauges::refresh`]); budget gauges come from the scheduler's forecast
//! job. Labels are bounded: closed sets, route templates, and names capped at a number of
//! distinct values ([`Capped`]); never a plan id, and organization/project labels only with
//! `metrics.tenant_labels`.
//!
//! The instruments are the process's (one server per process in production; tests that start
//! several read differences, never absolute counts).

pub mod gauges;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, MeterProvider, ObservableGauge, UpDownCounter};
use opentelemetry_sdk::metrics::SdkMeterProvider;
use praetor_domain::PlanStatus;

/// Seconds: from a millisecond to five minutes (steps may wait on slow handlers).
const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0];

/// Distinct values a free-form label (operation names, action names) may take; later ones are
/// counted as `other`.
const NAME_CAP: usize = 200;

static ENABLED: AtomicBool = AtomicBool::new(true);
static METRICS: OnceLock<Metrics> = OnceLock::new();

/// Turns recording on or off for the process (`metrics.enabled`; the benchmarks compare both).
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

fn get() -> Option<&'static Metrics> {
    enabled().then(|| METRICS.get_or_init(Metrics::new))
}

/// The instruments, and the registry the exporter fills at each scrape.
struct Metrics {
    registry: prometheus::Registry,
    _provider: SdkMeterProvider,
    _gauges: Vec<ObservableGauge<f64>>,
    http_requests: Counter<u64>,
    http_duration: Histogram<f64>,
    graphql_operations: Counter<u64>,
    graphql_duration: Histogram<f64>,
    decisions: Counter<u64>,
    rate_limit_refusals: Counter<u64>,
    plans_finished: Counter<u64>,
    step_duration: Histogram<f64>,
    websockets: UpDownCounter<i64>,
    subscriptions: UpDownCounter<i64>,
    chat_messages: Counter<u64>,
    chat_turn: Histogram<f64>,
    audit_append: Histogram<f64>,
    audit_verify_runs: Counter<u64>,
    db_acquire: Histogram<f64>,
    db_queries: Counter<u64>,
    db_query_duration: Histogram<f64>,
    _cross_org: opentelemetry::metrics::ObservableCounter<u64>,
    webhook_deliveries: Counter<u64>,
    webhook_attempts: Counter<u64>,
    notifications: Counter<u64>,
    emails: Counter<u64>,
    scheduler_slots: Counter<u64>,
    slot_lateness: Histogram<f64>,
    operations: Capped,
    actions: Capped,
    jobs: Capped,
}

impl Metrics {
    fn new() -> Self {
        let registry = prometheus::Registry::new();
        let exporter = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .without_target_info()
            .scope_info_enabled(false)
            .build();
        let provider = match exporter {
            Ok(exporter) => SdkMeterProvider::builder().with_reader(exporter).build(),
            Err(e) => {
                // Only a registry that refuses the collector fails here: record into nothing.
                tracing::error!("metrics exporter unavailable: {e}");
                SdkMeterProvider::builder().build()
            }
        };
        let meter = provider.meter("praetor");
        let seconds = |name: &'static str, help: &'static str| {
            meter
                .f64_histogram(name)
                .with_unit("s")
                .with_description(help)
                .with_boundaries(LATENCY_BUCKETS.to_vec())
                .build()
        };
        let counter = |name: &'static str, help: &'static str| meter.u64_counter(name).with_description(help).build();
        let m = Metrics {
            _gauges: gauges::register(&meter),
            http_requests: counter(
                "praetor_http_requests",
                "HTTP requests by route template, method and status class.",
            ),
            http_duration: seconds(
                "praetor_http_request_duration",
                "HTTP request latency by route template and method.",
            ),
            graphql_operations: counter(
                "praetor_graphql_operations",
                "GraphQL operations by name, type and outcome (ok or the first error's code).",
            ),
            graphql_duration: seconds("praetor_graphql_operation_duration", "GraphQL operation latency."),
            decisions: counter(
                "praetor_decisions",
                "Decisions of the pipeline by stage, verdict and refusal code (none when not refused).",
            ),
            rate_limit_refusals: counter("praetor_rate_limit_refusals", "Decisions refused by a rate limit."),
            plans_finished: counter("praetor_plans_finished", "Plans that reached a final status, on this node."),
            step_duration: seconds("praetor_step_duration", "Step latency by action and outcome."),
            websockets: meter
                .i64_up_down_counter("praetor_websocket_connections")
                .with_description("Open GraphQL websockets on this node.")
                .build(),
            subscriptions: meter
                .i64_up_down_counter("praetor_subscriptions_active")
                .with_description("Active GraphQL subscriptions on this node.")
                .build(),
            chat_messages: counter("praetor_chat_messages", "Chat messages by role (user, assistant)."),
            chat_turn: seconds("praetor_chat_turn_duration", "Time from a person's chat message to the reply."),
            audit_append: seconds("praetor_audit_append_duration", "Time to append one audit event to its chain."),
            audit_verify_runs: counter(
                "praetor_audit_verify_runs",
                "Scheduled audit chain verifications by outcome (ok, broken).",
            ),
            db_acquire: seconds(
                "praetor_db_pool_acquire_duration",
                "Time to begin a write transaction (waiting for a pooled connection, and on SQLite the write lock).",
            ),
            db_queries: counter("praetor_db_queries", "Database statements by outcome."),
            db_query_duration: seconds("praetor_db_query_duration", "Database statement latency."),
            _cross_org: meter
                .u64_observable_counter("praetor_db_cross_org_statements")
                .with_description(
                    "Statements run across organizations (past row-level security's one-organization scope), by the housekeeping job that ran them.",
                )
                .with_callback(|observer| {
                    for (reason, n) in praetor_store::scope::across_counts() {
                        observer.observe(n, &[kv("reason", reason)]);
                    }
                })
                .build(),
            webhook_deliveries: counter(
                "praetor_webhook_deliveries",
                "Webhook deliveries finished, by outcome (delivered, failed, gave_up).",
            ),
            webhook_attempts: counter("praetor_webhook_attempts", "Webhook HTTP attempts by outcome (ok, error)."),
            notifications: counter("praetor_notifications", "Notifications written, by category."),
            emails: counter("praetor_emails", "E-mail attempts by outcome (sent, retry, failed)."),
            scheduler_slots: counter(
                "praetor_scheduler_slots",
                "Scheduler slots by task (the job's name; `job` is Prometheus's own label) and outcome (ran, failed, skipped).",
            ),
            slot_lateness: seconds("praetor_scheduler_slot_lateness", "How late a slot started after it was due."),
            operations: Capped::new(NAME_CAP),
            actions: Capped::new(NAME_CAP),
            jobs: Capped::new(NAME_CAP),
            registry,
            _provider: provider,
        };
        m.seed();
        m
    }

    /// Zeroes for the closed label sets, so dashboards and alerts find every series from the
    /// first scrape (a counter that never moved is still a series).
    fn seed(&self) {
        for stage in Stage::ALL {
            for verdict in ["allowed", "needs_approval", "refused"] {
                self.decisions.add(0, &[kv("stage", stage.as_str()), kv("verdict", verdict), kv("code", "none")]);
            }
            self.rate_limit_refusals.add(0, &[kv("stage", stage.as_str())]);
        }
        for status in PlanStatus::ALL.iter().filter(|s| s.is_terminal()) {
            self.plans_finished.add(0, &[kv("status", status.as_str())]);
        }
        for outcome in ["delivered", "failed", "gave_up"] {
            self.webhook_deliveries.add(0, &[kv("outcome", outcome)]);
        }
        for outcome in ["ok", "error"] {
            self.webhook_attempts.add(0, &[kv("outcome", outcome)]);
            self.db_queries.add(0, &[kv("outcome", outcome)]);
        }
        for outcome in ["ok", "broken"] {
            self.audit_verify_runs.add(0, &[kv("outcome", outcome)]);
        }
        for category in NOTIFICATION_CATEGORIES {
            self.notifications.add(0, &[kv("category", category)]);
        }
        for outcome in ["sent", "retry", "failed"] {
            self.emails.add(0, &[kv("outcome", outcome)]);
        }
        for role in ["user", "assistant"] {
            self.chat_messages.add(0, &[kv("role", role)]);
        }
        self.websockets.add(0, &[]);
        self.subscriptions.add(0, &[]);
    }
}

fn kv(key: &'static str, value: impl Into<opentelemetry::Value>) -> KeyValue {
    KeyValue::new(key, value)
}

/// A label that takes free-form values (operation names, action names): the first `cap`
/// distinct values are kept, later ones read `other`, so a caller cannot grow the series.
struct Capped {
    cap: usize,
    seen: Mutex<HashSet<String>>,
}

impl Capped {
    fn new(cap: usize) -> Self {
        Self { cap, seen: Mutex::new(HashSet::new()) }
    }

    fn label(&self, value: &str) -> String {
        let clean: String =
            value.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')).take(64).collect();
        if clean.is_empty() {
            return "other".into();
        }
        let Ok(mut seen) = self.seen.lock() else { return "other".into() };
        if seen.contains(&clean) {
            return clean;
        }
        if seen.len() < self.cap {
            seen.insert(clean.clone());
            return clean;
        }
        "other".into()
    }
}

/// The text exposition of every metric (collecting the gauges' current values).
pub(crate) fn render() -> String {
    let Some(m) = get() else { return String::new() };
    let families = m.registry.gather();
    let mut out = String::new();
    if let Err(e) = prometheus::TextEncoder::new().encode_utf8(&families, &mut out) {
        tracing::error!("encoding metrics: {e}");
    }
    out
}

/// `2xx`, `4xx`, …
fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// One HTTP request: `route` is the matched route template (never the path itself).
pub fn http_request(route: &str, method: &str, status: u16, elapsed: Duration) {
    let Some(m) = get() else { return };
    let method = match method {
        "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS" => method.to_string(),
        _ => "other".into(),
    };
    let route = route.to_string();
    m.http_requests
        .add(1, &[kv("route", route.clone()), kv("method", method.clone()), kv("status", status_class(status))]);
    m.http_duration.record(elapsed.as_secs_f64(), &[kv("route", route), kv("method", method)]);
}

/// The error codes an operation may end with (`Error::code`) and the codes of the pipeline's
/// checks, as labels; anything else is `other`.
const CODES: &[&str] = &[
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "VALIDATION",
    "CONFLICT",
    "POLICY_DENIED",
    "APPROVAL_REQUIRED",
    "RATE_LIMITED",
    "BUDGET_EXCEEDED",
    "OUTSIDE_WINDOW",
    "KILL_SWITCH",
    "TIMEOUT",
    "INTERNAL",
    // Checks of the decision pipeline.
    "AUTONOMY_COST",
    "AUTONOMY_OFF",
    "AUTONOMY_PAUSED",
    "AUTONOMY_RATE",
    "AUTONOMY_RISK",
    "FORECAST_OVER_BUDGET",
];

fn code_label(code: &str) -> String {
    if CODES.contains(&code) { code.to_ascii_lowercase() } else { "other".into() }
}

/// One GraphQL operation (not a subscription's stream): its name as the client gave it
/// (capped), `query`/`mutation`, and the first error's code or `None` when it succeeded.
pub fn graphql_operation(name: Option<&str>, kind: &str, error: Option<&str>, elapsed: Duration) {
    let Some(m) = get() else { return };
    let name = match name {
        Some(n) => m.operations.label(n),
        None => "anonymous".into(),
    };
    let outcome = error.map(code_label).unwrap_or_else(|| "ok".into());
    let kind = kind.to_string();
    m.graphql_operations.add(1, &[kv("operation", name.clone()), kv("type", kind.clone()), kv("outcome", outcome)]);
    m.graphql_duration.record(elapsed.as_secs_f64(), &[kv("operation", name), kv("type", kind)]);
}

/// Where the pipeline decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A preview or simulation: nothing saved.
    Preview,
    /// A plan proposed.
    Proposal,
    /// A step about to run.
    Execution,
    /// `policy explain`: one action decided to say why.
    Explain,
}

impl Stage {
    const ALL: [Stage; 4] = [Stage::Preview, Stage::Proposal, Stage::Execution, Stage::Explain];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Preview => "preview",
            Stage::Proposal => "proposal",
            Stage::Execution => "execution",
            Stage::Explain => "explain",
        }
    }
}

/// One decision of the pipeline: its verdict and, when refused, the refusal's code.
pub fn decision(stage: Stage, d: &praetor_domain::decide::PlanDecision, now: chrono::DateTime<chrono::Utc>) {
    let Some(m) = get() else { return };
    let verdict = match d.verdict {
        praetor_domain::Verdict::Allowed => "allowed",
        praetor_domain::Verdict::NeedsApproval => "needs_approval",
        praetor_domain::Verdict::Denied => "refused",
    };
    // The refusal's code (kill switch, rate limit, budget), else the first check that failed
    // (a policy denial, RBAC, a window).
    let code = match verdict {
        "refused" => match d.refusal(now) {
            Some(r) => code_label(r.code()),
            None => d
                .all_checks()
                .find(|c| c.verdict == praetor_domain::Verdict::Denied)
                .map(|c| code_label(&c.code))
                .unwrap_or_else(|| "other".into()),
        },
        _ => "none".into(),
    };
    refused(m, stage, verdict, code);
}

fn refused(m: &Metrics, stage: Stage, verdict: &'static str, code: String) {
    if code == "rate_limited" {
        m.rate_limit_refusals.add(1, &[kv("stage", stage.as_str())]);
    }
    m.decisions.add(1, &[kv("stage", stage.as_str()), kv("verdict", verdict), kv("code", code)]);
}

/// A proposal refused from memory of an earlier refusal that still holds (a rate limit), without
/// running the pipeline again: counted as the refusal it repeats.
pub fn refused_again(stage: Stage, code: &str) {
    if let Some(m) = get() {
        refused(m, stage, "refused", code_label(code));
    }
}

/// A plan reached a final status (counted once, after its event committed).
pub fn plan_finished(status: PlanStatus) {
    let Some(m) = get() else { return };
    if status.is_terminal() {
        m.plans_finished.add(1, &[kv("status", status.as_str())]);
    }
}

/// One step's handler ran (`succeeded` or `failed`).
pub fn step(action: &str, succeeded: bool, elapsed: Duration) {
    let Some(m) = get() else { return };
    let outcome = if succeeded { "succeeded" } else { "failed" };
    m.step_duration.record(elapsed.as_secs_f64(), &[kv("action", m.actions.label(action)), kv("outcome", outcome)]);
}

/// A websocket opened (`+1`) or closed (`-1`).
pub fn websocket(delta: i64) {
    if let Some(m) = get() {
        m.websockets.add(delta, &[]);
    }
}

/// Something open for a while (a websocket): counted up when made, down when dropped.
pub struct Held(fn(i64));

impl Held {
    pub fn new(count: fn(i64)) -> Self {
        count(1);
        Held(count)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        (self.0)(-1);
    }
}

/// A subscription started (`+1`) or ended (`-1`).
pub fn subscription(delta: i64) {
    if let Some(m) = get() {
        m.subscriptions.add(delta, &[]);
    }
}

/// A chat message committed, by kind of chat event.
pub fn chat_event(kind: &str) {
    let Some(m) = get() else { return };
    let role = match kind {
        "user_message" => "user",
        "message_completed" => "assistant",
        _ => return,
    };
    m.chat_messages.add(1, &[kv("role", role)]);
}

/// A chat turn answered: from the person's message to the reply.
pub fn chat_turn(elapsed: Duration) {
    if let Some(m) = get() {
        m.chat_turn.record(elapsed.as_secs_f64(), &[]);
    }
}

/// One audit event appended to its chain.
pub fn audit_append(elapsed: Duration) {
    if let Some(m) = get() {
        m.audit_append.record(elapsed.as_secs_f64(), &[]);
    }
}

/// The scheduled verification of every organization's chain: how many were broken.
pub fn audit_verified(broken: usize) {
    let Some(m) = get() else { return };
    let outcome = if broken == 0 { "ok" } else { "broken" };
    m.audit_verify_runs.add(1, &[kv("outcome", outcome)]);
    gauges::set_chains_broken(broken);
}

/// A write transaction began after waiting `elapsed`.
pub fn db_acquired(elapsed: Duration) {
    if let Some(m) = get() {
        m.db_acquire.record(elapsed.as_secs_f64(), &[]);
    }
}

/// One database statement ran.
pub fn db_query(failed: bool, elapsed: Duration) {
    let Some(m) = get() else { return };
    m.db_queries.add(1, &[kv("outcome", if failed { "error" } else { "ok" })]);
    m.db_query_duration.record(elapsed.as_secs_f64(), &[]);
}

/// A webhook delivery ended: `delivered`, `failed` (to be retried) or `gave_up`.
pub fn webhook_delivery(outcome: &'static str) {
    if let Some(m) = get() {
        m.webhook_deliveries.add(1, &[kv("outcome", outcome)]);
    }
}

/// The categories of notifications (`notifications::Category`, whose test keeps the two the
/// same), each a series from the start.
pub const NOTIFICATION_CATEGORIES: [&str; 5] =
    ["approvals", "my_plans", "access_requests", "kill_switches", "policy_packs"];

/// Notifications written in `category`.
pub fn notified(category: &'static str, n: u64) {
    if let Some(m) = get() {
        m.notifications.add(n, &[kv("category", category)]);
    }
}

/// One attempt at an e-mail: `sent`, `retry` (to be tried again) or `failed` (given up).
pub fn email(outcome: &'static str) {
    if let Some(m) = get() {
        m.emails.add(1, &[kv("outcome", outcome)]);
    }
}

/// One HTTP attempt of a webhook delivery.
pub fn webhook_attempt(ok: bool) {
    if let Some(m) = get() {
        m.webhook_attempts.add(1, &[kv("outcome", if ok { "ok" } else { "error" })]);
    }
}

/// A scheduler slot of `job` ended (`ran`, `failed`, `skipped`), having started `late` after
/// it was due (`None`: the first run of a job never run before, whose slot may be from long
/// ago and says nothing about how the scheduler keeps time).
pub fn scheduler_slot(job: &str, outcome: &'static str, late: Option<Duration>) {
    let Some(m) = get() else { return };
    let job = m.jobs.label(job);
    m.scheduler_slots.add(1, &[kv("task", job.clone()), kv("outcome", outcome)]);
    if let Some(late) = late {
        m.slot_lateness.record(late.as_secs_f64(), &[kv("task", job)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_form_labels_are_capped_and_cleaned() {
        let c = Capped::new(2);
        assert_eq!(c.label("Deploy"), "Deploy");
        assert_eq!(c.label("a b\"c"), "abc");
        assert_eq!(c.label("third"), "other");
        assert_eq!(c.label("Deploy"), "Deploy");
        assert_eq!(c.label("!!"), "other");
    }

    #[test]
    fn error_codes_are_a_closed_set() {
        assert_eq!(code_label("RATE_LIMITED"), "rate_limited");
        assert_eq!(code_label("SOMETHING_NEW"), "other");
        assert_eq!(status_class(204), "2xx");
        assert_eq!(status_class(503), "5xx");
    }
}
