//! Sign-in through organizations' identity providers (OIDC): the providers, sign-ins under
//! way, the identities they vouch for, their groups mapped onto Praetor groups, and the clients
//! whose tokens act as service accounts. Memberships synced from a provider say so, and a
//! session begun at an organization's provider is held to that organization. Local accounts
//! for installations without a provider: passwords (argon2id) and invitation links.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("identity_providers")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("name"))
                .col(text("issuer"))
                .col(text("client_id"))
                .col(text("scopes"))
                .col(string("groups_claim"))
                .col(text("allowed_domains"))
                .col(boolean("create_users"))
                .col(text_null("api_audience"))
                .col(boolean("enabled"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("identity_providers", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("identity_providers", "name", &["org_id", "name"], true)).await?;
        m.create_index(index("identity_providers", "issuer", &["issuer"], false)).await?;

        m.create_table(
            Table::create()
                .table("oidc_logins")
                .col(string("state_hash").primary_key())
                .col(uuid("org_id"))
                .col(uuid("provider_id"))
                .col(text("nonce"))
                .col(text("pkce_verifier"))
                .col(string("browser_hash"))
                .col(text("return_to"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(&mut fk("oidc_logins", "org_id", "orgs"))
                .foreign_key(&mut fk("oidc_logins", "provider_id", "identity_providers"))
                .take(),
        )
        .await?;
        m.create_index(index("oidc_logins", "expires", &["expires_at"], false)).await?;

        m.create_table(
            Table::create()
                .table("external_identities")
                .col(uuid("provider_id"))
                .col(text("subject"))
                .col(uuid("org_id"))
                .col(uuid("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .primary_key(Index::create().col("provider_id").col("subject"))
                .foreign_key(&mut fk("external_identities", "org_id", "orgs"))
                .foreign_key(&mut fk("external_identities", "provider_id", "identity_providers"))
                .foreign_key(&mut fk("external_identities", "user_id", "users"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("idp_group_mappings")
                .col(uuid("provider_id"))
                .col(text("claim_value"))
                .col(uuid("group_id"))
                .col(uuid("org_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("provider_id").col("claim_value").col("group_id"))
                .foreign_key(&mut fk("idp_group_mappings", "org_id", "orgs"))
                .foreign_key(&mut fk("idp_group_mappings", "provider_id", "identity_providers"))
                .foreign_key(&mut fk("idp_group_mappings", "group_id", "groups"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("idp_client_bindings")
                .col(uuid("provider_id"))
                .col(text("client_id"))
                .col(uuid("org_id"))
                .col(uuid("service_account_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("provider_id").col("client_id"))
                .foreign_key(&mut fk("idp_client_bindings", "org_id", "orgs"))
                .foreign_key(&mut fk("idp_client_bindings", "provider_id", "identity_providers"))
                .foreign_key(&mut fk("idp_client_bindings", "service_account_id", "service_accounts"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("local_credentials")
                .col(uuid("user_id").primary_key())
                .col(text("password_hash"))
                .col(timestamp_with_time_zone("set_at"))
                .col(integer("failed_count"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .foreign_key(&mut fk("local_credentials", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("invitations")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("email"))
                .col(string("purpose"))
                .col(string_null("role"))
                .col(uuid_null("project_id"))
                .col(string("token_hash"))
                .col(text("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .foreign_key(&mut fk("invitations", "org_id", "orgs"))
                .foreign_key(&mut fk("invitations", "project_id", "projects"))
                .take(),
        )
        .await?;
        m.create_index(index("invitations", "token", &["token_hash"], true)).await?;

        // The provider a membership was synced from; none for one an admin made.
        m.alter_table(Table::alter().table("group_members").add_column(uuid_null("source")).take()).await?;
        // A session begun at an organization's provider enters that organization only.
        m.alter_table(Table::alter().table("user_sessions").add_column(uuid_null("org_id")).take()).await?;
        m.alter_table(Table::alter().table("user_sessions").add_column(uuid_null("provider_id")).take()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("user_sessions").drop_column("provider_id").take()).await?;
        m.alter_table(Table::alter().table("user_sessions").drop_column("org_id").take()).await?;
        m.alter_table(Table::alter().table("group_members").drop_column("source").take()).await?;
        for t in
            ["idp_client_bindings", "idp_group_mappings", "external_identities", "oidc_logins", "identity_providers"]
        {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
