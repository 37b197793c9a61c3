//! `Group`.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use praetor_store::group;

use super::UserObject;
use crate::authz::OrgAccess;
use crate::graphql::app;
use crate::services::groups;

pub struct GroupObject {
    access: OrgAccess,
    model: group::Model,
}

impl GroupObject {
    pub fn new(access: OrgAccess, model: group::Model) -> Self {
        Self { access, model }
    }
}

#[Object(name = "Group")]
impl GroupObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.model.name
    }

    async fn description(&self) -> &str {
        &self.model.description
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// Members, by e-mail.
    #[graphql(complexity = "100 * child_complexity + 1")]
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<UserObject>> {
        Ok(groups::members(app(ctx)?, &self.access, self.model.id).await?.into_iter().map(UserObject).collect())
    }
}
