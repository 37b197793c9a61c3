//! A second factor for local accounts (TOTP, with single-use recovery codes), an organization's
//! choice to admit people by its identity providers only, and how each session began (so that
//! choice can hold sessions begun with a password out of it).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The authenticator's secret, sealed under a master key (people belong to no one
        // organization, so no organization's data key) with the key's id beside it.
        for column in [
            string_null("totp_kek_id"),
            text_null("totp_secret"),
            timestamp_with_time_zone_null("totp_enabled_at"),
            big_integer_null("totp_last_step"),
            text_null("recovery_codes"),
        ] {
            let mut column = column;
            m.alter_table(Table::alter().table("local_credentials").add_column(&mut column).take()).await?;
        }
        m.alter_table(Table::alter().table("orgs").add_column(boolean("local_accounts").default(true)).take()).await?;
        m.alter_table(Table::alter().table("user_sessions").add_column(string("method").default("password")).take())
            .await?;
        // Sessions begun at a provider before this column existed.
        let update = Query::update()
            .table("user_sessions")
            .value("method", "provider")
            .and_where(Expr::col("provider_id").is_not_null())
            .to_owned();
        m.exec_stmt(update).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("user_sessions").drop_column("method").take()).await?;
        m.alter_table(Table::alter().table("orgs").drop_column("local_accounts").take()).await?;
        for c in ["recovery_codes", "totp_last_step", "totp_enabled_at", "totp_secret", "totp_kek_id"] {
            m.alter_table(Table::alter().table("local_credentials").drop_column(c).take()).await?;
        }
        Ok(())
    }
}
