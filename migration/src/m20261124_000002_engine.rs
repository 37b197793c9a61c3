//! Plans, their event logs, approvals, project state, the job queue, recorded decisions and
//! policy versions.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("policy_versions")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid_null("project_id"))
                .col(string("scope"))
                .col(string("label"))
                .col(big_integer("version"))
                .col(string("hash"))
                .col(text("sources"))
                .col(text("author"))
                .col(text("diff"))
                .col(text("comment"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("policy_versions", "org_id", "orgs"))
                .foreign_key(&mut fk("policy_versions", "project_id", "projects"))
                .take(),
        )
        .await?;
        m.create_index(index("policy_versions", "scope_version", &["org_id", "scope", "version"], true)).await?;

        m.create_table(
            Table::create()
                .table("plans")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("project_id"))
                .col(string("title"))
                .col(string("status"))
                .col(string("verdict"))
                .col(string("plan_hash"))
                .col(string("policy_version"))
                .col(text("steps"))
                .col(text("preview"))
                .col(text("approval_stages"))
                .col(integer("current_stage").default(0))
                .col(string_null("template"))
                .col(text_null("template_args"))
                .col(string_null("idempotency_key"))
                .col(boolean("run_when_approved").default(false))
                .col(text("proposer"))
                .col(string("proposer_subject"))
                .col(string_null("on_behalf_of"))
                .col(double("cost"))
                .col(string("risk"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(string_null("state_hash"))
                .col(text_null("error"))
                .col(integer("next_step").default(0))
                .col(big_integer("event_count").default(0))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("plans", "org_id", "orgs"))
                .foreign_key(&mut fk("plans", "project_id", "projects"))
                .take(),
        )
        .await?;
        m.create_index(index("plans", "project_idem", &["project_id", "idempotency_key"], true)).await?;
        m.create_index(index("plans", "org_project", &["org_id", "project_id", "id"], false)).await?;
        m.create_index(index("plans", "status", &["org_id", "status"], false)).await?;

        m.create_table(
            Table::create()
                .table("plan_events")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("project_id"))
                .col(uuid("plan_id"))
                .col(big_integer("seq"))
                .col(big_integer_null("project_seq"))
                .col(string("kind"))
                .col(text("data"))
                .col(string_null("state_hash"))
                .col(timestamp_with_time_zone("occurred_at"))
                .foreign_key(&mut fk("plan_events", "org_id", "orgs"))
                .foreign_key(&mut fk("plan_events", "plan_id", "plans"))
                .take(),
        )
        .await?;
        m.create_index(index("plan_events", "plan_seq", &["plan_id", "seq"], true)).await?;
        m.create_index(index("plan_events", "project_seq", &["project_id", "project_seq"], true)).await?;

        m.create_table(
            Table::create()
                .table("approvals")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("plan_id"))
                .col(integer("stage"))
                .col(string("approver_subject"))
                .col(string("approver_name"))
                .col(string("decision"))
                .col(text("comment"))
                .col(string("plan_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("approvals", "org_id", "orgs"))
                .foreign_key(&mut fk("approvals", "plan_id", "plans"))
                .take(),
        )
        .await?;
        m.create_index(index("approvals", "plan_stage_approver", &["plan_id", "stage", "approver_subject"], true))
            .await?;

        m.create_table(
            Table::create()
                .table("project_states")
                .col(uuid("project_id").primary_key())
                .col(uuid("org_id"))
                .col(text("state"))
                .col(string("state_hash"))
                .col(big_integer("project_seq").default(0))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("project_states", "org_id", "orgs"))
                .foreign_key(&mut fk("project_states", "project_id", "projects"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("jobs")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("plan_id"))
                .col(string("kind"))
                .col(timestamp_with_time_zone("run_at"))
                .col(string_null("locked_by"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(integer("attempts").default(0))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("jobs", "org_id", "orgs"))
                .foreign_key(&mut fk("jobs", "plan_id", "plans"))
                .take(),
        )
        .await?;
        m.create_index(index("jobs", "due", &["run_at"], false)).await?;
        m.create_index(index("jobs", "plan", &["plan_id"], true)).await?;

        m.create_table(
            Table::create()
                .table("project_leases")
                .col(uuid("project_id").primary_key())
                .col(string("holder"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(&mut fk("project_leases", "project_id", "projects"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("decisions")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("project_id"))
                .col(uuid_null("plan_id"))
                .col(string("step_id"))
                .col(string("action"))
                .col(text("input"))
                .col(string("policy_version"))
                .col(string("phase"))
                .col(string("verdict"))
                .col(text("reasons"))
                .col(timestamp_with_time_zone("decided_at"))
                .foreign_key(&mut fk("decisions", "org_id", "orgs"))
                .foreign_key(&mut fk("decisions", "project_id", "projects"))
                .take(),
        )
        .await?;
        m.create_index(index("decisions", "project_time", &["org_id", "project_id", "decided_at"], false)).await?;
        m.create_index(index("decisions", "plan", &["plan_id"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "decisions",
            "project_leases",
            "jobs",
            "project_states",
            "approvals",
            "plan_events",
            "plans",
            "policy_versions",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
