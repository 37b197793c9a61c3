//! Webhook deliveries leave the events' transactions: the deliverer reads each organization's
//! audit chain from a cursor of its own (`webhook_cursors`) and writes the deliveries itself.
//! An entry keeps the project it happened in (which project-scoped endpoints hear of it), and
//! an endpoint the chain position it was made or enabled at (it hears nothing before).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("audit_events").add_column(uuid_null("project_id")).take()).await?;
        m.alter_table(Table::alter().table("webhook_endpoints").add_column(big_integer("from_seq").default(0)).take())
            .await?;
        m.create_table(
            Table::create()
                .table("webhook_cursors")
                .col(pk_uuid("org_id"))
                .col(big_integer("audit_seq"))
                .foreign_key(&mut fk("webhook_cursors", "org_id", "orgs"))
                .take(),
        )
        .await?;
        // Organizations that already have endpoints go on from where their chains are: what
        // came before was written to the outbox by the events themselves.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO webhook_cursors (org_id, audit_seq) SELECT h.org_id, h.seq FROM audit_heads h \
                 WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.org_id = h.org_id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("webhook_cursors").take()).await?;
        m.alter_table(Table::alter().table("webhook_endpoints").drop_column("from_seq").take()).await?;
        m.alter_table(Table::alter().table("audit_events").drop_column("project_id").take()).await
    }
}
