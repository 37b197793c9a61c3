//! The deterministic engine: plan model, pure reducer, state operations, executor and replay.

pub mod executor;
pub mod model;
pub mod queue;
pub mod reducer;
pub mod replay;
pub mod state;
pub mod store;
pub mod worker;
