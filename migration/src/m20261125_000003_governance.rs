//! Governance state: kill switches, rate-limit hits, daily budget ledgers and reservations,
//! time-boxed role grants, autonomy pauses on projects, and the unattended flag on plans.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One row per scope (`global`, `org:<id>`, `project:<id>`), updated on engage and
        // release; the history is in the audit chain.
        m.create_table(
            Table::create()
                .table("kill_switches")
                .col(pk_uuid("id"))
                .col(string_uniq("scope_key"))
                .col(string("scope"))
                .col(uuid_null("org_id"))
                .col(uuid_null("project_id"))
                .col(boolean("engaged").default(false))
                .col(text("reason"))
                .col(text("actor"))
                .col(timestamp_with_time_zone_null("engaged_at"))
                .col(timestamp_with_time_zone_null("released_at"))
                .col(string_null("release_mode"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("kill_switches", "org_id", "orgs"))
                .foreign_key(&mut fk("kill_switches", "project_id", "projects"))
                .take(),
        )
        .await?;

        // Admitted invocations counted by rate limits: one row per hit, pruned past an hour.
        m.create_table(
            Table::create()
                .table("rate_hits")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("key"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk("rate_hits", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("rate_hits", "key_at", &["key", "at"], false)).await?;
        m.create_index(index("rate_hits", "at", &["at"], false)).await?;

        // One ledger row per budget scope (`org` or a project id) and local day.
        m.create_table(
            Table::create()
                .table("budget_days")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("scope"))
                .col(uuid_null("project_id"))
                .col(string("day"))
                .col(double("spent").default(0.0))
                .col(double("reserved").default(0.0))
                .col(text("alerts"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("budget_days", "org_id", "orgs"))
                .foreign_key(&mut fk("budget_days", "project_id", "projects"))
                .take(),
        )
        .await?;
        m.create_index(index("budget_days", "scope_day", &["org_id", "scope", "day"], true)).await?;

        // What a queued plan still holds of its budgets.
        m.create_table(
            Table::create()
                .table("budget_reservations")
                .col(uuid("plan_id").primary_key())
                .col(uuid("org_id"))
                .col(uuid("project_id"))
                .col(string("project_day"))
                .col(string("org_day"))
                .col(double("amount"))
                .col(double("estimated"))
                .col(double("settled").default(0.0))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("budget_reservations", "org_id", "orgs"))
                .foreign_key(&mut fk("budget_reservations", "plan_id", "plans"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("role_grants")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("subject_kind"))
                .col(uuid("subject_id"))
                .col(string("subject_label"))
                .col(string("role"))
                .col(string("domain"))
                .col(uuid_null("project_id"))
                .col(timestamp_with_time_zone("valid_from"))
                .col(timestamp_with_time_zone("valid_until"))
                .col(text("reason"))
                .col(string("status"))
                .col(text("requested_by"))
                .col(string("requested_by_subject"))
                .col(text_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("role_grants", "org_id", "orgs"))
                .foreign_key(&mut fk("role_grants", "project_id", "projects"))
                .take(),
        )
        .await?;
        m.create_index(index("role_grants", "org_status", &["org_id", "status", "valid_until"], false)).await?;

        m.alter_table(
            Table::alter().table("projects").add_column(timestamp_with_time_zone_null("autonomy_paused_at")).take(),
        )
        .await?;
        m.alter_table(Table::alter().table("projects").add_column(text_null("autonomy_pause")).take()).await?;
        m.alter_table(Table::alter().table("plans").add_column(boolean("unattended").default(false)).take()).await?;
        m.create_index(index("plans", "project_created", &["project_id", "created_at"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_plans_project_created").table("plans").to_owned()).await?;
        m.alter_table(Table::alter().table("plans").drop_column("unattended").take()).await?;
        m.alter_table(Table::alter().table("projects").drop_column("autonomy_pause").take()).await?;
        m.alter_table(Table::alter().table("projects").drop_column("autonomy_paused_at").take()).await?;
        for t in ["role_grants", "budget_reservations", "budget_days", "rate_hits", "kill_switches"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
