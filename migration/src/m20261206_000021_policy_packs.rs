//! Policy packs: versioned policy documents published by the instance's administrators (or by
//! a parent organization for its children), and each organization's subscription to a pack,
//! pinned to a version or following the latest. Packs and their versions belong to no one
//! organization (like a reference table); subscriptions and parent links are tenant rows.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("policy_packs")
                .col(uuid("id").primary_key())
                .col(string("name").unique_key())
                .col(string("title"))
                .col(text("description"))
                .col(uuid_null("owner_org_id"))
                .col(text("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("policy_pack_versions")
                .col(uuid("id").primary_key())
                .col(uuid("pack_id"))
                .col(big_integer("version"))
                .col(string("hash"))
                .col(text("sources"))
                .col(text("notes"))
                .col(text("published_by"))
                .col(timestamp_with_time_zone("published_at"))
                .col(timestamp_with_time_zone("effective_at"))
                .foreign_key(&mut fk("policy_pack_versions", "pack_id", "policy_packs"))
                .take(),
        )
        .await?;
        m.create_index(index("policy_pack_versions", "pack_version", &["pack_id", "version"], true)).await?;
        m.create_table(
            Table::create()
                .table("policy_pack_subscriptions")
                .col(uuid("org_id"))
                .col(uuid("pack_id"))
                .col(string("pack_name"))
                .col(big_integer_null("pinned_version"))
                .col(big_integer("version_in_force"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("org_id").col("pack_id"))
                .foreign_key(&mut fk("policy_pack_subscriptions", "org_id", "orgs"))
                .foreign_key(&mut fk("policy_pack_subscriptions", "pack_id", "policy_packs"))
                .take(),
        )
        .await?;
        m.create_index(index("policy_pack_subscriptions", "pack", &["pack_id"], false)).await?;
        m.create_table(
            Table::create()
                .table("org_parents")
                .col(uuid("org_id").primary_key())
                .col(uuid("parent_org_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("org_parents", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("org_parents", "parent", &["parent_org_id"], false)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("org_parents").take()).await?;
        m.drop_table(Table::drop().table("policy_pack_subscriptions").take()).await?;
        m.drop_table(Table::drop().table("policy_pack_versions").take()).await?;
        m.drop_table(Table::drop().table("policy_packs").take()).await
    }
}
