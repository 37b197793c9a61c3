//! Agents: each plans within its role, a straying planner is refused, and several agents
//! answer one request together.

use std::sync::Arc;

use async_trait::async_trait;
use praetor_planner::{
    Agent, AliasPlanner, DeltaSink, Discard, LlmConfig, LlmPlanner, Memory, Outcome, PlanRequest, Planner,
    PlannerError, ProposedPlan, arbitrate, propose_all,
};
use serde_json::json;

use crate::fixture::catalog;
use crate::scripted::{DONE, Reply, Scripted, call, finish};

/// A planner that ignores its catalog and always proposes the same plan.
struct Rogue(ProposedPlan);

#[async_trait]
impl Planner for Rogue {
    fn kind(&self) -> &'static str {
        "rogue"
    }

    async fn plan(&self, _request: PlanRequest<'_>, _sink: &dyn DeltaSink) -> Result<Outcome, PlannerError> {
        Ok(Outcome::Plan(self.0.clone()))
    }
}

#[tokio::test]
async fn an_agent_plans_within_its_role() {
    let cat = catalog();
    let memory = Memory::new();
    let restarter = Agent::new("restarter", ["service.*"], Arc::new(AliasPlanner::new()));
    assert!(restarter.may_invoke("service.restart"));
    assert!(!restarter.may_invoke("deploy.web"));
    let got = restarter.propose("restart web", &cat, &memory, &Discard).await.unwrap();
    assert_eq!(got.plan().unwrap().steps[0].action, "service.restart");
    // Outside the role the phrasing does not exist for this agent.
    let got = restarter.propose("deploy web", &cat, &memory, &Discard).await.unwrap();
    assert!(got.clarification().is_some(), "{got:#?}");
    // Templates are as allowed as their steps.
    let deployer = Agent::new("deployer", ["deploy.*"], Arc::new(AliasPlanner::new()));
    let got = deployer.propose("release web", &cat, &memory, &Discard).await.unwrap();
    assert_eq!(got.plan().unwrap().template.as_ref().unwrap().name, "release");
    assert!(restarter.propose("release web", &cat, &memory, &Discard).await.unwrap().plan().is_none());
}

#[tokio::test]
async fn a_planner_straying_outside_the_role_is_refused() {
    let cat = catalog();
    let memory = Memory::new();
    let rogue = Agent::new(
        "rogue",
        ["service.*"],
        Arc::new(Rogue(ProposedPlan::single("deploy.web", json!({"service": "web"}), "sneaky"))),
    );
    let err = rogue.propose("restart web", &cat, &memory, &Discard).await.unwrap_err();
    assert_eq!(err, PlannerError::OutsideRole { agent: "rogue".into(), target: "deploy.web".into() });
    assert_eq!(err.to_string(), "agent `rogue` proposed `deploy.web`, which its role does not allow");
}

#[tokio::test]
async fn a_model_agent_sees_only_its_tools() {
    // The model tries a tool it was not offered: refused as unknown, no plan.
    let events = vec![call(0, Some("deploy_web"), "{\"service\":\"web\"}"), finish("tool_calls"), DONE.into()];
    let server = Scripted::start(vec![Reply::Events(events)]).await;
    crate::tls();
    let llm = LlmPlanner::new(LlmConfig::new(&server.base_url, "m")).unwrap();
    let agent = Agent::new("ops-bot", ["service.restart", "scale.*"], Arc::new(llm));
    let err = agent.propose("deploy web", &catalog(), &Memory::new(), &Discard).await.unwrap_err();
    assert_eq!(err, PlannerError::UnknownTool { tool: "deploy_web".into() });
    let sent = &server.requests()[0];
    let names: Vec<&str> =
        sent.body["tools"].as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["scale_service", "service_restart"]);
    // No key configured: no authorization header.
    assert!(sent.headers.get("authorization").is_none());
}

#[tokio::test]
async fn every_agent_proposes_and_arbitration_picks() {
    let cat = catalog();
    let memory = Memory::new();
    let agents = vec![
        Agent::new("deployer", ["deploy.*"], Arc::new(AliasPlanner::new()) as Arc<dyn Planner>),
        Agent::new("restarter", ["service.*"], Arc::new(AliasPlanner::new())),
        Agent::new("generalist", ["**"], Arc::new(AliasPlanner::new())),
    ];
    let proposals = propose_all(&agents, "deploy web to prod", &cat, &memory).await;
    let names: Vec<&str> = proposals.iter().map(|p| p.agent.as_str()).collect();
    assert_eq!(names, vec!["deployer", "restarter", "generalist"]);
    let plans: Vec<Option<&ProposedPlan>> =
        proposals.iter().map(|p| p.outcome.as_ref().ok().and_then(Outcome::plan)).collect();
    assert!(plans[0].is_some() && plans[1].is_none() && plans[2].is_some());
    // The two plans are the same plan: consensus of 2.
    assert_eq!(plans[0].unwrap().fingerprint(), plans[2].unwrap().fingerprint());
    let candidates: Vec<praetor_planner::Candidate> = proposals
        .iter()
        .filter_map(|p| {
            let plan = p.outcome.as_ref().ok()?.plan()?;
            Some(praetor_planner::Candidate {
                agent: p.agent.clone(),
                plan_hash: plan.fingerprint(),
                verdict: praetor_planner::Verdict::NeedsApproval,
                approvals: 2,
                cost: 2.0,
                risk: praetor_planner::Risk::Medium,
                blast_radius: praetor_planner::BlastRadius { state_keys: 1, external_calls: 0 },
            })
        })
        .collect();
    let a = arbitrate(praetor_planner::Strategy::Consensus(2), &candidates);
    assert_eq!(a.chosen, Some(0));
    assert!(a.reason.starts_with("2 agents (deployer, generalist) proposed plan "), "{}", a.reason);
}
