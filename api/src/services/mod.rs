//! Use cases. A service function owns its transaction, its authorization check (it takes a
//! [`crate::authz::Permit`] or proves membership itself) and its audit entries, all in that one
//! transaction; resolvers and CLI commands stay thin.

pub mod accounts;
pub mod agents;
pub mod api_keys;
pub mod approvals;
pub mod audit_log;
pub mod autonomy;
pub mod budget_advice;
pub mod checkpoints;
pub mod forecasts;
pub mod governance;
pub mod grants;
pub mod groups;
pub mod identity;
pub mod kill_switches;
pub mod locate;
pub mod members;
pub mod notifications;
pub mod orgs;
pub mod page;
pub mod plans;
pub mod policies;
pub mod policy_packs;
pub mod projects;
pub mod roles;
pub mod rollups;
pub mod schedules;
pub mod secrets;
pub mod service_accounts;
pub mod setup;
pub mod triggers;
pub mod users;
pub mod validate;
pub mod webhook_delivery;
pub mod webhooks;
