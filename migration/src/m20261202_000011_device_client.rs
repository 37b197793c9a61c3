//! The client an identity provider knows the command line by: a public client (no secret) that
//! may use the device authorization grant (RFC 8628), so `praetor login` can sign a person in
//! from a terminal and use the provider's access token on the API.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("identity_providers").add_column(text_null("device_client_id")).take()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("identity_providers").drop_column("device_client_id").take()).await
    }
}
