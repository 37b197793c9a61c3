//! `ServiceAccount`.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use praetor_store::service_account;

pub struct ServiceAccountObject(pub service_account::Model);

#[Object(name = "ServiceAccount")]
impl ServiceAccountObject {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The account's key policy: its keys expire within this many days of their creation
    /// (null: they may live until revoked).
    async fn max_key_lifetime_days(&self) -> Option<i32> {
        self.0.max_key_lifetime_days
    }
}
