//! Finding which organization an object id belongs to, for `node(id)` and for mutations that
//! take an id. Only the `org_id` column is read; [`NodeId::enter`] then enters that
//! organization and the caller reads the object through the tenant-scoped finder. This is the
//! one unscoped read of tenant tables besides authentication.
//!
//! An object of an organization the caller cannot enter answers exactly what a missing one
//! answers (`plan not found`, never `organization not found`), so an id cannot be probed for
//! existence across tenants.

use praetor_store::{
    AgentId, ApiKeyId, AuditEventId, ChatSessionId, GroupId, IdentityProviderId, OrgId, PlanId, ProjectId,
    RoleBindingId, RoleGrantId, ScheduleId, ServiceAccountId, TriggerId, WebhookDeliveryId, WebhookEndpointId, agent,
    api_key, audit_event, chat_session, group, identity_provider, plan, project, role_binding, role_grant, schedule,
    service_account, trigger, webhook_delivery, webhook_endpoint,
};

use crate::AppState;
use crate::auth::Principal;
use crate::authz::OrgAccess;
use crate::error::{Error, Result};

fn found(org: Option<OrgId>, what: &str) -> Result<OrgId> {
    org.ok_or_else(|| Error::not_found(what))
}

/// The kinds of object `node(id)` understands, parsed from the id's prefix.
#[derive(Debug, Clone, Copy)]
pub enum NodeId {
    Org(OrgId),
    Project(ProjectId),
    Group(GroupId),
    ServiceAccount(ServiceAccountId),
    ApiKey(ApiKeyId),
    RoleBinding(RoleBindingId),
    AuditEvent(AuditEventId),
    Plan(PlanId),
    RoleGrant(RoleGrantId),
    ChatSession(ChatSessionId),
    Agent(AgentId),
    WebhookEndpoint(WebhookEndpointId),
    WebhookDelivery(WebhookDeliveryId),
    Trigger(TriggerId),
    Schedule(ScheduleId),
    IdentityProvider(IdentityProviderId),
}

impl NodeId {
    pub fn parse(text: &str) -> Result<Self> {
        let prefix = text.split('_').next().unwrap_or_default();
        let bad = || Error::validation("id", "not an id of an object that node() can fetch");
        Ok(match prefix {
            "org" => NodeId::Org(text.parse().map_err(|_| bad())?),
            "prj" => NodeId::Project(text.parse().map_err(|_| bad())?),
            "grp" => NodeId::Group(text.parse().map_err(|_| bad())?),
            "sa" => NodeId::ServiceAccount(text.parse().map_err(|_| bad())?),
            "key" => NodeId::ApiKey(text.parse().map_err(|_| bad())?),
            "rb" => NodeId::RoleBinding(text.parse().map_err(|_| bad())?),
            "aud" => NodeId::AuditEvent(text.parse().map_err(|_| bad())?),
            "pln" => NodeId::Plan(text.parse().map_err(|_| bad())?),
            "grt" => NodeId::RoleGrant(text.parse().map_err(|_| bad())?),
            "chs" => NodeId::ChatSession(text.parse().map_err(|_| bad())?),
            "agt" => NodeId::Agent(text.parse().map_err(|_| bad())?),
            "whe" => NodeId::WebhookEndpoint(text.parse().map_err(|_| bad())?),
            "msg" => NodeId::WebhookDelivery(text.parse().map_err(|_| bad())?),
            "trg" => NodeId::Trigger(text.parse().map_err(|_| bad())?),
            "sch" => NodeId::Schedule(text.parse().map_err(|_| bad())?),
            "idp" => NodeId::IdentityProvider(text.parse().map_err(|_| bad())?),
            _ => return Err(bad()),
        })
    }

    /// What the object is called in a NOT_FOUND answer.
    pub fn kind(&self) -> &'static str {
        match self {
            NodeId::Org(_) => "organization",
            NodeId::Project(_) => "project",
            NodeId::Group(_) => "group",
            NodeId::ServiceAccount(_) => "service account",
            NodeId::ApiKey(_) => "API key",
            NodeId::RoleBinding(_) => "role binding",
            NodeId::AuditEvent(_) => "audit event",
            NodeId::Plan(_) => "plan",
            NodeId::RoleGrant(_) => "role grant",
            NodeId::ChatSession(_) => "chat session",
            NodeId::Agent(_) => "agent",
            NodeId::WebhookEndpoint(_) => "webhook endpoint",
            NodeId::WebhookDelivery(_) => "webhook delivery",
            NodeId::Trigger(_) => "trigger",
            NodeId::Schedule(_) => "schedule",
            NodeId::IdentityProvider(_) => "identity provider",
        }
    }

    /// Enters the organization the object belongs to. Whether the object does not exist or
    /// lives in an organization the principal cannot enter, the answer is the same NOT_FOUND
    /// naming the object's kind.
    pub async fn enter(&self, app: &AppState, principal: &Principal) -> Result<OrgAccess> {
        let org = self.org(&app.db).await?;
        super::orgs::enter_by_id(app, principal, org).await.map_err(|e| match e {
            Error::NotFound(_) => Error::not_found(self.kind()),
            other => other,
        })
    }

    /// The organization the object belongs to, or NOT_FOUND.
    pub async fn org<C: praetor_store::Conn>(&self, db: &C) -> Result<OrgId> {
        match *self {
            NodeId::Org(id) => Ok(id),
            NodeId::Project(id) => found(project::org_of(db, id).await?, "project"),
            NodeId::Group(id) => found(group::org_of(db, id).await?, "group"),
            NodeId::ServiceAccount(id) => found(service_account::org_of(db, id).await?, "service account"),
            NodeId::ApiKey(id) => found(api_key::org_of(db, id).await?, "API key"),
            NodeId::RoleBinding(id) => found(role_binding::org_of(db, id).await?, "role binding"),
            NodeId::AuditEvent(id) => found(audit_event::org_of(db, id).await?, "audit event"),
            NodeId::Plan(id) => found(plan::org_of(db, id).await?, "plan"),
            NodeId::RoleGrant(id) => found(role_grant::org_of(db, id).await?, "role grant"),
            NodeId::ChatSession(id) => found(chat_session::org_of(db, id).await?, "chat session"),
            NodeId::Agent(id) => found(agent::org_of(db, id).await?, "agent"),
            NodeId::WebhookEndpoint(id) => found(webhook_endpoint::org_of(db, id).await?, "webhook endpoint"),
            NodeId::WebhookDelivery(id) => found(webhook_delivery::org_of(db, id).await?, "webhook delivery"),
            NodeId::Trigger(id) => found(trigger::org_of(db, id).await?, "trigger"),
            NodeId::Schedule(id) => found(schedule::org_of(db, id).await?, "schedule"),
            NodeId::IdentityProvider(id) => found(identity_provider::org_of(db, id).await?, "identity provider"),
        }
    }
}
