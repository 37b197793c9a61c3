//! Measures each GraphQL operation for `/metrics`: its name (as the client gave it, capped),
//! type and outcome (`ok` or the first error's code), and its latency; counts the
//! subscriptions open. Requests refused before they run (unparsable, invalid) are counted too.
//! Each operation runs in a `graphql.operation` span (exported with traces).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Response, ServerResult, Variables};

pub struct Metrics;

impl ExtensionFactory for Metrics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(MetricsExtension::default())
    }
}

/// One request's operations as parsed: (name, type).
#[derive(Default)]
struct MetricsExtension {
    operations: Mutex<Vec<(Option<String>, &'static str)>>,
    /// The operation ran (and was measured there).
    measured: AtomicBool,
    /// A subscription started: it ends when the request's extensions are dropped, which is when
    /// its stream is.
    subscribed: AtomicBool,
}

impl Drop for MetricsExtension {
    fn drop(&mut self) {
        if self.subscribed.load(Ordering::Relaxed) {
            crate::metrics::subscription(-1);
        }
    }
}

fn type_name(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

fn first_code(response: &Response) -> Option<String> {
    response.errors.first().map(super::errors::code_of)
}

impl MetricsExtension {
    /// The named operation (or the only one) and its type.
    fn operation(&self, name: Option<&str>) -> (Option<String>, &'static str) {
        let Ok(ops) = self.operations.lock() else { return (name.map(str::to_string), "unknown") };
        let found = match name {
            Some(n) => ops.iter().find(|(o, _)| o.as_deref() == Some(n)),
            None if ops.len() == 1 => ops.first(),
            None => None,
        };
        match found {
            Some((o, ty)) => (o.clone(), ty),
            None => (name.map(str::to_string), "unknown"),
        }
    }
}

#[async_trait::async_trait]
impl Extension for MetricsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        // Refused before it ran: parse, validation or limits.
        if !self.measured.load(Ordering::Relaxed) {
            let (name, ty) = self.operation(None);
            crate::metrics::graphql_operation(name.as_deref(), ty, first_code(&response).as_deref(), started.elapsed());
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let ops: Vec<(Option<String>, &'static str)> =
            doc.operations.iter().map(|(name, op)| (name.map(|n| n.to_string()), type_name(op.node.ty))).collect();
        if ops.iter().all(|(_, ty)| *ty == "subscription") && !self.subscribed.swap(true, Ordering::Relaxed) {
            crate::metrics::subscription(1);
        }
        if let Ok(mut slot) = self.operations.lock() {
            *slot = ops;
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let started = Instant::now();
        let (name, ty) = self.operation(operation_name);
        let span = tracing::info_span!(
            "graphql.operation",
            otel.name = %format!("{ty} {}", name.as_deref().unwrap_or("anonymous")),
            graphql.operation.name = name.as_deref().unwrap_or(""),
            graphql.operation.type = ty,
        );
        let response = tracing::Instrument::instrument(next.run(ctx, operation_name), span).await;
        if ty != "subscription" {
            self.measured.store(true, Ordering::Relaxed);
            crate::metrics::graphql_operation(name.as_deref(), ty, first_code(&response).as_deref(), started.elapsed());
        }
        response
    }
}
