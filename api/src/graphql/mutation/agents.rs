//! `createAgent`, `updateAgent`, `setProjectAgents`.

use async_graphql::{Context, ID, InputObject, Object, Result};
use praetor_planner::Strategy;
use praetor_store::AgentId;

use crate::error::Error;
use crate::graphql::object::{AgentObject, AgentPlanner, ArbitrationStrategy, ProjectChatSettings};
use crate::graphql::{app, principal};
use crate::services::agents::{self, AgentInput, AgentPatch};
use crate::services::locate::NodeId;
use crate::services::{orgs, projects, validate};

#[derive(InputObject)]
pub struct CreateAgentInput {
    pub org: String,
    /// Unique in the organization: lowercase letters, digits and '-'.
    pub name: String,
    #[graphql(default)]
    pub description: String,
    #[graphql(default_with = "AgentPlanner::Alias")]
    pub planner: AgentPlanner,
    /// Action globs the agent may propose (`deploy.*`, `service.restart`).
    pub role: Vec<String>,
    #[graphql(default = true)]
    pub enabled: bool,
}

#[derive(InputObject)]
pub struct UpdateAgentInput {
    pub agent_id: ID,
    pub description: Option<String>,
    pub planner: Option<AgentPlanner>,
    pub role: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

#[derive(InputObject)]
pub struct SetProjectAgentsInput {
    pub org: String,
    pub project: String,
    /// Agent names, in order (the order first-valid follows); empty: the built-in alias agent.
    pub agents: Vec<String>,
    #[graphql(default_with = "ArbitrationStrategy::FirstValid")]
    pub strategy: ArbitrationStrategy,
    /// For CONSENSUS: how many agents must propose the same plan (default 2).
    pub consensus: Option<i32>,
}

fn strategy(s: ArbitrationStrategy, k: Option<i32>) -> Result<Strategy, Error> {
    Ok(match s {
        ArbitrationStrategy::FirstValid => Strategy::FirstValid,
        ArbitrationStrategy::LowestCost => Strategy::LowestCost,
        ArbitrationStrategy::LowestRisk => Strategy::LowestRisk,
        ArbitrationStrategy::HumanChoice => Strategy::HumanChoice,
        ArbitrationStrategy::Consensus => {
            let k = k.unwrap_or(2);
            if k < 1 {
                return Err(Error::validation("consensus", "must be at least 1"));
            }
            Strategy::Consensus(k as usize)
        }
    })
}

#[derive(Default)]
pub struct AgentMutation;

#[Object]
impl AgentMutation {
    /// Creates an agent of the organization. Needs `agent.manage` (org administrators).
    async fn create_agent(&self, ctx: &Context<'_>, input: CreateAgentInput) -> Result<AgentObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let a = agents::create(
            app,
            &access,
            AgentInput {
                name: input.name,
                description: input.description,
                planner: input.planner.as_str().into(),
                role: input.role,
                enabled: input.enabled,
            },
        )
        .await?;
        Ok(AgentObject(a))
    }

    /// Changes an agent's description, planner, role or whether it takes part. Needs
    /// `agent.manage`.
    async fn update_agent(&self, ctx: &Context<'_>, input: UpdateAgentInput) -> Result<AgentObject> {
        let app = app(ctx)?;
        let id: AgentId = validate::id("agentId", &input.agent_id)?;
        let access = NodeId::Agent(id).enter(app, principal(ctx)?).await?;
        let patch = AgentPatch {
            description: input.description,
            planner: input.planner.map(|p| p.as_str().to_string()),
            role: input.role,
            enabled: input.enabled,
        };
        Ok(AgentObject(agents::update(app, &access, id, patch).await?))
    }

    /// Chooses which agents take part in a project's chat and the arbitration strategy.
    /// Needs `project.agents` in the project (project and org administrators).
    async fn set_project_agents(&self, ctx: &Context<'_>, input: SetProjectAgentsInput) -> Result<ProjectChatSettings> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = projects::find_by_slug(app, &access, &input.project).await?;
        let s = strategy(input.strategy, input.consensus)?;
        let list = agents::set_for_project(app, &access, project.id, &input.agents, s).await?;
        Ok(ProjectChatSettings::new(list, s))
    }
}
