//! Row-level security on PostgreSQL: every tenant table shows a statement only the rows of the
//! organization its transaction names (`SET LOCAL praetor.org_id`), or of every organization
//! when it names the housekeeping job that crosses them (`praetor.across`). FORCED, so the
//! tables' owner is held to it too (superusers and `BYPASSRLS` roles are not: the server
//! should sign in as neither). Without either setting a statement sees nothing and may write
//! nothing. This is on top of the store's own scoped queries, not instead of them.
//! SQLite has no row security: nothing changes there.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every tenant table and the column that names its organization (the store's
/// `tenant_tables()`; a test checks the two agree with the database).
pub const TENANT_TABLES: [(&str, &str); 48] = [
    ("orgs", "id"),
    ("projects", "org_id"),
    ("groups", "org_id"),
    ("group_members", "org_id"),
    ("service_accounts", "org_id"),
    ("api_keys", "org_id"),
    ("role_bindings", "org_id"),
    ("audit_events", "org_id"),
    ("audit_heads", "org_id"),
    ("policy_versions", "org_id"),
    ("plans", "org_id"),
    ("plan_events", "org_id"),
    ("approvals", "org_id"),
    ("project_states", "org_id"),
    ("jobs", "org_id"),
    ("decisions", "org_id"),
    ("rate_hits", "org_id"),
    ("budget_days", "org_id"),
    ("budget_reservations", "org_id"),
    ("role_grants", "org_id"),
    ("chat_sessions", "org_id"),
    ("chat_events", "org_id"),
    ("agents", "org_id"),
    ("project_agents", "org_id"),
    ("chat_settings", "org_id"),
    ("identity_providers", "org_id"),
    ("oidc_logins", "org_id"),
    ("external_identities", "org_id"),
    ("idp_group_mappings", "org_id"),
    ("idp_client_bindings", "org_id"),
    ("invitations", "org_id"),
    ("data_keys", "org_id"),
    ("secrets", "org_id"),
    ("webhook_endpoints", "org_id"),
    ("webhook_deliveries", "org_id"),
    ("webhook_attempts", "org_id"),
    ("webhook_cursors", "org_id"),
    ("triggers", "org_id"),
    ("schedules", "org_id"),
    ("rollups", "org_id"),
    ("rollup_marks", "org_id"),
    ("notifications", "org_id"),
    ("notification_cursors", "org_id"),
    ("emails", "org_id"),
    ("policy_changes", "org_id"),
    ("audit_checkpoints", "org_id"),
    ("policy_pack_subscriptions", "org_id"),
    ("org_parents", "org_id"),
];

/// The policy's name on every tenant table.
pub const POLICY: &str = "tenant_isolation";

/// The rows a statement may see and write: its organization's, or every one's for a named
/// housekeeping job.
pub fn policy_expression(column: &str) -> String {
    format!(
        "{column} = NULLIF(current_setting('praetor.org_id', true), '')::uuid \
         OR COALESCE(current_setting('praetor.across', true), '') <> ''"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for (table, column) in TENANT_TABLES {
            let using = policy_expression(column);
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; \
                 ALTER TABLE {table} FORCE ROW LEVEL SECURITY; \
                 CREATE POLICY {POLICY} ON {table} USING ({using})"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for (table, _) in TENANT_TABLES {
            db.execute_unprepared(&format!(
                "DROP POLICY IF EXISTS {POLICY} ON {table}; \
                 ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; \
                 ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"
            ))
            .await?;
        }
        Ok(())
    }
}
