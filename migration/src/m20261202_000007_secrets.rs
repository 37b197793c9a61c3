//! Encrypted secrets (envelope encryption): each organization's data keys, wrapped by the
//! instance's master key, and the organization's secrets, each encrypted under one of its data
//! keys with a fresh nonce. Only ciphertexts, nonces and fingerprints are stored.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("data_keys")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                // Which master key wraps it (a fingerprint of the key, never the key).
                .col(string("kek_id"))
                // base64(nonce || AES-256-GCM ciphertext of the 32-byte data key).
                .col(text("wrapped"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("wrapped_at"))
                .foreign_key(&mut fk("data_keys", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("data_keys", "org", &["org_id", "created_at"], false)).await?;

        m.create_table(
            Table::create()
                .table("secrets")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("name"))
                .col(uuid("data_key_id"))
                // base64(nonce || AES-256-GCM ciphertext); the associated data binds it to
                // the organization, this row and its field.
                .col(text("ciphertext"))
                .col(string("fingerprint"))
                .col(timestamp_with_time_zone("set_at"))
                .col(text("set_by"))
                .foreign_key(&mut fk("secrets", "org_id", "orgs"))
                .foreign_key(&mut fk("secrets", "data_key_id", "data_keys"))
                .take(),
        )
        .await?;
        m.create_index(index("secrets", "org_name", &["org_id", "name"], true)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("secrets").take()).await?;
        m.drop_table(Table::drop().table("data_keys").take()).await?;
        Ok(())
    }
}
