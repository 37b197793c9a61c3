//! Chat: sessions with their memory, the per-session event log that subscriptions replay,
//! agents (planner identities with a role), which agents take part in each project and how
//! their proposals are arbitrated, and the link from a plan to the session it came from.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("chat_sessions")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("project_id"))
                .col(string("title"))
                .col(string("created_by"))
                .col(text("created_by_actor"))
                .col(text("memory"))
                .col(uuid_null("current_plan_id"))
                .col(big_integer_null("pending_choice_seq"))
                .col(big_integer("last_seq").default(0))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("chat_sessions", "org_id", "orgs"))
                .foreign_key(&mut fk("chat_sessions", "project_id", "projects"))
                .take(),
        )
        .await?;
        m.create_index(index("chat_sessions", "project", &["org_id", "project_id", "id"], false)).await?;

        // The durable log a subscription replays from: (session, seq) is unique and dense.
        m.create_table(
            Table::create()
                .table("chat_events")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("session_id"))
                .col(big_integer("seq"))
                .col(string("kind"))
                .col(uuid_null("plan_id"))
                .col(text("data"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("chat_events", "org_id", "orgs"))
                .foreign_key(&mut fk("chat_events", "session_id", "chat_sessions"))
                .take(),
        )
        .await?;
        m.create_index(index("chat_events", "session_seq", &["session_id", "seq"], true)).await?;

        m.create_table(
            Table::create()
                .table("agents")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string("name"))
                .col(text("description"))
                .col(string("planner"))
                .col(text("role"))
                .col(boolean("enabled").default(true))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("agents", "org_id", "orgs"))
                .take(),
        )
        .await?;
        m.create_index(index("agents", "org_name", &["org_id", "name"], true)).await?;

        m.create_table(
            Table::create()
                .table("project_agents")
                .col(uuid("project_id"))
                .col(uuid("agent_id"))
                .col(uuid("org_id"))
                .col(integer("position"))
                .primary_key(Index::create().col("project_id").col("agent_id"))
                .foreign_key(&mut fk("project_agents", "org_id", "orgs"))
                .foreign_key(&mut fk("project_agents", "project_id", "projects"))
                .foreign_key(&mut fk("project_agents", "agent_id", "agents"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("chat_settings")
                .col(uuid("project_id").primary_key())
                .col(uuid("org_id"))
                .col(string("strategy"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("chat_settings", "org_id", "orgs"))
                .foreign_key(&mut fk("chat_settings", "project_id", "projects"))
                .take(),
        )
        .await?;

        // No foreign key: SQLite cannot add one to an existing table. The session is only ever
        // read through the plan's own organization.
        m.alter_table(Table::alter().table("plans").add_column(uuid_null("chat_session_id")).take()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("plans").drop_column("chat_session_id").take()).await?;
        for t in ["chat_settings", "project_agents", "agents", "chat_events", "chat_sessions"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
