//! `ServiceAccount`.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use praetor_entities::service_account;

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
}
