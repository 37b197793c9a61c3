//! Security hardening: service accounts carry a key policy (the longest a key of theirs may
//! live), and audit entries say which hash format covers them (version 2 also covers the
//! entry's id; entries written before keep version 1 and verify as they were written).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table("service_accounts").add_column(integer_null("max_key_lifetime_days")).take(),
        )
        .await?;
        m.alter_table(Table::alter().table("audit_events").add_column(integer("hash_version").default(1)).take())
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("audit_events").drop_column("hash_version").take()).await?;
        m.alter_table(Table::alter().table("service_accounts").drop_column("max_key_lifetime_days").take()).await?;
        Ok(())
    }
}
