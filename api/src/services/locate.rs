//! Finding which organization an object id belongs to, for `node(id)` and for mutations that
//! take an id. Only the `org_id` column is read; [`NodeId::enter`] then enters that
//! organization and the caller reads the object through the tenant-scoped finder. This is the
//! one unscoped read of tenant tables besides authentication.
//!
//! An object of an organization the caller cannot enter answers exactly what a missing one
//! answers (`plan not found`, never `organization not found`), so an id cannot be probed for
//! existence across tenants.

use praetor_entities::{
    AgentId, ApiKeyId, AuditEventId, ChatSessionId, GroupId, Housekeeping, IdentityProviderId, OrgId, PlanId,
    ProjectId, RoleBindingId, RoleGrantId, ScheduleId, ServiceAccountId, TenantScoped, TriggerId, WebhookDeliveryId,
    WebhookEndpointId, agent, api_key, audit_event, chat_session, group, identity_provider, plan, project,
    role_binding, role_grant, schedule, service_account, trigger, webhook_delivery, webhook_endpoint,
};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect};

use crate::AppState;
use crate::auth::Principal;
use crate::authz::OrgAccess;
use crate::error::{Error, Result};

async fn org_of<E, C>(db: &C, id_col: E::Column, org_col: E::Column, id: sea_orm::Value, what: &str) -> Result<OrgId>
where
    E: TenantScoped,
    C: ConnectionTrait,
{
    E::find_across_orgs(Housekeeping::Locate)
        .select_only()
        .column(org_col)
        .filter(id_col.eq(id))
        .into_tuple::<OrgId>()
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(what))
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
    pub async fn org<C: ConnectionTrait>(&self, db: &C) -> Result<OrgId> {
        match *self {
            NodeId::Org(id) => Ok(id),
            NodeId::Project(id) => {
                org_of::<project::Entity, _>(db, project::Column::Id, project::Column::OrgId, id.into(), "project")
                    .await
            }
            NodeId::Group(id) => {
                org_of::<group::Entity, _>(db, group::Column::Id, group::Column::OrgId, id.into(), "group").await
            }
            NodeId::ServiceAccount(id) => {
                org_of::<service_account::Entity, _>(
                    db,
                    service_account::Column::Id,
                    service_account::Column::OrgId,
                    id.into(),
                    "service account",
                )
                .await
            }
            NodeId::ApiKey(id) => {
                org_of::<api_key::Entity, _>(db, api_key::Column::Id, api_key::Column::OrgId, id.into(), "API key")
                    .await
            }
            NodeId::RoleBinding(id) => {
                org_of::<role_binding::Entity, _>(
                    db,
                    role_binding::Column::Id,
                    role_binding::Column::OrgId,
                    id.into(),
                    "role binding",
                )
                .await
            }
            NodeId::AuditEvent(id) => {
                org_of::<audit_event::Entity, _>(
                    db,
                    audit_event::Column::Id,
                    audit_event::Column::OrgId,
                    id.into(),
                    "audit event",
                )
                .await
            }
            NodeId::Plan(id) => {
                org_of::<plan::Entity, _>(db, plan::Column::Id, plan::Column::OrgId, id.into(), "plan").await
            }
            NodeId::RoleGrant(id) => {
                org_of::<role_grant::Entity, _>(
                    db,
                    role_grant::Column::Id,
                    role_grant::Column::OrgId,
                    id.into(),
                    "role grant",
                )
                .await
            }
            NodeId::ChatSession(id) => {
                org_of::<chat_session::Entity, _>(
                    db,
                    chat_session::Column::Id,
                    chat_session::Column::OrgId,
                    id.into(),
                    "chat session",
                )
                .await
            }
            NodeId::Agent(id) => {
                org_of::<agent::Entity, _>(db, agent::Column::Id, agent::Column::OrgId, id.into(), "agent").await
            }
            NodeId::WebhookEndpoint(id) => {
                org_of::<webhook_endpoint::Entity, _>(
                    db,
                    webhook_endpoint::Column::Id,
                    webhook_endpoint::Column::OrgId,
                    id.into(),
                    "webhook endpoint",
                )
                .await
            }
            NodeId::WebhookDelivery(id) => {
                org_of::<webhook_delivery::Entity, _>(
                    db,
                    webhook_delivery::Column::Id,
                    webhook_delivery::Column::OrgId,
                    id.into(),
                    "webhook delivery",
                )
                .await
            }
            NodeId::Trigger(id) => {
                org_of::<trigger::Entity, _>(db, trigger::Column::Id, trigger::Column::OrgId, id.into(), "trigger")
                    .await
            }
            NodeId::Schedule(id) => {
                org_of::<schedule::Entity, _>(db, schedule::Column::Id, schedule::Column::OrgId, id.into(), "schedule")
                    .await
            }
            NodeId::IdentityProvider(id) => {
                org_of::<identity_provider::Entity, _>(
                    db,
                    identity_provider::Column::Id,
                    identity_provider::Column::OrgId,
                    id.into(),
                    "identity provider",
                )
                .await
            }
        }
    }
}
