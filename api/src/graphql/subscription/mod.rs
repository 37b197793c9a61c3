//! Subscriptions, one file per domain, merged.

mod audit;
mod chat;
mod notifications;
mod plans;

use async_graphql::MergedSubscription;

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    audit::AuditSubscription,
    plans::PlanSubscription,
    chat::ChatSubscription,
    notifications::NotificationSubscription,
);
