//! `createOrg`, `createAuditCheckpoint`.

use async_graphql::{Context, InputObject, Object, Result};

use crate::authz::InstanceAdmin;
use crate::graphql::object::{AuditCheckpointObject, OrgObject};
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

    /// Signs a checkpoint of the organization's audit chain at its head now (the scheduler
    /// makes one every hour): the newest one when nothing happened since it; `null` for an
    /// empty chain. The entries since the last checkpoint are verified first: a broken chain
    /// is refused with `CONFLICT`. Needs `audit.read`. Expensive: at most once per operation.
    async fn create_audit_checkpoint(&self, ctx: &Context<'_>, org: String) -> Result<Option<AuditCheckpointObject>> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        let made = crate::services::checkpoints::create(app, &access).await?;
        Ok(made.map(AuditCheckpointObject))
    }
}
