//! Specialist agents: principals with a name, a role (the action globs they may propose) and a
//! planner. An agent plans against the catalog restricted to its role, and its answer is
//! checked against the role again, so a planner that strays (a model naming a tool it was not
//! offered is already refused) can never put another action into a plan.

use std::sync::Arc;

use futures_util::future::join_all;
use praetor_policy::glob;

use crate::catalog::{Catalog, EntryKind};
use crate::error::PlannerError;
use crate::memory::Memory;
use crate::plan::Outcome;
use crate::sink::{DeltaSink, Discard};
use crate::{PlanRequest, Planner, Secret};

#[derive(Clone)]
pub struct Agent {
    pub name: String,
    /// Action globs (`deploy.*`, `service.restart`): what this agent may propose.
    pub role: Vec<String>,
    pub planner: Arc<dyn Planner>,
    /// The organization's own key for the model endpoint, if it set one.
    pub api_key: Option<Secret>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("planner", &self.planner.kind())
            .finish()
    }
}

impl Agent {
    pub fn new(
        name: impl Into<String>,
        role: impl IntoIterator<Item = impl Into<String>>,
        planner: Arc<dyn Planner>,
    ) -> Self {
        Self { name: name.into(), role: role.into_iter().map(Into::into).collect(), planner, api_key: None }
    }

    /// The same agent sending `key` to the model endpoint instead of the configured one.
    pub fn with_api_key(mut self, key: Option<Secret>) -> Self {
        self.api_key = key;
        self
    }

    /// Whether the role covers `action`.
    pub fn may_invoke(&self, action: &str) -> bool {
        self.role.iter().any(|g| glob::matches(g, action))
    }

    /// What this agent may propose out of `catalog`.
    pub fn catalog(&self, catalog: &Catalog) -> Catalog {
        catalog.restricted_to(&self.role)
    }

    /// Plans `text` within the agent's role.
    pub async fn propose(
        &self,
        text: &str,
        catalog: &Catalog,
        memory: &Memory,
        sink: &dyn DeltaSink,
    ) -> Result<Outcome, PlannerError> {
        let own = self.catalog(catalog);
        let request = PlanRequest { text, catalog: &own, memory, api_key: self.api_key.as_ref() };
        let outcome = self.planner.plan(request, sink).await?;
        if let Outcome::Plan(plan) = &outcome {
            for (kind, name, _) in plan.targets() {
                let allowed = match kind {
                    EntryKind::Action => self.may_invoke(name),
                    EntryKind::Template => own.template(name).is_some(),
                };
                if !allowed {
                    let target =
                        if kind == EntryKind::Template { format!("template {name}") } else { name.to_string() };
                    return Err(PlannerError::OutsideRole { agent: self.name.clone(), target });
                }
            }
        }
        Ok(outcome)
    }
}

/// One agent's answer to a request.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentProposal {
    pub agent: String,
    pub outcome: Result<Outcome, PlannerError>,
}

/// Every agent plans `text` at the same time; answers come back in agent order. Streaming is
/// off here (several agents' tokens would interleave); call [`Agent::propose`] with a sink to
/// stream one agent.
pub async fn propose_all(agents: &[Agent], text: &str, catalog: &Catalog, memory: &Memory) -> Vec<AgentProposal> {
    let runs = agents.iter().map(|a| async move {
        AgentProposal { agent: a.name.clone(), outcome: a.propose(text, catalog, memory, &Discard).await }
    });
    join_all(runs).await
}
