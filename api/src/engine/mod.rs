//! The deterministic engine: plan model, pure reducer, state operations, executor and replay.

pub mod model;
pub mod reducer;
pub mod state;
