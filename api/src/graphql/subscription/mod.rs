//! Subscriptions, one file per domain, merged.

mod audit;

use async_graphql::MergedSubscription;

#[derive(MergedSubscription, Default)]
pub struct Subscription(audit::AuditSubscription);
