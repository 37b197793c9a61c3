//! Outbound webhooks (endpoints, the delivery outbox and its attempts) and inbound triggers
//! (a request's `webhook-id` is its proposal's idempotency key, so replays need no table).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Bumped with every change to an organization's endpoints, under the chain head's row
        // lock that every audited write takes: writers learn whether their cached endpoints
        // are current without reading the endpoints.
        m.alter_table(
            Table::alter().table("audit_heads").add_column(big_integer("webhooks_version").default(0)).take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("webhook_endpoints")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid_null("project_id"))
                .col(text("url"))
                .col(text("description"))
                .col(text("events"))
                .col(boolean("enabled"))
                .col(text_null("disabled_reason"))
                .col(timestamp_with_time_zone_null("failing_since"))
                .col(timestamp_with_time_zone_null("previous_secret_until"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("webhook_endpoints", "org_id", "orgs"))
                .foreign_key(&mut fk("webhook_endpoints", "project_id", "projects"))
                .take(),
        )
        .await?;
        m.create_index(index("webhook_endpoints", "org", &["org_id", "enabled"], false)).await?;

        m.create_table(
            Table::create()
                .table("webhook_deliveries")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("endpoint_id"))
                .col(string("event_type"))
                .col(text("payload"))
                .col(string("status"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .foreign_key(&mut fk("webhook_deliveries", "org_id", "orgs"))
                // No foreign key to the endpoint: every delivery row is written inside the
                // transaction of the event it reports, and a key check would take a share lock
                // on the endpoint's row in each of them (on PostgreSQL a multixact once two
                // overlap), a hot row every audited write of the organization would line up
                // on. Deleting an endpoint deletes its deliveries itself.
                .take(),
        )
        .await?;
        m.create_index(index("webhook_deliveries", "due", &["status", "next_attempt_at"], false)).await?;
        m.create_index(index("webhook_deliveries", "endpoint", &["org_id", "endpoint_id", "id"], false)).await?;

        m.create_table(
            Table::create()
                .table("webhook_attempts")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("delivery_id"))
                .col(uuid("endpoint_id"))
                .col(timestamp_with_time_zone("attempted_at"))
                .col(integer_null("status_code"))
                .col(big_integer("latency_ms"))
                .col(text("response"))
                .col(boolean("succeeded"))
                .foreign_key(&mut fk("webhook_attempts", "org_id", "orgs"))
                .foreign_key(&mut fk("webhook_attempts", "delivery_id", "webhook_deliveries"))
                .take(),
        )
        .await?;
        m.create_index(index("webhook_attempts", "delivery", &["delivery_id", "attempted_at"], false)).await?;

        m.create_table(
            Table::create()
                .table("triggers")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("project_id"))
                .col(string("name"))
                .col(string("template"))
                .col(text("args"))
                .col(uuid("service_account_id"))
                .col(boolean("enabled"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("triggers", "org_id", "orgs"))
                .foreign_key(&mut fk("triggers", "project_id", "projects"))
                .foreign_key(&mut fk("triggers", "service_account_id", "service_accounts"))
                .take(),
        )
        .await?;
        m.create_index(index("triggers", "name", &["org_id", "project_id", "name"], true)).await?;

        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["triggers", "webhook_attempts", "webhook_deliveries", "webhook_endpoints"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        m.alter_table(Table::alter().table("audit_heads").drop_column("webhooks_version").take()).await?;
        Ok(())
    }
}
