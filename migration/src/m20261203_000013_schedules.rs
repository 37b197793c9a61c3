//! Scheduled plans: a project's plan template proposed on a cron schedule in a time zone, as a
//! service account. The slot due next is kept on the row, so finding what is due is one indexed
//! read; each slot is claimed in `scheduled_runs` like the scheduler's own jobs.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("schedules")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("project_id"))
                .col(string("name"))
                .col(string("cron"))
                .col(string("timezone"))
                .col(string("template"))
                .col(text("args"))
                .col(string("overlap"))
                .col(boolean("catch_up"))
                .col(uuid("service_account_id"))
                .col(boolean("paused"))
                .col(timestamp_with_time_zone_null("next_run_at"))
                .col(timestamp_with_time_zone_null("last_slot"))
                .col(uuid_null("last_plan_id"))
                .col(text("last_outcome"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("schedules", "org_id", "orgs"))
                .foreign_key(&mut fk("schedules", "project_id", "projects"))
                .foreign_key(&mut fk("schedules", "service_account_id", "service_accounts"))
                .take(),
        )
        .await?;
        m.create_index(index("schedules", "name", &["org_id", "project_id", "name"], true)).await?;
        m.create_index(index("schedules", "due", &["paused", "next_run_at"], false)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("schedules").take()).await
    }
}
