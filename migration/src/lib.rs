//! Database migrations. Every migration is written with the portable schema builder so that the
//! same steps run on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_foundation;
mod m20261124_000002_engine;
mod m20261125_000003_governance;
mod m20261126_000004_chat;
mod m20261127_000005_chat_answers;
mod m20261202_000006_security;
mod m20261202_000007_secrets;
mod m20261202_000008_webhooks;
mod m20261202_000009_identity;
mod m20261202_000010_second_factor;
mod m20261202_000011_device_client;
mod m20261202_000012_scheduler;
mod m20261203_000013_schedules;
mod m20261203_000014_rollups;
mod m20261203_000015_forecast_alerts;
mod m20261203_000016_webhook_cursors;
mod m20261204_000017_notifications;
mod m20261204_000018_policy_changes;
mod m20261205_000019_job_turns;
mod m20261205_000020_audit_checkpoints;
mod m20261206_000021_policy_packs;
pub mod m20261207_000022_row_level_security;
mod util;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_foundation::Migration),
            Box::new(m20261124_000002_engine::Migration),
            Box::new(m20261125_000003_governance::Migration),
            Box::new(m20261126_000004_chat::Migration),
            Box::new(m20261127_000005_chat_answers::Migration),
            Box::new(m20261202_000006_security::Migration),
            Box::new(m20261202_000007_secrets::Migration),
            Box::new(m20261202_000008_webhooks::Migration),
            Box::new(m20261202_000009_identity::Migration),
            Box::new(m20261202_000010_second_factor::Migration),
            Box::new(m20261202_000011_device_client::Migration),
            Box::new(m20261202_000012_scheduler::Migration),
            Box::new(m20261203_000013_schedules::Migration),
            Box::new(m20261203_000014_rollups::Migration),
            Box::new(m20261203_000015_forecast_alerts::Migration),
            Box::new(m20261203_000016_webhook_cursors::Migration),
            Box::new(m20261204_000017_notifications::Migration),
            Box::new(m20261204_000018_policy_changes::Migration),
            Box::new(m20261205_000019_job_turns::Migration),
            Box::new(m20261205_000020_audit_checkpoints::Migration),
            Box::new(m20261206_000021_policy_packs::Migration),
            Box::new(m20261207_000022_row_level_security::Migration),
        ]
    }
}
