//! Who a principal is inside an organization beyond its role bindings: the groups it belongs to
//! (approval stages and policy conditions name groups), the identity of an agent, and the access
//! a plan's proposer has *now* — what the engine decides a queued plan's steps with.

use std::collections::HashMap;

use praetor_store::DatabaseConnection;
use praetor_store::{AgentId, OrgId, Owned, Tenant, UserId, agent, group, group_member, org, plan};

use super::{Authz, OrgAccess};
use crate::auth::{
    ActorRef, AgentIdentity, BUILTIN_AGENT_SUBJECT, Principal, Subject, principal_for_subject, rbac_service_account,
    rbac_user,
};
use crate::error::Result;

/// The name of the agent that answers in projects that chose none.
pub const BUILTIN_AGENT_NAME: &str = "alias";

/// The built-in agent: the alias planner, limited only by the rights of whoever chats.
pub fn builtin_agent(org: OrgId) -> AgentIdentity {
    AgentIdentity { id: None, org_id: org, name: BUILTIN_AGENT_NAME.into(), role: vec!["**".into()] }
}

/// An agent row as the identity it acts with.
pub fn agent_identity(a: &agent::Model) -> Result<AgentIdentity> {
    Ok(AgentIdentity { id: Some(a.id), org_id: a.org_id, name: a.name.clone(), role: agent_role(a)? })
}

/// The action globs an agent may propose.
pub fn agent_role(a: &agent::Model) -> Result<Vec<String>> {
    crate::error::stored(format_args!("the role of agent {}", a.id), &a.role)
}

/// Whose group memberships count for a principal: a person's own; an agent's are those of the
/// person it acts for; a service account belongs to no group.
pub fn group_member_of(principal: &Principal) -> Option<UserId> {
    match &principal.subject {
        Subject::User(u) => Some(u.id),
        Subject::Agent(_) => principal
            .on_behalf_of
            .first()
            .filter(|a| a.kind == praetor_domain::ActorKind::User)
            .and_then(|a| a.id.parse().ok()),
        Subject::ServiceAccount(_) => None,
    }
}

/// Group names the user belongs to in the access's organization (for an agent: the groups of the
/// person it acts for, whose rights it borrows).
pub async fn groups_of<C: praetor_store::Conn>(
    db: &C,
    access: &OrgAccess,
    principal: &Principal,
) -> Result<Vec<String>> {
    let Some(user) = group_member_of(principal) else { return Ok(Vec::new()) };
    Ok(group_names(db, access.tenant(), vec![user]).await?.remove(&user).unwrap_or_default())
}

/// The names of the groups each of `users` belongs to in the tenant's organization, in two
/// queries however many users (a user in no group is absent).
pub async fn group_names<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    users: Vec<UserId>,
) -> Result<HashMap<UserId, Vec<String>>> {
    let memberships = group_member::of_users(db, tenant, users).await?;
    let ids: Vec<_> = memberships.iter().map(|m| m.group_id).collect();
    let names: HashMap<_, _> = group::by_ids(db, tenant, ids).await?.into_iter().map(|g| (g.id, g.name)).collect();
    let mut out: HashMap<UserId, Vec<String>> = HashMap::new();
    for m in memberships {
        if let Some(name) = names.get(&m.group_id) {
            out.entry(m.user_id).or_default().push(name.clone());
        }
    }
    Ok(out)
}

/// The access a plan's steps are decided with when it runs: its proposer's rights as they are
/// now. For a plan an agent proposed, that is the person it acted for through the agent's
/// current role; `None` when either is gone (the person left, the agent was disabled).
pub async fn proposer_access(authz: &Authz, db: &DatabaseConnection, plan: &plan::Model) -> Result<Option<OrgAccess>> {
    let enter = |subject: String| async move {
        let Some(p) = principal_for_subject(db, plan.tenant(), &subject).await? else {
            return Ok::<_, crate::error::Error>(None);
        };
        let Some(org) = org::of(db, plan.tenant()).await? else { return Ok(None) };
        Ok(authz.enter(&p, org).await.ok())
    };
    let Some(agent) = plan.proposer_subject.strip_prefix("agent:") else {
        return enter(plan.proposer_subject.clone()).await;
    };
    let chain: Vec<ActorRef> = crate::error::stored(format_args!("the proposer of plan {}", plan.id), &plan.proposer)?;
    let head = match chain.first() {
        Some(a) if a.kind == praetor_domain::ActorKind::User => a.id.parse::<UserId>().ok().map(|u| rbac_user(u.0)),
        Some(a) if a.kind == praetor_domain::ActorKind::ServiceAccount => {
            a.id.parse::<praetor_store::ServiceAccountId>().ok().map(|s| rbac_service_account(s.0))
        }
        _ => None,
    };
    let Some(head) = head else { return Ok(None) };
    let Some(access) = enter(head).await? else { return Ok(None) };
    let identity = if plan.proposer_subject == BUILTIN_AGENT_SUBJECT {
        builtin_agent(plan.org_id)
    } else {
        let Ok(uuid) = uuid::Uuid::try_parse(agent) else { return Ok(None) };
        match agent::by_id(db, plan.tenant(), AgentId(uuid)).await? {
            Some(a) if a.enabled => agent_identity(&a)?,
            _ => return Ok(None),
        }
    };
    Ok(Some(access.acting_as(identity)))
}
