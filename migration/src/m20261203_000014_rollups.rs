//! Rollups: an organization's activity summed per scope (a project, the organization outside
//! any project, or all of it) and per hour and UTC day, folded from its audit chain from the
//! position it reached last (`rollup_marks`), so no run rescans history.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("rollups")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("scope"))
                .col(string("granularity"))
                .col(timestamp_with_time_zone("bucket_start"))
                .col(text("data"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("rollups", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("rollups", "bucket", &["org_id", "scope", "granularity", "bucket_start"], true)).await?;
        m.create_table(
            Table::create()
                .table("rollup_marks")
                .col(pk_uuid("org_id"))
                .col(big_integer("audit_seq"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("rollup_marks", "org_id", "orgs"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["rollup_marks", "rollups"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
