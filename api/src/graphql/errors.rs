//! Gives every GraphQL error an `extensions.code`.
//!
//! Resolvers return our [`crate::error::Error`] with `?`; async-graphql keeps it as the error's
//! source, and this extension turns it into the client-facing message and extensions (an
//! internal error shows only a generic message with the request id). Errors raised by the engine
//! itself (parse errors, unknown fields, depth and complexity limits, bad argument values) are
//! the client's: VALIDATION.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe};
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::{ErrorExtensions, Response, ServerError};
use futures_util::StreamExt;

use crate::error::Error;

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

fn annotate(err: &mut ServerError) {
    if let Some(ours) = err.source::<Error>() {
        let extended = ours.extend();
        err.message = extended.message;
        err.extensions = extended.extensions;
        return;
    }
    let has_code = err.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if !has_code {
        err.extensions.get_or_insert_with(Default::default).set("code", "VALIDATION");
    }
}

/// The `extensions.code` the client is given for `err` (whether or not it was annotated yet).
pub(super) fn code_of(err: &ServerError) -> String {
    let mut annotated = err.clone();
    annotate(&mut annotated);
    match annotated.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(async_graphql::Value::String(code)) => code.clone(),
        _ => "VALIDATION".into(),
    }
}

fn annotate_response(mut response: Response) -> Response {
    for err in &mut response.errors {
        annotate(err);
    }
    response
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        annotate_response(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(annotate_response).boxed()
    }
}
