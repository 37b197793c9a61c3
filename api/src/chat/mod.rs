//! Chat: conversations in which people ask for work, see the proposed plan with its preview,
//! approve it and watch it run.
//!
//! The session's log itself (its events, appending and reading them, plan events told in it)
//! is `crate::chatlog`, which the engine writes to as well.
//!
//! - [`sessions`]: the use cases on sessions (start, post a message, choose a proposal, read
//!   the log), each owning its transaction, check and audit entry like any service.
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
pub mod render;
pub mod request;
pub mod runtime;
pub mod sessions;
pub mod turn;

pub use crate::chatlog::{ChatEventData, ProposalRecord};
pub use runtime::Runtime;
