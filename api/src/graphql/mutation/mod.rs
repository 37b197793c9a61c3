//! Mutations, one file per domain, merged.

mod accounts;
mod agents;
mod api_keys;
mod chat;
mod governance;
mod groups;
mod identity;
mod notifications;
mod orgs;
mod plans;
mod policies;
mod policy_packs;
mod projects;
mod roles;
mod schedules;
mod secrets;
mod triggers;
mod webhooks;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Mutation(
    orgs::OrgMutation,
    projects::ProjectMutation,
    groups::GroupMutation,
    roles::RoleMutation,
    api_keys::ApiKeyMutation,
    plans::PlanMutation,
    policies::PolicyMutation,
    policy_packs::PolicyPackMutation,
    governance::GovernanceMutation,
    chat::ChatMutation,
    agents::AgentMutation,
    secrets::SecretMutation,
    webhooks::WebhookMutation,
    triggers::TriggerMutation,
    schedules::ScheduleMutation,
    identity::IdentityMutation,
    accounts::AccountMutation,
    notifications::NotificationMutation,
);
