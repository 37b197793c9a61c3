//! `createProject`.

use async_graphql::{Context, InputObject, Object, Result};

use crate::authz::Domain;
use crate::authz::ops;
use crate::graphql::object::ProjectObject;
use crate::graphql::{app, principal};
use crate::services::{orgs, projects};

#[derive(InputObject)]
pub struct CreateProjectInput {
    /// The organization's slug.
    pub org: String,
    pub slug: String,
    pub name: String,
    #[graphql(default)]
    pub description: String,
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Needs `project.create` in the organization.
    async fn create_project(&self, ctx: &Context<'_>, input: CreateProjectInput) -> Result<ProjectObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let permit = access.permit::<ops::ProjectCreate>(Domain::Org)?;
        let p = projects::create(app, &permit, &input.slug, &input.name, &input.description).await?;
        Ok(ProjectObject::new(access, p))
    }
}
