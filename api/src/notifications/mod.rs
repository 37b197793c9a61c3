//! Notifications, below the services: what people can be told of ([`Category`], [`Kind`]),
//! which audit kinds may make one ([`AUDIT_KINDS`]: a write that appends one wakes the
//! notifier), and sending e-mail over SMTP ([`mail`]). Who is told what, from each entry of an
//! organization's audit chain, is `services::notifications`.

pub mod mail;

use serde::{Deserialize, Serialize};

/// What a notification is about, which is also what a person chooses e-mail for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Plans waiting for the person's approval.
    Approvals,
    /// The person's own plans: decided, expired, finished.
    MyPlans,
    /// Access requests to review, and the person's own requests decided.
    AccessRequests,
    /// Kill switches engaged where the person works.
    KillSwitches,
    /// Policy packs the organizations where the person changes policy subscribe to: a new
    /// version published (and when it will take effect), and a version in force.
    PolicyPacks,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Approvals,
        Category::MyPlans,
        Category::AccessRequests,
        Category::KillSwitches,
        Category::PolicyPacks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Approvals => "approvals",
            Category::MyPlans => "my_plans",
            Category::AccessRequests => "access_requests",
            Category::KillSwitches => "kill_switches",
            Category::PolicyPacks => "policy_packs",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// What the category covers, as a person reads it in their settings.
    pub fn label(self) -> &'static str {
        match self {
            Category::Approvals => "Plans waiting for my approval",
            Category::MyPlans => "My plans approved, rejected, expired, finished or failed",
            Category::AccessRequests => "Access requests to review, and my own requests decided",
            Category::KillSwitches => "Kill switches engaged where I work",
            Category::PolicyPacks => "Policy pack versions coming into force where I change policy",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ApprovalWaiting,
    PlanApproved,
    PlanRejected,
    PlanExpired,
    PlanSucceeded,
    PlanFailed,
    PlanKilled,
    AccessRequested,
    AccessGranted,
    AccessDenied,
    KillSwitchEngaged,
    PolicyPackPublished,
    PolicyPackInForce,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::ApprovalWaiting,
        Kind::PlanApproved,
        Kind::PlanRejected,
        Kind::PlanExpired,
        Kind::PlanSucceeded,
        Kind::PlanFailed,
        Kind::PlanKilled,
        Kind::AccessRequested,
        Kind::AccessGranted,
        Kind::AccessDenied,
        Kind::KillSwitchEngaged,
        Kind::PolicyPackPublished,
        Kind::PolicyPackInForce,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ApprovalWaiting => "approval_waiting",
            Kind::PlanApproved => "plan_approved",
            Kind::PlanRejected => "plan_rejected",
            Kind::PlanExpired => "plan_expired",
            Kind::PlanSucceeded => "plan_succeeded",
            Kind::PlanFailed => "plan_failed",
            Kind::PlanKilled => "plan_killed",
            Kind::AccessRequested => "access_requested",
            Kind::AccessGranted => "access_granted",
            Kind::AccessDenied => "access_denied",
            Kind::KillSwitchEngaged => "kill_switch_engaged",
            Kind::PolicyPackPublished => "policy_pack_published",
            Kind::PolicyPackInForce => "policy_pack_in_force",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn category(self) -> Category {
        match self {
            Kind::ApprovalWaiting => Category::Approvals,
            Kind::PlanApproved
            | Kind::PlanRejected
            | Kind::PlanExpired
            | Kind::PlanSucceeded
            | Kind::PlanFailed
            | Kind::PlanKilled => Category::MyPlans,
            Kind::AccessRequested | Kind::AccessGranted | Kind::AccessDenied => Category::AccessRequests,
            Kind::KillSwitchEngaged => Category::KillSwitches,
            Kind::PolicyPackPublished | Kind::PolicyPackInForce => Category::PolicyPacks,
        }
    }
}

/// The audit kinds the notifier reads: every other entry moves its cursor past unread.
pub const AUDIT_KINDS: &[&str] = &[
    "plan.approval_requested",
    "plan.stage_satisfied",
    "plan.gate_opened",
    "plan.rejected",
    "plan.expired",
    "plan.succeeded",
    "plan.failed",
    "plan.killed",
    "role.grant_requested",
    "role.grant_approved",
    "role.grant_rejected",
    "killswitch.engaged",
    "policy_pack.published",
    "policy_pack.version_in_force",
];

/// Whether an audit entry of this kind may notify someone.
pub fn notifies(audit_kind: &str) -> bool {
    AUDIT_KINDS.contains(&audit_kind)
}

/// What this node keeps for notifications.
pub struct Runtime {
    /// Wakes the notifier when a write commits an entry that may notify someone.
    pub wakeup: tokio::sync::Notify,
    /// Wakes the mailer when e-mails were written.
    pub mail_wakeup: tokio::sync::Notify,
    /// The SMTP server, when one is configured: no e-mail is written without one.
    pub mailer: Option<mail::Mailer>,
}

impl Runtime {
    /// The runtime `config` describes. The configuration was validated at load; a mailer it
    /// still cannot build is reported and left out (in-app notifications go on).
    pub fn new(config: &crate::config::NotificationsConfig) -> Self {
        let mailer = mail::Mailer::new(config).unwrap_or_else(|e| {
            tracing::error!("e-mail notifications are off: {e}");
            None
        });
        Self { wakeup: tokio::sync::Notify::new(), mail_wakeup: tokio::sync::Notify::new(), mailer }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_categories_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert!(Kind::ALL.iter().any(|k| k.category() == c), "{c:?} has no kind");
        }
        assert_eq!(Kind::parse("plan_started"), None);
        assert_eq!(Category::ALL.map(Category::as_str), crate::metrics::NOTIFICATION_CATEGORIES);
        assert!(notifies("plan.failed") && !notifies("plan.step_started"));
    }
}
