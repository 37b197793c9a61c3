//! Praetor's chat planners: from what a person (or an agent) types to a *proposed* plan of
//! registered actions. A pure library: no database, no clock, no global state.
//!
//! - [`Catalog`]: what may be proposed (actions and plan templates with schemas and aliases),
//!   built from a project's [`praetor_policy::Effective`] policy and restricted per agent.
//! - [`parse_intent`]: conversational commands (approve, reject, run it, status, …) versus
//!   requests for a plan.
//! - [`Planner`]: the one trait; [`AliasPlanner`] (deterministic, the default; it passes over
//!   polite words and articles, ignores case and punctuation, and knows the `x-synonyms` a
//!   parameter declares) and [`LlmPlanner`] (any OpenAI-compatible chat-completions endpoint).
//! - [`Memory`]: per-session facts and a rolling summary ("restart it again", "same but in
//!   prod").
//! - [`Agent`] and [`arbitrate`]: several agents propose, the caller simulates each proposal
//!   through the decision pipeline, a strategy picks one.
//!
//! Nothing here decides whether a plan may run: every proposal, from an alias or a model, goes
//! through the same decision pipeline as a plan proposed through the API.
//!
//! ```
//! use praetor_planner::*;
//! use serde_json::json;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), PlannerError> {
//! // In the server: Catalog::from_effective(&effective), once per policy version.
//! let schema = json!({"type": "object", "required": ["service"], "properties": {"service": {"type": "string"}}});
//! let catalog = Catalog::new([
//!     CatalogEntry::action("service.restart", "Restart a service", schema).with_aliases(["restart {service}"]),
//! ]);
//! let mut memory = Memory::new();
//! for said in ["restart web", "restart it again"] {
//!     let Intent::Request { text } = parse_intent(said) else { unreachable!() };
//!     let request = PlanRequest { text: &text, catalog: &catalog, memory: &memory, api_key: None };
//!     let outcome = AliasPlanner::new().plan(request, &Discard).await?;
//!     assert_eq!(outcome.plan().unwrap().steps[0].params, json!({"service": "web"}));
//!     memory.record(&text, &outcome);
//! }
//! assert_eq!(parse_intent("approve: looks good"), Intent::Approve { comment: Some("looks good".into()) });
//! # Ok(())
//! # }
//! ```

pub mod agent;
pub mod alias;
pub mod arbitrate;
pub mod catalog;
pub mod error;
pub mod intent;
pub mod llm;
pub mod memory;
pub mod plan;
pub mod sink;
pub mod suggest;
pub mod validate;

mod example;
mod memory_ref;
mod pattern;
mod plain;
mod typing;

use async_trait::async_trait;

pub use agent::{Agent, AgentProposal, propose_all};
pub use alias::AliasPlanner;
pub use arbitrate::{Arbitration, BlastRadius, Candidate, Ranked, Strategy, Verdict, arbitrate};
pub use catalog::{Catalog, CatalogEntry, EntryKind};
pub use error::PlannerError;
pub use intent::{Intent, parse_intent};
pub use llm::{LlmConfig, LlmPlanner, Secret};
pub use memory::{Memory, Turn};
pub use plan::{Clarification, ClarifyReason, Help, HelpEntry, Outcome, PlanStep, ProposedPlan, TemplateCall};
pub use praetor_policy::document::Risk;
pub use sink::{DeltaSink, Discard};
pub use suggest::help_for;
pub use validate::ParamProblem;

/// What a planner is asked.
#[derive(Debug, Clone, Copy)]
pub struct PlanRequest<'a> {
    /// The person's words (a [`Intent::Request`]'s text).
    pub text: &'a str,
    /// What may be proposed (for an agent: already restricted to its role).
    pub catalog: &'a Catalog,
    /// The session's memory. Planners only read it; the caller records the outcome with
    /// [`Memory::record`] once it knows which proposal goes forward.
    pub memory: &'a Memory,
    /// The organization's own key for the model endpoint, used instead of the configured one
    /// (planners that call no model ignore it).
    pub api_key: Option<&'a Secret>,
}

/// Turns a request into an outcome. Text produced along the way (a model's tokens) goes to
/// `sink` as it arrives.
#[async_trait]
pub trait Planner: Send + Sync {
    /// A short name for logs and the UI: `alias`, `llm`.
    fn kind(&self) -> &'static str;

    async fn plan(&self, request: PlanRequest<'_>, sink: &dyn DeltaSink) -> Result<Outcome, PlannerError>;
}
