//! The operations RBAC decides, one type each. A [`super::Permit`] carries its operation in its
//! type, so a service that needs `Permit<PlanApprove>` cannot be handed a permit for
//! `group.create`: the mistake does not compile. (`action.invoke:<action>` is decided per
//! action inside the decision pipeline and by [`super::OrgAccess::may_invoke`].)
//!
//! ```
//! use praetor::authz::{Permit, ops};
//! fn create_group(_: &Permit<ops::GroupCreate>) {}
//! fn handler(p: &Permit<ops::GroupCreate>) { create_group(p) }
//! ```
//!
//! ```compile_fail
//! use praetor::authz::{Permit, ops};
//! fn create_group(_: &Permit<ops::GroupCreate>) {}
//! fn handler(p: &Permit<ops::PlanApprove>) { create_group(p) }
//! ```

/// An operation that can be granted: its name as written in RBAC rules.
pub trait Operation: 'static {
    const NAME: &'static str;
}

macro_rules! operations {
    ($($(#[$doc:meta])* $ty:ident => $name:literal,)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $ty;
            impl Operation for $ty {
                const NAME: &'static str = $name;
            }
        )*
        /// Every operation name, for checks of the built-in role table.
        pub const ALL: &[&str] = &[$($name),*];
    };
}

operations! {
    /// See the organization at all (members only).
    OrgRead => "org.read",
    ProjectRead => "project.read",
    ProjectCreate => "project.create",
    /// Choose a project's agents and arbitration.
    ProjectAgents => "project.agents",
    PlanRead => "plan.read",
    PlanPropose => "plan.propose",
    PlanApprove => "plan.approve",
    PlanReject => "plan.reject",
    PlanExecute => "plan.execute",
    PlanCancel => "plan.cancel",
    ChatRead => "chat.read",
    ChatWrite => "chat.write",
    PolicyRead => "policy.read",
    PolicyWrite => "policy.write",
    StateRead => "state.read",
    RoleRead => "role.read",
    /// Bind and unbind roles, grant them for a while, answer grant requests.
    RoleBind => "role.bind",
    GroupRead => "group.read",
    GroupCreate => "group.create",
    /// Add and remove members.
    GroupManage => "group.manage",
    AuditRead => "audit.read",
    ApiKeyRead => "api_key.read",
    ApiKeyCreate => "api_key.create",
    ApiKeyRevoke => "api_key.revoke",
    /// Set, replace and delete the organization's secrets, and see their names and
    /// fingerprints (never their values).
    SecretManage => "secret.manage",
    ServiceAccountRead => "service_account.read",
    ServiceAccountCreate => "service_account.create",
    /// Change a service account's key policy.
    ServiceAccountManage => "service_account.manage",
    AgentManage => "agent.manage",
    /// Create, change and delete webhook endpoints, see their deliveries, redeliver.
    WebhookManage => "webhook.manage",
    /// Create, change and delete inbound triggers.
    TriggerManage => "trigger.manage",
    /// Create, pause, resume and delete a project's scheduled plans (which propose as the
    /// service account they name, so the built-in roles leave it to organization admins).
    ScheduleManage => "schedule.manage",
    KillSwitchSet => "killswitch.set",
    /// Configure identity providers, their group mappings and client bindings.
    IdentityManage => "identity.manage",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_unique_and_dotted() {
        let mut seen = std::collections::HashSet::new();
        for name in ALL {
            assert!(seen.insert(name), "{name} twice");
            let parts: Vec<&str> = name.split('.').collect();
            assert_eq!(parts.len(), 2, "{name}");
            assert!(parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        }
        assert_eq!(PlanApprove::NAME, "plan.approve");
    }
}
