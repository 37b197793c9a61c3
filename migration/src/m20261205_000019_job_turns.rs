//! Workers take organizations in turn (`worker.fairness = "round_robin"`): the next claim
//! walks due jobs by organization, then age.

use sea_orm_migration::prelude::*;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index("jobs", "org_due", &["org_id", "run_at"], false)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_jobs_org_due").table("jobs").to_owned()).await
    }
}
