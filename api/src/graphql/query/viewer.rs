//! `viewer`: who am I.

use async_graphql::{Context, Object, Result};

use crate::graphql::object::Viewer;
use crate::graphql::principal;

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The authenticated caller.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer> {
        Ok(Viewer(principal(ctx)?.clone()))
    }
}
