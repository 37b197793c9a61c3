//! What one operation may cost, beyond depth and complexity: fields whose work grows with the
//! data behind them (a whole audit chain, a project's every plan, a policy diff) may appear at
//! most once in an operation however they are aliased or spread, and every query runs under a
//! time budget, after which it is cancelled and answers `TIMEOUT`.
//!
//! Mutations are not cut short: one stopped between its commit and its answer would report a
//! failure for a change that was made. Their cost is bounded where it arises instead (size
//! caps, the CPU pool, per-caller throttles).
//!
//! The complexity of each such field is set where it is declared (`#[graphql(complexity)]`),
//! proportional to its work; this extension adds what complexity cannot express: a cap on how
//! often it may appear (aliases of a field with complexity 1000 could still fit a looser
//! limit), and the clock.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, Response, ServerResult, Variables};

use crate::error::Error;

/// Fields whose cost grows with stored data or with their arguments.
pub const EXPENSIVE: &[&str] = &[
    "auditChain",
    "auditInclusionProof",
    "createAuditCheckpoint",
    "replayPlan",
    "replayProject",
    "policyDiff",
    "explainDecision",
    "effectivePolicy",
    "validatePolicy",
    "applyPolicy",
];

/// How many times one expensive field may appear in an operation.
pub const MAX_EXPENSIVE_PER_OPERATION: usize = 1;

/// Fragment spreads are followed at most this deep (validation rejects cycles, but this runs
/// right after parsing, before validation).
const MAX_SPREAD_DEPTH: usize = 32;

/// Put in a request's data, it is set when the operation starts executing: errors of a
/// request in which it is still unset came before (parse or validation), so nothing ran.
#[derive(Default, Clone)]
pub struct Executed(pub Arc<std::sync::atomic::AtomicBool>);

pub struct Limits {
    pub timeout: Duration,
}

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension { timeout: self.timeout, queries: Default::default() })
    }
}

struct LimitsExtension {
    timeout: Duration,
    /// The names of the document's query operations (`None`: the anonymous one), as parsed.
    queries: std::sync::Mutex<Vec<Option<String>>>,
}

impl LimitsExtension {
    /// Whether the operation about to run is a query.
    fn is_query(&self, operation_name: Option<&str>) -> bool {
        let Ok(queries) = self.queries.lock() else { return true };
        match operation_name {
            Some(name) => queries.iter().any(|q| q.as_deref() == Some(name)),
            None => !queries.is_empty(),
        }
    }
}

/// How often each expensive field appears in each operation of `doc`: the largest count of
/// any operation, per field.
pub fn expensive_counts(doc: &ExecutableDocument) -> HashMap<&'static str, usize> {
    let mut worst: HashMap<&'static str, usize> = HashMap::new();
    for (_, op) in doc.operations.iter() {
        let mut counts = HashMap::new();
        count(doc, &op.node.selection_set.node, &mut counts, 0);
        for (name, n) in counts {
            let w = worst.entry(name).or_default();
            *w = (*w).max(n);
        }
    }
    worst
}

fn count(doc: &ExecutableDocument, set: &SelectionSet, counts: &mut HashMap<&'static str, usize>, depth: usize) {
    if depth > MAX_SPREAD_DEPTH {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                if let Some(known) = EXPENSIVE.iter().find(|e| **e == name) {
                    *counts.entry(*known).or_default() += 1;
                }
                count(doc, &field.node.selection_set.node, counts, depth + 1);
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    count(doc, &fragment.node.selection_set.node, counts, depth + 1);
                }
            }
            Selection::InlineFragment(inline) => count(doc, &inline.node.selection_set.node, counts, depth + 1),
        }
    }
}

#[async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Ok(mut queries) = self.queries.lock() {
            *queries = doc
                .operations
                .iter()
                .filter(|(_, op)| op.node.ty == async_graphql::parser::types::OperationType::Query)
                .map(|(name, _)| name.map(|n| n.to_string()))
                .collect();
        }
        let mut over: Vec<(&str, usize)> =
            expensive_counts(&doc).into_iter().filter(|(_, n)| *n > MAX_EXPENSIVE_PER_OPERATION).collect();
        over.sort();
        if let Some((name, n)) = over.first() {
            let e = Error::validation(
                *name,
                format!(
                    "`{name}` is expensive and may appear at most {MAX_EXPENSIVE_PER_OPERATION} time(s) in an operation, found {n}"
                ),
            );
            return Err(e.extend().into_server_error(Default::default()));
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(executed) = ctx.data_opt::<Executed>() {
            executed.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        if !self.is_query(operation_name) {
            return next.run(ctx, operation_name).await;
        }
        match tokio::time::timeout(self.timeout, next.run(ctx, operation_name)).await {
            Ok(response) => response,
            Err(_) => {
                let e = Error::Timeout(format!(
                    "the operation ran past its time budget of {} ms and was cancelled",
                    self.timeout.as_millis()
                ));
                Response::from_errors(vec![e.extend().into_server_error(Default::default())])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(q: &str) -> HashMap<&'static str, usize> {
        expensive_counts(&async_graphql::parser::parse_query(q).unwrap())
    }

    #[test]
    fn aliases_fragments_and_inline_fragments_all_count() {
        assert_eq!(counts("{ org(slug: \"a\") { a: auditChain { ok } b: auditChain { ok } } }")["auditChain"], 2);
        let spread = "query { org(slug: \"a\") { ...F ...F } } fragment F on Org { auditChain { ok } }";
        assert_eq!(counts(spread)["auditChain"], 2);
        let inline = "{ org(slug: \"a\") { ... on Org { auditChain { ok } } auditChain { ok } } }";
        assert_eq!(counts(inline)["auditChain"], 2);
        assert_eq!(counts("{ viewer { id } }").get("auditChain"), None);
        // Each operation is counted on its own.
        let two =
            "query A { org(slug: \"a\") { auditChain { ok } } } query B { org(slug: \"a\") { auditChain { ok } } }";
        assert_eq!(counts(two)["auditChain"], 1);
    }

    #[test]
    fn a_fragment_cycle_does_not_loop() {
        let cyclic = "query { org(slug: \"a\") { ...F } } fragment F on Org { auditChain { ok } ...F }";
        assert!(counts(cyclic)["auditChain"] > MAX_EXPENSIVE_PER_OPERATION);
    }
}
