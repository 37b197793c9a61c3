//! `node(id)`: any object by its global id.

use crate::authz::{Domain, ops};
use crate::chat::sessions as chat;
use crate::graphql::object::{
    AgentObject, ApiKeyObject, AuditEventObject, ChatSessionObject, GroupObject, Node, OrgObject, PlanObject,
    ProjectObject, RoleBindingObject, RoleGrantObject, ServiceAccountObject, TriggerObject, WebhookDeliveryObject,
    WebhookEndpointObject,
};
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::{
    agents, api_keys, audit_log, grants, groups, plans, projects, roles, service_accounts, triggers, webhooks,
};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches an object by id. Objects of other organizations answer NOT_FOUND.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Node> {
        let app = app(ctx)?;
        let principal = principal(ctx)?;
        let node = NodeId::parse(&id)?;
        let access = node.enter(app, principal).await?;
        Ok(match node {
            NodeId::Org(_) => Node::Org(OrgObject(access)),
            NodeId::Project(id) => {
                let p = projects::find_by_id(app, &access, id).await?;
                Node::Project(ProjectObject::new(access, p))
            }
            NodeId::Group(id) => {
                let g = groups::find(app, &access, id).await?;
                Node::Group(GroupObject::new(access, g))
            }
            NodeId::ServiceAccount(id) => {
                Node::ServiceAccount(ServiceAccountObject(service_accounts::find(app, &access, id).await?))
            }
            NodeId::ApiKey(id) => Node::ApiKey(ApiKeyObject(api_keys::find(app, &access, id).await?)),
            NodeId::RoleBinding(id) => {
                let b = roles::find(app, &access, id).await?;
                Node::RoleBinding(RoleBindingObject::new(access, b))
            }
            NodeId::AuditEvent(id) => Node::AuditEvent(AuditEventObject(audit_log::find(app, &access, id).await?)),
            NodeId::Plan(id) => {
                let p = plans::find(app, &access, id).await?;
                Node::Plan(PlanObject::new(access, p))
            }
            NodeId::RoleGrant(id) => {
                let g = grants::find(app, &access, id).await?;
                let project_slug = grants::project_of(app, &g).await?.map(|p| p.slug);
                Node::RoleGrant(RoleGrantObject::new(&access, g, app.clock.now(), project_slug))
            }
            NodeId::ChatSession(id) => {
                let s = chat::find(app, &access, id).await?;
                Node::ChatSession(ChatSessionObject::new(access, s))
            }
            NodeId::Agent(id) => Node::Agent(AgentObject(agents::find(app, &access, id).await?)),
            NodeId::WebhookEndpoint(id) => {
                let permit = access.read_permit::<ops::WebhookManage>(Domain::Org, "webhook endpoint")?;
                let model = webhooks::find(app, &permit, id).await?;
                Node::WebhookEndpoint(WebhookEndpointObject { access, model })
            }
            NodeId::WebhookDelivery(id) => {
                let permit = access.read_permit::<ops::WebhookManage>(Domain::Org, "webhook delivery")?;
                Node::WebhookDelivery(WebhookDeliveryObject(webhooks::find_delivery(app, &permit, id).await?))
            }
            NodeId::Trigger(id) => {
                let permit = access.read_permit::<ops::TriggerManage>(Domain::Org, "trigger")?;
                Node::Trigger(TriggerObject { access, model: triggers::find(app, &permit, id).await? })
            }
            NodeId::Schedule(id) => Node::Schedule(crate::graphql::object::ScheduleObject {
                model: crate::services::schedules::find(app, &access, id).await?,
                access,
            }),
            NodeId::IdentityProvider(id) => {
                let permit = access.read_permit::<ops::IdentityManage>(Domain::Org, "identity provider")?;
                Node::IdentityProvider(crate::graphql::object::IdentityProviderObject {
                    access,
                    model: crate::services::identity::find(app, &permit, id).await?,
                })
            }
        })
    }
}
