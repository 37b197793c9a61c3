//! The GraphQL schema: queries, mutations and subscriptions merged from one file per domain.
//! Resolvers parse input and call `services`; objects wrap entities and re-check access for
//! nested fields.

mod errors;
pub mod limits;
pub mod loader;
mod metrics;
pub mod mutation;
pub mod object;
pub mod query;
pub mod subscription;

use std::sync::Arc;

use async_graphql::{Context, Schema};

use crate::AppState;
use crate::auth::Principal;
use crate::config::Config;
use crate::error::{Error, Result};

pub type PraetorSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// Per-request data: who is calling (already authenticated by the HTTP layer).
pub struct RequestAuth {
    pub principal: Option<Principal>,
}

pub fn build_schema(config: &Config) -> PraetorSchema {
    let mut builder =
        Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription::default())
            .limit_depth(config.graphql.max_depth)
            .limit_complexity(config.graphql.max_complexity)
            .disable_suggestions()
            // First, so it measures the whole request and sees the codes the others give.
            .extension(metrics::Metrics)
            .extension(limits::Limits {
                timeout: std::time::Duration::from_millis(config.graphql.operation_timeout_ms),
            })
            .extension(errors::ErrorCodes);
    if config.production {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL as checked in to `api/schema.graphql`.
pub fn sdl() -> String {
    build_schema(&Config::default()).sdl()
}

pub fn app<'a>(ctx: &Context<'a>) -> Result<&'a Arc<AppState>> {
    ctx.data::<Arc<AppState>>().map_err(|_| Error::internal("application state missing from GraphQL context"))
}

/// The authenticated principal, or UNAUTHENTICATED.
pub fn principal<'a>(ctx: &Context<'a>) -> Result<&'a Principal> {
    ctx.data::<RequestAuth>()
        .ok()
        .and_then(|a| a.principal.as_ref())
        .ok_or_else(|| Error::Unauthenticated("sign in or send `Authorization: Bearer prk_…`".into()))
}
