//! Agents: planner identities of an organization with a role (the action globs they may
//! propose), and which of them take part in a project's chat with which arbitration strategy.
//! Creating and changing agents needs `agent.manage` in the organization; choosing a project's
//! agents needs `project.agents` in the project (org and project administrators).

use praetor_planner::Strategy;
use praetor_store::{AgentId, ProjectId, agent, chat_setting, project_agent};
use serde_json::json;

use super::validate;
use crate::AppState;
use crate::audit::Entry;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::error::{Error, Result, conflict_means};

pub const PLANNERS: &[&str] = &["alias", "llm"];
const MAX_GLOBS: usize = 50;
/// Agents taking part in one project: each request is planned and simulated by every one.
pub const MAX_PROJECT_AGENTS: usize = 8;
pub use crate::authz::proposer::BUILTIN_AGENT_NAME as BUILTIN_NAME;

pub use crate::authz::proposer::{agent_identity as identity, agent_role as role_of, builtin_agent as builtin};

/// The stored and shown form of a strategy: `first-valid`, `consensus:2`, …
pub fn strategy_label(s: Strategy) -> String {
    match s {
        Strategy::FirstValid => "first-valid".into(),
        Strategy::LowestCost => "lowest-cost".into(),
        Strategy::LowestRisk => "lowest-risk".into(),
        Strategy::Consensus(k) => format!("consensus:{k}"),
        Strategy::HumanChoice => "human-choice".into(),
    }
}

fn globs(field: &str, role: Vec<String>) -> Result<Vec<String>> {
    let role: Vec<String> = role.into_iter().map(|g| g.trim().to_string()).collect();
    if role.is_empty() || role.len() > MAX_GLOBS {
        return Err(Error::validation(field, format!("give 1 to {MAX_GLOBS} action globs")));
    }
    for (i, g) in role.iter().enumerate() {
        let ok = !g.is_empty()
            && g.len() <= 100
            && g.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '*'));
        if !ok {
            return Err(Error::validation(
                format!("{field}[{i}]"),
                "an action glob: letters, digits, '.', '_', '-' and '*', at most 100",
            ));
        }
    }
    Ok(role)
}

fn planner_kind(value: &str) -> Result<String> {
    let v = value.trim().to_ascii_lowercase();
    if PLANNERS.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(Error::validation("planner", format!("must be one of {}", PLANNERS.join(", "))))
    }
}

/// An enabled `llm` agent needs a model: refused, with what to configure, when there is none.
fn check_model(app: &AppState, planner: &str, enabled: bool) -> Result<()> {
    if planner == "llm" && enabled && !app.chat.llm_configured() {
        return Err(Error::validation(
            "planner",
            "no model is configured for this instance (llm.base_url and llm.model): an llm agent cannot be switched on",
        ));
    }
    Ok(())
}

/// What an agent is made of.
pub struct AgentInput {
    pub name: String,
    pub description: String,
    pub planner: String,
    pub role: Vec<String>,
    pub enabled: bool,
}

/// Creates an agent. Needs `agent.manage` in the organization.
pub async fn create(app: &AppState, access: &OrgAccess, input: AgentInput) -> Result<agent::Model> {
    let permit = access.permit::<ops::AgentManage>(Domain::Org)?;
    let name = validate::slug("name", &input.name)?;
    if name == BUILTIN_NAME {
        return Err(Error::validation("name", "`alias` is the built-in agent's name"));
    }
    let description = validate::text("description", &input.description, 500)?;
    let planner = planner_kind(&input.planner)?;
    check_model(app, &planner, input.enabled)?;
    let role = globs("role", input.role)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let now = w.now();
    let a = praetor_store::insert(
        w.txn(),
        agent::Model {
            id: AgentId::generate(),
            org_id: permit.org_id(),
            name,
            description,
            planner,
            role: serde_json::to_string(&role).map_err(Error::internal)?,
            enabled: input.enabled,
            created_at: now,
            updated_at: now,
        },
    )
    .await
    .map_err(conflict_means("an agent with this name already exists in the organization"))?;
    w.audit(
        access.tenant(),
        Entry::new(
            "agent.created",
            a.id,
            json!({"name": a.name, "planner": a.planner, "role": role, "enabled": a.enabled}),
        ),
    )
    .await?;
    w.commit().await?;
    Ok(a)
}

/// What may change on an agent (its name is its identity in plans and audit: it stays).
#[derive(Default)]
pub struct AgentPatch {
    pub description: Option<String>,
    pub planner: Option<String>,
    pub role: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// Changes an agent. Needs `agent.manage`. A disabled agent stops taking part, and plans it
/// proposed stop at their next step (execution re-checks its role).
pub async fn update(app: &AppState, access: &OrgAccess, id: AgentId, patch: AgentPatch) -> Result<agent::Model> {
    let permit = access.permit::<ops::AgentManage>(Domain::Org)?;
    let current = find(app, access, id).await?;
    let active_before = current.clone();
    let mut active = current.clone();
    if let Some(d) = &patch.description {
        active.description = validate::text("description", d, 500)?;
    }
    if let Some(p) = &patch.planner {
        active.planner = planner_kind(p)?;
    }
    if let Some(r) = patch.role {
        active.role = serde_json::to_string(&globs("role", r)?).map_err(Error::internal)?;
    }
    if let Some(e) = patch.enabled {
        active.enabled = e;
    }
    if patch.planner.is_some() || patch.enabled == Some(true) {
        check_model(app, &active.planner, active.enabled)?;
    }
    let mut w = app.write(permit.principal().chain()).await?;
    active.updated_at = w.now();
    let a = praetor_store::update(w.txn(), &active_before, active).await?;
    w.audit(
        access.tenant(),
        Entry::new(
            "agent.updated",
            a.id,
            json!({"name": a.name, "planner": a.planner, "role": role_of(&a)?, "enabled": a.enabled}),
        ),
    )
    .await?;
    w.commit().await?;
    Ok(a)
}

pub async fn find(app: &AppState, access: &OrgAccess, id: AgentId) -> Result<agent::Model> {
    access.read_permit::<ops::OrgRead>(Domain::Org, "agent")?;
    agent::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("agent"))
}

