//! `Invitation`: a link to join an organization or set a new password (never its token).

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use praetor_entities::invitation;

pub struct InvitationObject(pub invitation::Model);

#[Object(name = "Invitation")]
impl InvitationObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    /// `join` (with a role) or `reset` (a new password).
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }

    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}
