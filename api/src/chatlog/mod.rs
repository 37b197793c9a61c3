//! A chat session's log, below the conversation itself: what its events are ([`model`]),
//! appending and reading them with one sequence per session ([`store`]), and the plan events
//! told in the session a plan came from ([`derive`]), which the engine writes in the same
//! transaction as the plan's own events. The conversation (`crate::chat`) is built on it.

pub mod derive;
pub mod model;
pub mod store;

pub use model::{ChatEventData, ProposalRecord};
