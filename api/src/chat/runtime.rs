//! What the server keeps in memory for chat: the catalog of each policy version (aliases and
//! schemas compiled once), one turn at a time per session (a second message waits for the
//! answer to the first, so memory and "it" follow the conversation), the planners, and the
//! replies still being worked on (awaited at shutdown).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use praetor_planner::{AliasPlanner, Catalog, CatalogEntry, LlmPlanner, Planner, PlannerError, Risk};
use praetor_store::ChatSessionId;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::governance::policy::Loaded;

/// Catalogs kept; policy versions change rarely, so this only bounds a pathological churn.
const MAX_CATALOGS: usize = 256;

/// Built-in actions chat offers besides the policy's own, with their phrasings.
const BUILTIN_PHRASES: &[(&str, &[&str])] = &[
    ("state.set", &["set {key} to {value}"]),
    ("state.increment", &["increment {key} by {by=1}"]),
    ("state.delete", &["delete {key}", "remove {key}"]),
];

#[derive(Default)]
struct Inflight {
    count: AtomicUsize,
    idle: Notify,
    /// Cancelled when a stopping server gives up waiting: what is still running is dropped,
    /// as a crash would, and its hold on the session lapses (see [`super::answers`]).
    abandon: CancellationToken,
}

pub struct Runtime {
    catalogs: Mutex<HashMap<String, Arc<Catalog>>>,
    turns: Mutex<HashMap<ChatSessionId, Arc<tokio::sync::Mutex<()>>>>,
    alias: Arc<dyn Planner>,
    llm: Arc<dyn Planner>,
    /// A model endpoint is configured (an `llm` agent can be switched on).
    llm_configured: bool,
    inflight: Arc<Inflight>,
}

/// Stands in for the LLM planner when no endpoint is configured: an agent that needs it says
/// so instead of failing silently.
struct Unconfigured;

#[async_trait::async_trait]
impl Planner for Unconfigured {
    fn kind(&self) -> &'static str {
        "llm"
    }

    async fn plan(
        &self,
        _: praetor_planner::PlanRequest<'_>,
        _: &dyn praetor_planner::DeltaSink,
    ) -> Result<praetor_planner::Outcome, PlannerError> {
        Err(PlannerError::Config("no model endpoint is configured (llm.base_url)".into()))
    }
}

impl Runtime {
    pub fn new(config: &Config) -> Self {
        let llm_configured = config.llm.planner_config().is_some();
        let llm: Arc<dyn Planner> = match config.llm.planner_config() {
            None => Arc::new(Unconfigured),
            Some(c) => match LlmPlanner::new(c) {
                Ok(p) => Arc::new(p),
                Err(e) => {
                    tracing::error!("the LLM planner cannot be used: {e}");
                    Arc::new(Unconfigured)
                }
            },
        };
        Self {
            catalogs: Mutex::default(),
            turns: Mutex::default(),
            alias: Arc::new(AliasPlanner::new()),
            llm,
            llm_configured,
            inflight: Arc::default(),
        }
    }

    /// Whether a model endpoint is configured for the `llm` planner.
    pub fn llm_configured(&self) -> bool {
        self.llm_configured
    }

    /// The planner of an agent's kind (`alias` or `llm`).
    pub fn planner(&self, kind: &str) -> Arc<dyn Planner> {
        if kind == "llm" { self.llm.clone() } else { self.alias.clone() }
    }

    /// What may be asked for under a policy version: its actions and templates, and the
    /// built-in state actions.
    pub fn catalog(&self, policy: &Loaded) -> Arc<Catalog> {
        if let Ok(map) = self.catalogs.lock()
            && let Some(c) = map.get(&policy.label)
        {
            return c.clone();
        }
        let builtins = BUILTIN_PHRASES.iter().filter_map(|(name, phrases)| {
            let b = crate::actions::builtin(name)?;
            Some(
                CatalogEntry::action(*name, b.description, (b.schema)())
                    .with_aliases(phrases.iter().copied())
                    .with_risk(Risk::Low)
                    .with_cost(Some(0.0)),
            )
        });
        // Policy entries come last: one that redefines a name wins.
        let catalog =
            Arc::new(Catalog::new(builtins.chain(Catalog::from_effective(&policy.effective).entries().cloned())));
        for p in catalog.problems() {
            tracing::warn!(policy = %policy.label, "chat catalog: {p}");
        }
        if let Ok(mut map) = self.catalogs.lock() {
            if map.len() >= MAX_CATALOGS {
                map.clear();
            }
            map.insert(policy.label.clone(), catalog.clone());
        }
        catalog
    }

    /// The lock that keeps a session's turns in order.
    pub fn turn_lock(&self, session: ChatSessionId) -> Arc<tokio::sync::Mutex<()>> {
        match self.turns.lock() {
            Ok(mut map) => {
                map.retain(|_, l| Arc::strong_count(l) > 1);
                map.entry(session).or_default().clone()
            }
            Err(_) => Arc::default(),
        }
    }

    /// Runs a reply in the background, counted until it finishes.
    pub fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        let inflight = self.inflight.clone();
        inflight.count.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            tokio::select! {
                () = work => {}
                () = inflight.abandon.cancelled() => {}
            }
            if inflight.count.fetch_sub(1, Ordering::SeqCst) == 1 {
                inflight.idle.notify_waiters();
            }
        });
    }

    /// Waits (at most `limit`) for replies in progress, at shutdown; then drops those left.
    pub async fn drain(&self, limit: Duration) {
        let wait = async {
            loop {
                let idle = self.inflight.idle.notified();
                if self.inflight.count.load(Ordering::SeqCst) == 0 {
                    return;
                }
                idle.await;
            }
        };
        if tokio::time::timeout(limit, wait).await.is_err() {
            tracing::warn!(
                replies = self.inflight.count.load(Ordering::SeqCst),
                "chat replies still running at shutdown were abandoned"
            );
            self.inflight.abandon.cancel();
        }
    }
}
