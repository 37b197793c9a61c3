//! Praetor's policy language: YAML documents (`Policy`, `Action`, `PlanTemplate`), parsed with
//! locations, validated, statically verified, and the one decision function the whole product
//! uses. A pure library: no I/O beyond reading the files it is given, no clock, no database.

pub mod diag;
pub mod document;
pub mod expr;
pub mod glob;
pub mod load;
pub mod time;

pub use diag::{Diagnostic, Location, Severity};
pub use load::{Parsed, Source};
pub mod set;
pub use set::{CompileContext, PolicySet, Tree};
pub mod decide;
pub use decide::{Decision, DecisionInput, Effective, Layer, Level, WindowStatus};
pub mod diff;
pub mod schema;
pub mod synonyms;
pub mod title;
pub mod verify;
pub use verify::{VerifyContext, verify};
