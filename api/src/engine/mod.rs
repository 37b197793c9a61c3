//! The deterministic engine: the executor, the durable queue, the plan log store and replay. The
//! plan model, its pure reducer and state operations are `praetor_domain`'s.

pub mod executor;
pub mod queue;
pub mod replay;
pub mod store;
