//! Signed audit checkpoints: each organization's chain head, and the Merkle root over every
//! entry up to it, signed with the instance's Ed25519 key (kept sealed under a master key in
//! `instance_keys`), so that truncating or rewriting the chain after a published checkpoint
//! shows, even to someone who can write the database.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("instance_keys")
                .col(string("name").primary_key())
                .col(string("key_id"))
                .col(string("public_key"))
                .col(string("kek_id"))
                .col(text("sealed"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_checkpoints")
                .col(uuid("org_id"))
                .col(big_integer("seq"))
                .col(string("head_hash"))
                .col(string("root"))
                .col(string("key_id"))
                .col(string("public_key"))
                .col(string("signature"))
                .col(timestamp_with_time_zone("signed_at"))
                .primary_key(Index::create().col("org_id").col("seq"))
                .foreign_key(&mut fk("audit_checkpoints", "org_id", "orgs"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("audit_checkpoints").take()).await?;
        m.drop_table(Table::drop().table("instance_keys").take()).await
    }
}
