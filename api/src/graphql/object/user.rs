//! `User`.

use async_graphql::{ID, Object};
use praetor_entities::user;

pub struct UserObject(pub user::Model);

#[Object(name = "User")]
impl UserObject {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
}
