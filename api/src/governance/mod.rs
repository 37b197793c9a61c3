//! Governance as the server keeps it: the state the one decision pipeline is fed — kill
//! switches, rate-limit hits, budget ledgers, the effective policy — read into a snapshot
//! (`load`), and the pipeline's records (`pipeline`). The pipeline itself, with the rate-limit
//! counting, budget arithmetic and autonomy it consults, is `praetor_domain::decide`, pure and
//! re-exported here.

pub use praetor_domain::decide::autonomy;
pub mod budget;
pub mod kill;
pub mod load;
pub mod pipeline;
pub mod policy;
pub mod rate;
