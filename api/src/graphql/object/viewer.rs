//! `Viewer`: the caller.

use async_graphql::{Context, ID, Object, Result};

use super::{ActorKindGql, OrgObject, UserObject};
use crate::auth::{Principal, Subject};
use crate::graphql::app;
use crate::services::orgs;

pub struct Viewer(pub Principal);

#[Object]
impl Viewer {
    async fn kind(&self) -> ActorKindGql {
        match self.0.subject {
            Subject::User(_) => ActorKindGql::User,
            Subject::ServiceAccount(_) => ActorKindGql::ServiceAccount,
            Subject::Agent(_) => ActorKindGql::Agent,
        }
    }

    pub async fn id(&self) -> ID {
        ID(self.0.actor().id)
    }

    async fn name(&self) -> String {
        self.0.actor().name
    }

    async fn user(&self) -> Option<UserObject> {
        self.0.user().cloned().map(UserObject)
    }

    /// May create organizations.
    async fn instance_admin(&self) -> bool {
        self.0.is_instance_admin()
    }

    /// Organizations the caller belongs to.
    async fn orgs(&self, ctx: &Context<'_>) -> Result<Vec<OrgObject>> {
        Ok(orgs::list_for(app(ctx)?, &self.0).await?.into_iter().map(OrgObject).collect())
    }
}
