//! Running actions: the handlers behind them and what a handler may look at.
//!
//! Built-in actions (`state.set`, `http.request`, …) can be used in plans directly. Actions
//! defined in policy documents map to a built-in handler with templated parameters, or to an
//! external handler (a signed HTTP call to an integration). The registry that resolves an
//! action, its schema, cost and rendered parameters is the domain's
//! (`praetor_domain::decide::actions`, re-exported here), so the decision pipeline and the
//! executor read one definition; here are the handlers that run them.

pub mod builtin;
pub mod external;
pub mod net;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{Error, Result};
use praetor_domain::plan::Stage;
use praetor_domain::state::StateOp;

/// What running a handler produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Finished: its output (recorded) and the state changes it makes (applied with it).
    Done { output: Value, ops: Vec<StateOp> },
    /// Come back at `until` (a durable timer).
    Wait { until: DateTime<Utc> },
    /// Stop here until this approval stage is satisfied.
    Gate { stage: Stage },
}

/// A handler failure. `retryable` failures are retried with backoff up to the action's limit.
#[derive(Debug, Clone, PartialEq)]
pub struct HandlerError {
    pub message: String,
    pub retryable: bool,
}

impl HandlerError {
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { message: message.into(), retryable: false }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        Self { message: message.into(), retryable: true }
    }
}

/// What a handler may look at. Handlers get no database and no clock of their own: everything
/// that could differ between runs is passed in or recorded in their output.
pub struct HandlerCtx<'a> {
    pub state: &'a Value,
    pub now: DateTime<Utc>,
    /// Stable across retries and restarts: `plan id:step id`.
    pub idempotency_key: &'a str,
    pub egress: &'a net::Egress,
    pub plan: &'a str,
    pub step: &'a str,
}

#[async_trait]
pub trait Handler: Send + Sync {
    async fn run(&self, ctx: &HandlerCtx<'_>, params: &Value) -> Result<Outcome, HandlerError>;
}

pub use praetor_domain::decide::actions::{
    BUILTINS, BuiltinAction, Compensation, HandlerSpec, ResolvedAction, builtin, resolve, with_defaults,
};

/// Validates `params` against `schema`: a VALIDATION error naming the first offending parameter.
pub fn validate_params(action: &str, schema: &Value, params: &Value) -> Result<()> {
    praetor_domain::decide::actions::validate_params(action, schema, params)
        .map_err(|e| Error::validation(e.field, e.message))
}

/// The handler of a built-in action.
pub fn handler_for(name: &str) -> Option<Box<dyn Handler>> {
    Some(match name {
        "state.set" => Box::new(builtin::StateChange("state.set")),
        "state.patch" => Box::new(builtin::StateChange("state.patch")),
        "state.delete" => Box::new(builtin::StateChange("state.delete")),
        "state.increment" => Box::new(builtin::StateChange("state.increment")),
        "http.request" => Box::new(net::HttpRequest),
        "chat.post" => Box::new(builtin::ChatPost),
        "delay" => Box::new(builtin::Delay),
        "approval.gate" => Box::new(builtin::ApprovalGate),
        _ => return None,
    })
}

/// The handler that runs `action`.
pub fn handler_of(action: &ResolvedAction, signer: Option<&external::Signer>) -> Option<Box<dyn Handler>> {
    match &action.handler {
        HandlerSpec::Builtin { name, .. } => handler_for(name),
        HandlerSpec::External { url } => Some(Box::new(external::ExternalHandler {
            action: action.name.clone(),
            url: url.clone(),
            timeout: std::time::Duration::from_secs(action.timeout_secs),
            signer: signer.cloned(),
        })),
    }
}
