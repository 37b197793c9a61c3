//! `Project`.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use praetor_entities::project;

use super::OrgObject;
use crate::authz::OrgAccess;

pub struct ProjectObject {
    access: OrgAccess,
    model: project::Model,
}

impl ProjectObject {
    pub fn new(access: OrgAccess, model: project::Model) -> Self {
        Self { access, model }
    }
}

#[Object(name = "Project")]
impl ProjectObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn slug(&self) -> &str {
        &self.model.slug
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

    async fn org(&self) -> OrgObject {
        OrgObject(self.access.clone())
    }
}
