//! Governance: the one decision pipeline every preview, execution and replay goes through.

pub mod pipeline;
pub mod policy;
