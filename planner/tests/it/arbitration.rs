//! Each arbitration strategy, with ties and failures.

use praetor_planner::{BlastRadius, Candidate, Risk, Strategy, Verdict, arbitrate};

#[allow(clippy::too_many_arguments)] // one row of a table
fn cand(
    agent: &str,
    hash: &str,
    verdict: Verdict,
    approvals: u32,
    cost: f64,
    risk: Risk,
    keys: u32,
    calls: u32,
) -> Candidate {
    Candidate {
        agent: agent.into(),
        plan_hash: hash.into(),
        verdict,
        approvals,
        cost,
        risk,
        blast_radius: BlastRadius { state_keys: keys, external_calls: calls },
    }
}

/// Agent order: denied first, then a costly low-risk plan, a cheap high-risk one, and two
/// agents agreeing on a medium plan.
fn field() -> Vec<Candidate> {
    vec![
        cand("alpha", "h-deny", Verdict::Denied, 0, 0.0, Risk::Low, 0, 0),
        cand("bravo", "h-safe", Verdict::NeedsApproval, 1, 9.0, Risk::Low, 1, 0),
        cand("charlie", "h-cheap", Verdict::Allowed, 0, 1.0, Risk::High, 3, 2),
        cand("delta", "h-mid", Verdict::Allowed, 0, 4.0, Risk::Medium, 2, 0),
        cand("echo", "h-mid", Verdict::Allowed, 0, 4.0, Risk::Medium, 2, 0),
    ]
}

fn order(a: &praetor_planner::Arbitration) -> Vec<&str> {
    a.ranking.iter().map(|r| r.candidate.agent.as_str()).collect()
}

#[test]
fn first_valid_takes_agent_order_skipping_denied() {
    let a = arbitrate(Strategy::FirstValid, &field());
    assert_eq!(a.chosen, Some(1));
    assert_eq!(a.chosen_candidate().unwrap().agent, "bravo");
    assert_eq!(order(&a), vec!["bravo", "charlie", "delta", "echo", "alpha"]);
    assert!(!a.ranking[4].eligible);
    assert_eq!(a.reason, "bravo's plan is the first proposal, in agent order, that is not denied");
}

#[test]
fn lowest_cost() {
    let a = arbitrate(Strategy::LowestCost, &field());
    assert_eq!(a.chosen_candidate().unwrap().agent, "charlie");
    assert_eq!(order(&a), vec!["charlie", "delta", "echo", "bravo", "alpha"]);
    assert_eq!(a.reason, "charlie's plan has the lowest cost (1)");
    // A denied plan is never chosen, however cheap.
    assert_eq!(a.ranking.last().unwrap().candidate.cost, 0.0);
}

#[test]
fn lowest_cost_tie_breaks_by_the_common_order() {
    let c = vec![
        cand("zulu", "h1", Verdict::Allowed, 0, 3.0, Risk::Low, 5, 0),
        cand("yankee", "h2", Verdict::NeedsApproval, 1, 3.0, Risk::Low, 0, 0),
        cand("xray", "h3", Verdict::Allowed, 0, 3.0, Risk::Low, 2, 1),
        cand("whiskey", "h4", Verdict::Allowed, 0, 3.0, Risk::Low, 3, 0),
    ];
    let a = arbitrate(Strategy::LowestCost, &c);
    // Same cost: verdict (allowed first), approvals, risk, then blast radius 3 = 3 -> agent name.
    assert_eq!(order(&a), vec!["whiskey", "xray", "zulu", "yankee"]);
    assert_eq!(a.chosen, Some(3));
    assert_eq!(a.reason, "whiskey's plan has the lowest cost (3); tied with xray's plan, ahead by agent name");
    // Same everything but the plan: the hash decides, whatever the input order.
    let twins = vec![
        cand("same", "h-b", Verdict::Allowed, 0, 1.0, Risk::Low, 0, 0),
        cand("same", "h-a", Verdict::Allowed, 0, 1.0, Risk::Low, 0, 0),
    ];
    let a = arbitrate(Strategy::LowestCost, &twins);
    assert_eq!(a.chosen, Some(1));
    let mut reversed = twins.clone();
    reversed.reverse();
    assert_eq!(arbitrate(Strategy::LowestCost, &reversed).chosen_candidate().unwrap().plan_hash, "h-a");
}

#[test]
fn lowest_risk() {
    let a = arbitrate(Strategy::LowestRisk, &field());
    assert_eq!(a.chosen_candidate().unwrap().agent, "bravo");
    assert_eq!(order(&a), vec!["bravo", "delta", "echo", "charlie", "alpha"]);
    assert_eq!(a.reason, "bravo's plan has the lowest risk (low)");
    // Equal risk: the allowed plan beats the one needing approval.
    let c = vec![
        cand("a", "h1", Verdict::NeedsApproval, 2, 1.0, Risk::Medium, 0, 0),
        cand("b", "h2", Verdict::Allowed, 0, 5.0, Risk::Medium, 0, 0),
        cand("c", "h3", Verdict::Allowed, 0, 5.0, Risk::Critical, 0, 0),
    ];
    let a = arbitrate(Strategy::LowestRisk, &c);
    assert_eq!(order(&a), vec!["b", "a", "c"]);
    assert_eq!(a.reason, "b's plan has the lowest risk (medium); tied with a's plan, ahead by verdict");
}

