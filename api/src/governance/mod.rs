//! Governance: the one decision pipeline every preview, execution and replay goes through, and
//! the state it consults — kill switches, rate limits, budgets, autonomy.

pub use praetor_domain::decide::autonomy;
pub mod budget;
pub mod kill;
pub mod load;
pub mod pipeline;
pub mod policy;
pub mod rate;
