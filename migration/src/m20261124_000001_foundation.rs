//! Tenancy, principals, RBAC bindings, sessions and the per-org audit chain.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("orgs")
                .col(pk_uuid("id"))
                .col(string_uniq("slug"))
                .col(string("name"))
                .col(big_integer("rbac_version").default(0))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(pk_uuid("id"))
                .col(string_uniq("email"))
                .col(string("display_name"))
                .col(boolean("instance_admin").default(false))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("projects")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("slug"))
                .col(string("name"))
                .col(text("description"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("projects", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("projects", "org_slug", &["org_id", "slug"], true)).await?;

        m.create_table(
            Table::create()
                .table("groups")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("name"))
                .col(text("description"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("groups", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("groups", "org_name", &["org_id", "name"], true)).await?;

        m.create_table(
            Table::create()
                .table("group_members")
                .col(uuid("group_id"))
                .col(uuid("user_id"))
                .col(uuid("org_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("group_id").col("user_id"))
                .foreign_key(&mut fk("group_members", "group_id", "groups"))
                .foreign_key(&mut fk("group_members", "user_id", "users"))
                .foreign_key(&mut fk("group_members", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("group_members", "org_user", &["org_id", "user_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("service_accounts")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("name"))
                .col(text("description"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("service_accounts", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("service_accounts", "org_name", &["org_id", "name"], true)).await?;

        m.create_table(
            Table::create()
                .table("api_keys")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid_null("owner_user_id"))
                .col(uuid_null("owner_service_account_id"))
                .col(string("name"))
                .col(string("display_prefix"))
                .col(string_uniq("secret_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk("api_keys", "org_id", "orgs"))
                .foreign_key(&mut fk("api_keys", "owner_user_id", "users"))
                .foreign_key(&mut fk("api_keys", "owner_service_account_id", "service_accounts"))
                .take(),
        )
        .await?;
        m.create_index(index("api_keys", "org", &["org_id", "id"], false)).await?;

        m.create_table(
            Table::create()
                .table("role_bindings")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("subject_kind"))
                .col(uuid("subject_id"))
                .col(string("role"))
                .col(string("domain"))
                .col(uuid_null("project_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("role_bindings", "org_id", "orgs"))
                .foreign_key(&mut fk("role_bindings", "project_id", "projects"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "role_bindings",
            "unique_grant",
            &["org_id", "subject_kind", "subject_id", "role", "domain"],
            true,
        ))
        .await?;
        m.create_index(index("role_bindings", "subject", &["subject_kind", "subject_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("user_sessions")
                .col(string("token_hash").primary_key())
                .col(uuid("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(&mut fk("user_sessions", "user_id", "users"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("audit_events")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(big_integer("seq"))
                .col(timestamp_with_time_zone("occurred_at"))
                .col(string("request_id"))
                .col(text("actor"))
                .col(string("kind"))
                .col(string("subject"))
                .col(text("payload"))
                .col(string("prev_hash"))
                .col(string("hash"))
                .foreign_key(&mut fk("audit_events", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("audit_events", "org_seq", &["org_id", "seq"], true)).await?;

        m.create_table(
            Table::create()
                .table("audit_heads")
                .col(uuid("org_id").primary_key())
                .col(big_integer("seq"))
                .col(string("hash"))
                .foreign_key(
                    &mut ForeignKey::create()
                        .name("fk_audit_heads_org_id")
                        .from("audit_heads", "org_id")
                        .to("orgs", "id")
                        .on_delete(ForeignKeyAction::Cascade)
                        .take(),
                )
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "audit_heads",
            "audit_events",
            "user_sessions",
            "role_bindings",
            "api_keys",
            "service_accounts",
            "group_members",
            "groups",
            "projects",
            "users",
            "orgs",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
