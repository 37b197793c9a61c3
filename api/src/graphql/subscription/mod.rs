//! Subscriptions, one file per domain, merged.

mod audit;
mod plans;

use async_graphql::MergedSubscription;

#[derive(MergedSubscription, Default)]
pub struct Subscription(audit::AuditSubscription, plans::PlanSubscription);
