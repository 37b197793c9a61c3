//! `createOrg`.

use async_graphql::{Context, InputObject, Object, Result};

use crate::authz::InstanceAdmin;
use crate::graphql::object::OrgObject;
use crate::graphql::{app, principal};
use crate::services::orgs;

#[derive(InputObject)]
pub struct CreateOrgInput {
    /// Lowercase letters, digits and `-`; unique on this instance.
    pub slug: String,
    pub name: String,
}

#[derive(Default)]
pub struct OrgMutation;

#[Object]
impl OrgMutation {
    /// Creates an organization; the caller becomes its administrator. Instance administrators only.
    async fn create_org(&self, ctx: &Context<'_>, input: CreateOrgInput) -> Result<OrgObject> {
        let app = app(ctx)?;
        let principal = principal(ctx)?;
        let admin = InstanceAdmin::check(principal)?;
        let org = orgs::create(app, &admin, &input.slug, &input.name).await?;
        Ok(OrgObject(app.authz.enter(principal, org).await?))
    }
}
