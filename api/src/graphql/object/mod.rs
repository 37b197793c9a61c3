//! GraphQL objects. Each wraps an entity together with the [`OrgAccess`] it was read under, so
//! nested fields check the caller's permissions again instead of trusting the parent.

mod api_key;
mod audit_event;
mod chat;
mod enums;
mod governance;
mod group;
mod identity_provider;
mod invitation;
mod notification;
mod org;
mod plan;
mod policy;
mod policy_pack;
mod project;
mod role_binding;
mod rollup;
mod schedule;
mod scheduler;
mod service_account;
mod trigger;
mod user;
mod viewer;
mod webhook;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Interface, OutputType};

pub use api_key::{ApiKeyObject, CreatedApiKey, SecretObject};
pub use audit_event::{AuditChainStatus, AuditCheckpointObject, AuditEventObject, AuditInclusionProofObject};
pub use chat::{
    AgentObject, AgentPlanner, ArbitrationStrategy, ChatEventKind, ChatEventObject, ChatSessionObject,
    ProjectChatSettings,
};
pub use enums::{
    ActorKindGql, ApprovalDecisionGql, AutonomyModeGql, ChatStepStatusGql, GrantStatusGql, LimitScopeGql, OnFailureGql,
    PlanStatusGql, PolicyEffectGql, PolicyLevelGql, RiskGql, ScopeGql, SeverityGql, StepStatusGql, VerdictGql,
};
pub use governance::{
    AutonomyStatus, Budget, BudgetForecast, BudgetRecommendation, DailySpend, ExecutionWindow, KillSwitchInForce,
    KillSwitchObject, KillSwitchScope, RateLimitStatus, RoleGrantObject,
};
pub use group::GroupObject;
pub use identity_provider::{ClientBinding, GroupMapping, IdentityProviderObject};
pub use invitation::InvitationObject;
pub use notification::{NotificationCategoryGql, NotificationObject, NotificationSettingObject};
pub use org::OrgObject;
pub use plan::{ApprovalStageSpec, DecisionCheck, PlanEventGql, PlanObject, PlanPreview, PlanStep};
pub use policy::{
    EffectivePolicy, Explanation, PolicyChange, PolicyDiagnostic, PolicyDiffResult, PolicyImpact, PolicyProposalObject,
    PolicySource, PolicyVersionObject, RuleTraceGql,
};
pub use policy_pack::{PolicyPackObject, PolicyPackSubscriptionObject, PolicyPackVersionObject};
pub use project::ProjectObject;
pub use role_binding::RoleBindingObject;
pub use rollup::{GranularityGql, InstanceRollups, OrgRollup, ProjectRollup, RefusalCount, RollupPoint};
pub use schedule::{OverlapGql, ScheduleObject};
pub use scheduler::{ScheduledJobObject, ScheduledRunObject, ScheduledRunStatusGql};
pub use service_account::ServiceAccountObject;
pub use trigger::{TriggerObject, TriggerWithSecret};
pub use user::{MemberRole, OrgMember, UserObject};
pub use viewer::Viewer;
pub use webhook::{
    WebhookAttemptObject, WebhookDeliveryObject, WebhookDeliveryStatusGql, WebhookEndpointObject,
    WebhookEndpointWithSecret, WebhookEventKind,
};

use crate::services::page::Page;

/// Anything that can be fetched again by its global id with `node(id:)`.
// Nodes are built once per response and moved straight into it: boxing the larger variants
// would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "async_graphql::ID"))]
pub enum Node {
    Org(OrgObject),
    Project(ProjectObject),
    Group(GroupObject),
    ServiceAccount(ServiceAccountObject),
    ApiKey(ApiKeyObject),
    RoleBinding(RoleBindingObject),
    AuditEvent(AuditEventObject),
    Plan(PlanObject),
    RoleGrant(RoleGrantObject),
    ChatSession(ChatSessionObject),
    Agent(AgentObject),
    WebhookEndpoint(WebhookEndpointObject),
    WebhookDelivery(WebhookDeliveryObject),
    Trigger(TriggerObject),
    Schedule(ScheduleObject),
    IdentityProvider(IdentityProviderObject),
}

/// Builds a Relay connection from a page.
pub fn connection<T, N: OutputType>(
    page: Page<T>,
    has_previous: bool,
    cursor: impl Fn(&T) -> String,
    node: impl Fn(T) -> N,
) -> Connection<String, N> {
    let mut c = Connection::new(has_previous, page.has_next);
    c.edges.extend(page.items.into_iter().map(|item| Edge::new(cursor(&item), node(item))));
    c
}

/// Complexity of a connection field: each node costs its children.
pub fn page_complexity(first: Option<i32>, child: usize) -> usize {
    let n = first.unwrap_or(crate::services::page::DEFAULT_PAGE).clamp(0, crate::services::page::MAX_PAGE) as usize;
    n.saturating_mul(child).saturating_add(1)
}
