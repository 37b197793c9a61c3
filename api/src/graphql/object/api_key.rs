//! `ApiKey` (never with its secret) and the one-time `CreatedApiKey` payload.

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_store::api_key;

use super::ActorKindGql;

pub struct ApiKeyObject(pub api_key::Model);

#[Object(name = "ApiKey")]
impl ApiKeyObject {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The first characters of the key, to tell keys apart.
    async fn prefix(&self) -> &str {
        &self.0.display_prefix
    }

    /// A person's key or a service account's.
    async fn owner_kind(&self) -> ActorKindGql {
        if self.0.owner_user_id.is_some() { ActorKindGql::User } else { ActorKindGql::ServiceAccount }
    }

    async fn owner_id(&self) -> ID {
        match (self.0.owner_user_id, self.0.owner_service_account_id) {
            (Some(u), _) => ID(u.to_string()),
            (None, Some(sa)) => ID(sa.to_string()),
            (None, None) => ID(String::new()),
        }
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }

    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }

    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// A new key. `secret` is shown this once; store it now.
#[derive(SimpleObject)]
pub struct CreatedApiKey {
    pub api_key: ApiKeyObject,
    pub secret: String,
}

/// An organization's secret as the API shows it: never its value.
pub struct SecretObject(pub praetor_store::secret::Model);

#[Object(name = "Secret")]
impl SecretObject {
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// An HMAC of the value under the organization's data key: equal values, equal
    /// fingerprints; nothing about the value can be learned from it.
    async fn fingerprint(&self) -> &str {
        &self.0.fingerprint
    }

    async fn set_at(&self) -> DateTime<Utc> {
        self.0.set_at
    }

    /// Who set it: the principal chain, outermost first.
    async fn set_by(&self) -> async_graphql::Result<Vec<super::audit_event::Actor>> {
        Ok(super::audit_event::Actor::chain(format_args!("the setter of secret {}", self.0.id), &self.0.set_by)?)
    }
}
