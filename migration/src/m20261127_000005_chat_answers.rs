//! Answers in progress: a session remembers the last message waiting for its answer and until
//! when the node answering it holds it (renewed while it works). An answer whose holder stopped
//! (a crash) is ended by any node once the hold lapses, instead of leaving the person waiting.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("chat_sessions").add_column(big_integer_null("answering_seq")).take())
            .await?;
        m.alter_table(
            Table::alter().table("chat_sessions").add_column(timestamp_with_time_zone_null("answering_until")).take(),
        )
        .await?;
        m.create_index(index("chat_sessions", "answering", &["answering_until"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_chat_sessions_answering").table("chat_sessions").to_owned()).await?;
        m.alter_table(Table::alter().table("chat_sessions").drop_column("answering_until").take()).await?;
        m.alter_table(Table::alter().table("chat_sessions").drop_column("answering_seq").take()).await?;
        Ok(())
    }
}
