//! Queries, one file per domain, merged.

mod chat;
mod node;
mod orgs;
mod plans;
mod policies;
mod scheduler;
mod viewer;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Query(
    viewer::ViewerQuery,
    orgs::OrgQuery,
    node::NodeQuery,
    plans::PlanQuery,
    policies::PolicyQuery,
    chat::ChatQuery,
    scheduler::SchedulerQuery,
);
