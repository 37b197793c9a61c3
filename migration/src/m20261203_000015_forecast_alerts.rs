//! Budget forecast alerts: whether today's forecast for a budget has been reported as running
//! out before the reset (`raised`), and whether it fell back since (`cleared`), so each is said
//! once a day.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("budget_days").add_column(string("forecast_alert").default("")).take()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("budget_days").drop_column("forecast_alert").take()).await
    }
}