/// The organization's agents, by name. Members may read them.
pub async fn list(app: &AppState, access: &OrgAccess) -> Result<Vec<agent::Model>> {
    access.read_permit::<ops::OrgRead>(Domain::Org, "organization")?;
    Ok(agent::by_names(&app.db, access.tenant()).await?)
}

/// The agents taking part in a project's chat, in order, and the strategy arbitrating them.
pub async fn of_project(
    app: &AppState,
    access: &OrgAccess,
    project: ProjectId,
) -> Result<(Vec<agent::Model>, Strategy)> {
    let links = project_agent::of_project(&app.db, access.tenant(), project).await?;
    let ids: Vec<AgentId> = links.iter().map(|l| l.agent_id).collect();
    let rows = agent::by_ids(&app.db, access.tenant(), ids.clone()).await?;
    let agents = ids.iter().filter_map(|id| rows.iter().find(|a| a.id == *id).cloned()).collect();
    let strategy = chat_setting::of_project(&app.db, access.tenant(), project)
        .await?
        .and_then(|s| Strategy::parse(&s.strategy))
        .unwrap_or(Strategy::FirstValid);
    Ok((agents, strategy))
}

/// Chooses which agents take part in a project's chat (in this order) and how their
/// proposals are arbitrated. Needs `project.agents` in the project.
pub async fn set_for_project(
    app: &AppState,
    access: &OrgAccess,
    project: ProjectId,
    names: &[String],
    strategy: Strategy,
) -> Result<Vec<agent::Model>> {
    let permit = access.permit::<ops::ProjectAgents>(Domain::Project(project))?;
    if names.len() > MAX_PROJECT_AGENTS {
        return Err(Error::validation("agents", format!("at most {MAX_PROJECT_AGENTS} agents take part")));
    }
    // The permit above is the check: a project administrator may not read the org's list.
    let all = agent::all(&app.db, access.tenant()).await?;
    let mut chosen: Vec<agent::Model> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let a = all
            .iter()
            .find(|a| a.name == n.trim())
            .ok_or_else(|| Error::validation(format!("agents[{i}]"), format!("no agent named `{}`", n.trim())))?;
        if chosen.iter().any(|c| c.id == a.id) {
            return Err(Error::validation(format!("agents[{i}]"), format!("`{}` is listed twice", a.name)));
        }
        chosen.push(a.clone());
    }
    if let Strategy::Consensus(k) = strategy
        && (k < 1 || k > chosen.len().max(1))
    {
        return Err(Error::validation("strategy", format!("consensus needs 1 to {} agents", chosen.len().max(1))));
    }
    let mut w = app.write(permit.principal().chain()).await?;
    let org = permit.org_id();
    project_agent::clear(w.txn(), permit.tenant(), project).await?;
    let rows = chosen
        .iter()
        .enumerate()
        .map(|(i, a)| project_agent::Model { project_id: project, agent_id: a.id, org_id: org, position: i as i32 })
        .collect();
    praetor_store::insert_many(w.txn(), rows).await?;
    chat_setting::clear(w.txn(), permit.tenant(), project).await?;
    praetor_store::insert(
        w.txn(),
        chat_setting::Model {
            project_id: project,
            org_id: org,
            strategy: strategy_label(strategy),
            updated_at: w.now(),
        },
    )
    .await?;
    let names: Vec<&str> = chosen.iter().map(|a| a.name.as_str()).collect();
    w.audit(
        access.tenant(),
        Entry::new("project.agents_set", project, json!({"agents": names, "strategy": strategy_label(strategy)})),
    )
    .await?;
    w.commit().await?;
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_strategies_are_checked() {
        assert!(globs("role", vec![]).is_err());
        assert_eq!(globs("role", vec![" deploy.* ".into()]).unwrap(), vec!["deploy.*".to_string()]);
        assert_eq!(
            globs("role", vec!["ok".into(), "no spaces".into()]).unwrap_err().to_string(),
            "invalid role[1]: an action glob: letters, digits, '.', '_', '-' and '*', at most 100"
        );
        assert!(planner_kind("LLM").is_ok());
        assert!(planner_kind("gpt").is_err());
        for s in ["first-valid", "lowest-cost", "lowest-risk", "consensus:2", "human-choice"] {
            assert_eq!(strategy_label(Strategy::parse(s).unwrap()), s);
        }
        let b = builtin(praetor_store::OrgId::generate());
        assert!(b.may_invoke("deploy.web") && b.may_invoke("state.set"));
        assert_eq!(b.actor().kind, praetor_domain::ActorKind::Agent);
    }
}
