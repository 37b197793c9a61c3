//! `Invitation`: a link to join an organization or set a new password (never its token).

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use praetor_store::invitation;

use super::ProjectObject;
use crate::authz::OrgAccess;
use crate::graphql::app;
use crate::services::projects;

pub struct InvitationObject {
    pub access: OrgAccess,
    pub model: invitation::Model,
}

/// What answering a link does.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum InvitationPurpose {
    /// Joins the organization with the invitation's role (choosing a password if new).
    Join,
    /// Sets a new password.
    Reset,
}

impl InvitationPurpose {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "join" => Some(Self::Join),
            "reset" => Some(Self::Reset),
            _ => None,
        }
    }
}

#[Object(name = "Invitation")]
impl InvitationObject {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn email(&self) -> &str {
        &self.model.email
    }

    async fn purpose(&self) -> Result<InvitationPurpose> {
        let what = format_args!("the purpose of invitation {}", self.model.id);
        Ok(crate::error::stored_value(what, &self.model.purpose, InvitationPurpose::parse)?)
    }

    /// The role a join grants; none for a reset.
    async fn role(&self) -> Option<&str> {
        self.model.role.as_deref()
    }

    /// The project the role is in; none for an organization-wide role.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<ProjectObject>> {
        let Some(id) = self.model.project_id else {
            return Ok(None);
        };
        Ok(projects::find_by_id(app(ctx)?, &self.access, id)
            .await
            .ok()
            .map(|p| ProjectObject::new(self.access.clone(), p)))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.model.expires_at
    }
}
