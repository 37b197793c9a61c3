//! The planner crate's behaviour tests, one binary: the alias table, memory references, the
//! LLM planner against a scripted local OpenAI-compatible server, agents and arbitration, and
//! requests in plain words against the demo catalog.

// Helpers outside `#[test]` functions (fixtures, the scripted server) may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod agents;
mod alias_table;
mod arbitration;
mod fixture;
mod llm;
mod memory;
mod plain_words;
mod scripted;

/// Installs the TLS crypto provider the server installs, so building an HTTP client works
/// whatever reqwest features the build unified.
pub fn tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
