//! The scheduler's slots: one row per job and due instant, claimed by the node that runs it
//! (the unique key is what makes a slot run once however many nodes are up), with how it went.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("scheduled_runs")
                .col(pk_uuid("id"))
                .col(string("job"))
                .col(timestamp_with_time_zone("slot"))
                .col(string("node"))
                .col(string("status"))
                .col(integer("attempts"))
                .col(big_integer("missed_slots"))
                .col(timestamp_with_time_zone("claimed_at"))
                .col(timestamp_with_time_zone_null("lease_until"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .col(big_integer_null("duration_ms"))
                .col(text("detail"))
                .take(),
        )
        .await?;
        m.create_index(index("scheduled_runs", "slot", &["job", "slot"], true)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("scheduled_runs").take()).await
    }
}
