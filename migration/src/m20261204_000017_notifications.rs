//! Notifications: what people are told of (approvals waiting on them, their plans decided or
//! finished, access requests, kill switches), in the app and by e-mail. The notifier reads each
//! organization's audit chain from a cursor of its own (`notification_cursors`), as the webhook
//! deliverer does, and writes the notifications and the e-mails to send (`emails`) in one
//! transaction with the cursor's move. People choose per category whether to be e-mailed
//! (`notification_settings`).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("notifications")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("user_id"))
                .col(big_integer("audit_seq"))
                .col(string("kind"))
                .col(string("category"))
                .col(text("title"))
                .col(text("body"))
                .col(text("link"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("read_at"))
                .foreign_key(&mut fk("notifications", "org_id", "orgs"))
                .foreign_key(&mut fk("notifications", "user_id", "users"))
                .take(),
        )
        .await?;
        // One notification per person per audit entry, whoever writes it.
        m.create_index(index("notifications", "entry_user", &["org_id", "audit_seq", "user_id"], true)).await?;
        m.create_index(index("notifications", "user_read", &["user_id", "read_at"], false)).await?;
        m.create_table(
            Table::create()
                .table("notification_cursors")
                .col(pk_uuid("org_id"))
                .col(big_integer("audit_seq"))
                .foreign_key(&mut fk("notification_cursors", "org_id", "orgs"))
                .take(),
        )
        .await?;
        // Organizations go on from where their chains are: nobody is told of the past.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO notification_cursors (org_id, audit_seq) SELECT org_id, seq FROM audit_heads",
            )
            .await?;
        m.create_table(
            Table::create()
                .table("notification_settings")
                .col(pk_uuid("user_id"))
                .col(text("email_off"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("notification_settings", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("emails")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("user_id"))
                .col(uuid("notification_id"))
                .col(text("to_address"))
                .col(text("subject"))
                .col(text("body"))
                .col(string("status"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .foreign_key(&mut fk("emails", "org_id", "orgs"))
                .foreign_key(&mut fk("emails", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(index("emails", "due", &["status", "next_attempt_at"], false)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["emails", "notification_settings", "notification_cursors", "notifications"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
