//! Chat: conversations in which people ask for work, see the proposed plan with its preview,
//! approve it and watch it run.
//!
//! - [`model`]: the events of a session's log (messages, proposals, plan progress).
//! - [`store`]: appending to that log (seq per session) and reading it back.
//! - [`derive`]: plan events told in the session the plan came from, written with them.
//! - [`runtime`]: what the server keeps for chat (catalog cache, per-session turn order, the
//!   planners, in-flight replies).
//! - [`turn`]: answering one message: commands about the current plan, or a request planned
//!   by the project's agents, simulated, arbitrated and proposed through `services::plans`.
//! - [`request`]: planning a request with the project's agents, arbitration, proposing.
//! - [`render`]: the assistant's words.
//! - [`answers`]: the hold on a session's answers in progress, and ending those whose node
//!   stopped.
//!
//! Planning never bypasses governance: every proposal, from an alias or a model, is decided
//! by the same pipeline as `proposePlan`, as the person who chatted acting through the agent.

pub mod answers;
pub mod derive;
pub mod model;
pub mod render;
pub mod request;
pub mod runtime;
pub mod store;
pub mod turn;

pub use model::{ChatEventData, ProposalRecord};
pub use runtime::Runtime;