#[test]
fn consensus_needs_k_agents_on_one_plan() {
    let a = arbitrate(Strategy::Consensus(2), &field());
    assert_eq!(a.chosen_candidate().unwrap().agent, "delta");
    // Then by the common order: allowed before needing approval.
    assert_eq!(order(&a), vec!["delta", "echo", "charlie", "bravo", "alpha"]);
    assert_eq!(a.ranking[0].support, 2);
    assert_eq!(a.ranking[2].support, 1);
    assert_eq!(a.reason, "2 agents (delta, echo) proposed plan h-mid (at least 2 needed)");

    let a = arbitrate(Strategy::Consensus(3), &field());
    assert_eq!(a.chosen, None);
    assert_eq!(a.reason, "no consensus: no plan was proposed by 3 agents (the most for one plan was 2)");
    // Everything stays visible.
    assert_eq!(a.ranking.len(), 5);
}

#[test]
fn consensus_ignores_denied_votes_and_duplicate_agents() {
    let c = vec![
        cand("a", "h1", Verdict::Denied, 0, 1.0, Risk::Low, 0, 0),
        cand("b", "h1", Verdict::Allowed, 0, 1.0, Risk::Low, 0, 0),
        cand("b", "h1", Verdict::Allowed, 0, 1.0, Risk::Low, 0, 0),
    ];
    let a = arbitrate(Strategy::Consensus(2), &c);
    assert_eq!(a.chosen, None);
    assert_eq!(a.ranking[0].support, 1);
}

#[test]
fn consensus_tie_between_plans_is_deterministic() {
    let c = vec![
        cand("a", "h-x", Verdict::Allowed, 0, 5.0, Risk::Low, 0, 0),
        cand("b", "h-y", Verdict::Allowed, 0, 2.0, Risk::Low, 0, 0),
        cand("c", "h-x", Verdict::Allowed, 0, 5.0, Risk::Low, 0, 0),
        cand("d", "h-y", Verdict::Allowed, 0, 2.0, Risk::Low, 0, 0),
    ];
    let a = arbitrate(Strategy::Consensus(2), &c);
    assert_eq!(a.chosen_candidate().unwrap().plan_hash, "h-y");
    assert_eq!(
        a.reason,
        "2 agents (b, d) proposed plan h-y (at least 2 needed); plan h-x had as many agents, ahead by cost"
    );
}

#[test]
fn human_choice_ranks_but_does_not_choose() {
    let a = arbitrate(Strategy::HumanChoice, &field());
    assert_eq!(a.chosen, None);
    assert!(a.chosen_candidate().is_none());
    // Common order: allowed before needs-approval, then risk: delta/echo (medium) before charlie (high).
    assert_eq!(order(&a), vec!["delta", "echo", "charlie", "bravo", "alpha"]);
    assert_eq!(a.reason, "waiting for a person to choose among 4 proposals (ranked, delta's first)");
}

#[test]
fn nothing_to_choose_from() {
    for s in [
        Strategy::FirstValid,
        Strategy::LowestCost,
        Strategy::LowestRisk,
        Strategy::Consensus(1),
        Strategy::HumanChoice,
    ] {
        let a = arbitrate(s, &[]);
        assert_eq!((a.chosen, a.reason.as_str()), (None, "no agent proposed a plan"));
        let denied = vec![cand("a", "h", Verdict::Denied, 0, 1.0, Risk::Low, 0, 0)];
        let a = arbitrate(s, &denied);
        assert_eq!((a.chosen, a.reason.as_str()), (None, "every proposal was denied"));
        assert_eq!(a.ranking.len(), 1);
    }
}

#[test]
fn strategies_parse_from_configuration() {
    assert_eq!(Strategy::parse("first-valid"), Some(Strategy::FirstValid));
    assert_eq!(Strategy::parse("LOWEST_COST"), Some(Strategy::LowestCost));
    assert_eq!(Strategy::parse("lowest-risk"), Some(Strategy::LowestRisk));
    assert_eq!(Strategy::parse("consensus:3"), Some(Strategy::Consensus(3)));
    assert_eq!(Strategy::parse("consensus(2)"), Some(Strategy::Consensus(2)));
    assert_eq!(Strategy::parse("human-choice"), Some(Strategy::HumanChoice));
    assert_eq!(Strategy::parse("consensus:0"), None);
    assert_eq!(Strategy::parse("random"), None);
    let json = serde_json::to_value(Strategy::Consensus(2)).unwrap();
    assert_eq!(json, serde_json::json!({"consensus": 2}));
}
