//! Policy changes that wait for a second person: when an organization's policy asks for it
//! (`spec.policyChanges.requireApproval`), an apply or a rollback is kept here until someone
//! else with `policy.write` approves it (it is then stored as versions) or rejects it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("policy_changes")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid_null("project_id"))
                .col(text("sources"))
                .col(string("hash"))
                .col(text("comment"))
                .col(big_integer("base_version"))
                .col(text("proposed_by"))
                .col(string("proposed_by_subject"))
                .col(string("status"))
                .col(text_null("decided_by"))
                .col(text("decision_comment"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("policy_changes", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("policy_changes", "org_status", &["org_id", "status"], false)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("policy_changes").take()).await
    }
}
