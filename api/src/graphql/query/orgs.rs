//! `org(slug)` and `project(org, slug)`.

use async_graphql::{Context, Object, Result};

use crate::graphql::object::{OrgObject, ProjectObject};
use crate::graphql::{app, principal};
use crate::services::{orgs, projects};

#[derive(Default)]
pub struct OrgQuery;

#[Object]
impl OrgQuery {
    /// An organization the caller belongs to; NOT_FOUND otherwise.
    async fn org(&self, ctx: &Context<'_>, slug: String) -> Result<OrgObject> {
        Ok(OrgObject(orgs::enter_by_slug(app(ctx)?, principal(ctx)?, &slug).await?))
    }

    /// A project the caller may read; NOT_FOUND otherwise.
    async fn project(&self, ctx: &Context<'_>, org: String, slug: String) -> Result<ProjectObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        let p = projects::find_by_slug(app, &access, &slug).await?;
        Ok(ProjectObject::new(access, p))
    }
}
