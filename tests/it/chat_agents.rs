//! Agents in chat: several agents propose, each proposal is simulated and ranked, a strategy
//! (or the person) picks one; roles limit what an agent proposes and disabling an agent stops
//! its plans; the LLM planner streams its text (from its start to someone who opens the
//! conversation mid-answer) and a malformed tool call proposes nothing; an answer cut off by a
//! stopped server is ended as interrupted.

use std::sync::Arc;

use praetor::clock::ManualClock;
use praetor_tests::chat::{ChatStream, last, one, say, session};
use praetor_tests::scripted::{self, Scripted};
use praetor_tests::*;
use serde_json::{Value, json};

/// Three actions answering the same words, at different costs and risks.
fn cache_policy(org: &str) -> Value {
    let action = |name: &str, cost: &str, risk: &str| {
        format!(
            "apiVersion: praetor.dev/v1\nkind: Action\nmetadata: {{ name: {name}, org: {org} }}\nspec:\n  description: {name} a service's cache\n  params:\n    type: object\n    required: [service]\n    properties:\n      service: {{ type: string }}\n  handler:\n    builtin: state.set\n    with: {{ key: \"caches.{{{{ params.service }}}}\", value: \"{name}\" }}\n  cost: {cost}\n  risk: {risk}\n  aliases: [\"clean {{service}}\"]\n"
        )
    };
    let text = [
        action("cache.flush", "1", "low"),
        action("cache.rebuild", "5", "medium"),
        action("cache.purge", "0.5", "high"),
    ]
    .join("---\n");
    json!([{"name": "cache.yaml", "text": text}])
}

const CREATE_AGENT: &str =
    "mutation($in: CreateAgentInput!) { createAgent(input: $in) { id name planner role enabled } }";
const SET_AGENTS: &str = "mutation($in: SetProjectAgentsInput!) { setProjectAgents(input: $in) { strategy strategyLabel consensus agents { name } } }";

async fn agent(app: &TestApp, name: &str, planner: &str, role: &[&str]) -> String {
    let d =
        app.admin(CREATE_AGENT, json!({"in": {"org": app.org, "name": name, "planner": planner, "role": role}})).await;
    assert_eq!(d["createAgent"]["name"], name);
    d["createAgent"]["id"].as_str().unwrap().to_string()
}

async fn use_agents(app: &TestApp, project: &str, names: &[&str], strategy: &str, k: Option<i32>) -> Value {
    let input = json!({"org": app.org, "project": project, "agents": names, "strategy": strategy, "consensus": k});
    app.admin(SET_AGENTS, json!({"in": input})).await["setProjectAgents"].clone()
}

/// Asks `text` and returns (the ranking event, the proposed plan if any, the answer).
async fn ask(app: &TestApp, key: &str, s: &str, chat: &mut ChatStream, text: &str) -> (Value, Option<Value>, Value) {
    let asked = say(app, key, s, text).await;
    let events = chat.answer(asked).await;
    let ranked = one(&events, "PROPOSALS_RANKED").clone();
    assert_eq!(ranked["arbitration"]["proposals"].as_array().unwrap().len(), ranked_count(&ranked));
    (ranked, last(&events, "PLAN_PROPOSED").cloned(), events.last().unwrap().clone())
}

/// A server whose `web` project is answered by one LLM agent, `gpt` (the scripted `model`),
/// and a conversation there of a new operator: the app, the operator's key and e-mail, and
/// the session's id.
async fn gpt_conversation(model: &Scripted, opts: SpawnOptions) -> (TestApp, String, String, String) {
    let app = spawn_with(SpawnOptions { llm_base_url: Some(model.base_url.clone()), ..opts }).await;
    app.with_example_policies().await;
    agent(&app, "gpt", "LLM", &["deploy.*"]).await;
    use_agents(&app, "web", &["gpt"], "FIRST_VALID", None).await;
    let (bob, bob_email) = app.user_with_role("operator", None).await;
    let s = session(&app, &bob, "web").await;
    (app, bob, bob_email, s)
}

fn ranked_count(r: &Value) -> usize {
    r["arbitration"]["proposals"].as_array().map_or(0, Vec::len)
}

fn agents_by_rank(r: &Value) -> Vec<String> {
    r["arbitration"]["proposals"].as_array().unwrap().iter().map(|p| p["agent"].as_str().unwrap().to_string()).collect()
}

/// The flusher's proposal in the latest ranking the stream saw.
fn ranked_flusher_id(chat: &ChatStream) -> String {
    let ranking = chat.seen.iter().rev().find(|e| e["kind"] == "PROPOSALS_RANKED").unwrap();
    let p = ranking["arbitration"]["proposals"].as_array().unwrap().iter().find(|p| p["agent"] == "flusher").unwrap();
    p["id"].as_str().unwrap().to_string()
}

fn chosen_agent(r: &Value) -> Option<String> {
    let id = r["arbitration"]["chosenProposalId"].as_str()?;
    let p = r["arbitration"]["proposals"].as_array()?.iter().find(|p| p["id"] == id)?;
    assert_eq!(p["chosen"], true);
    p["agent"].as_str().map(str::to_string)
}

#[tokio::test]
async fn every_strategy_picks_through_the_api_and_the_others_stay_visible() {
    let app = spawn_app().await;
    app.project("ops").await;
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": cache_policy(&app.org), "comment": "caches"}})).await;
    for (name, role) in [
        ("flusher", "cache.flush"),
        ("flusher2", "cache.flush"),
        ("rebuilder", "cache.rebuild"),
        ("purger", "cache.purge"),
    ] {
        agent(&app, name, "ALIAS", &[role]).await;
    }
    let (bob, bob_email) = app.user_with_role("operator", None).await;
    let s = session(&app, &bob, "ops").await;
    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;

    // lowest-cost: the purge (0.5) beats flush (1) and rebuild (5), whatever the agent order.
    let set = use_agents(&app, "ops", &["rebuilder", "flusher", "purger"], "LOWEST_COST", None).await;
    assert_eq!(set["strategyLabel"], "lowest-cost");
    let (ranked, plan, answer) = ask(&app, &bob, &s, &mut chat, "clean web").await;
    assert_eq!(ranked["arbitration"]["strategy"], "lowest-cost");
    assert_eq!(agents_by_rank(&ranked), vec!["purger", "flusher", "rebuilder"]);
    assert_eq!(chosen_agent(&ranked).as_deref(), Some("purger"));
    let costs: Vec<f64> =
        ranked["arbitration"]["proposals"].as_array().unwrap().iter().map(|p| p["cost"].as_f64().unwrap()).collect();
    assert_eq!(costs, vec![0.5, 1.0, 5.0]);
    let first = &ranked["arbitration"]["proposals"][0];
    assert_eq!((first["rank"].as_i64(), first["eligible"].as_bool()), (Some(1), Some(true)));
    assert_eq!(first["blastRadius"], json!({"stateKeys": 1, "externalCalls": 0}));
    assert_eq!(first["preview"]["verdict"], "ALLOWED");
    let plan = plan.expect("the chosen plan is proposed");
    assert_eq!(plan["steps"][0]["action"], "cache.purge");
    assert_eq!(plan["proposer"], json!([{"kind": "USER", "name": bob_email}, {"kind": "AGENT", "name": "purger"}]));
    assert_eq!(answer["agent"], "purger");
    assert_eq!(answer["proposalId"], ranked["arbitration"]["chosenProposalId"]);

    // lowest-risk: the flush (low) beats purge (high) and rebuild (medium).
    use_agents(&app, "ops", &["rebuilder", "flusher", "purger"], "LOWEST_RISK", None).await;
    let (ranked, plan, _) = ask(&app, &bob, &s, &mut chat, "clean web").await;
    assert_eq!(agents_by_rank(&ranked), vec!["flusher", "rebuilder", "purger"]);
    assert_eq!(plan.unwrap()["steps"][0]["action"], "cache.flush");

    // first-valid: agent order decides.
    use_agents(&app, "ops", &["rebuilder", "flusher", "purger"], "FIRST_VALID", None).await;
    let (ranked, plan, _) = ask(&app, &bob, &s, &mut chat, "clean web").await;
    assert_eq!(chosen_agent(&ranked).as_deref(), Some("rebuilder"));
    assert_eq!(plan.unwrap()["steps"][0]["action"], "cache.rebuild");

    // consensus(2): two agents proposing the same steps win; the tie between them breaks by name.
    let set = use_agents(&app, "ops", &["rebuilder", "flusher2", "flusher"], "CONSENSUS", Some(2)).await;
    assert_eq!((set["strategyLabel"].as_str(), set["consensus"].as_i64()), (Some("consensus:2"), Some(2)));
    let (ranked, plan, _) = ask(&app, &bob, &s, &mut chat, "clean api").await;
    assert_eq!(chosen_agent(&ranked).as_deref(), Some("flusher"));
    let support: Vec<i64> =
        ranked["arbitration"]["proposals"].as_array().unwrap().iter().map(|p| p["support"].as_i64().unwrap()).collect();
    assert_eq!(support, vec![2, 2, 1]);
    let p = &ranked["arbitration"]["proposals"];
    assert_eq!(p[0]["contentHash"], p[1]["contentHash"]);
    assert_ne!(p[0]["contentHash"], p[2]["contentHash"]);
    assert_eq!(plan.unwrap()["proposer"][1]["name"], "flusher");
    // Without two agents agreeing, nothing is proposed.
    use_agents(&app, "ops", &["rebuilder", "flusher", "purger"], "CONSENSUS", Some(2)).await;
    let (ranked, plan, answer) = ask(&app, &bob, &s, &mut chat, "clean api").await;
    assert!(plan.is_none());
    assert!(ranked["arbitration"]["chosenProposalId"].is_null());
    assert_eq!(answer["code"], "NO_CONSENSUS");
    assert!(answer["text"].as_str().unwrap().contains("no consensus"), "{answer}");

    // human-choice: everything waits, ranked, until the owner chooses.
    use_agents(&app, "ops", &["flusher", "rebuilder"], "HUMAN_CHOICE", None).await;
    let (ranked, plan, answer) = ask(&app, &bob, &s, &mut chat, "clean db").await;
    assert!(plan.is_none() && answer["code"].is_null());
    assert!(answer["text"].as_str().unwrap().contains("Choose one"), "{answer}");
    const PENDING: &str = "query($id: ID!) { chatSession(id: $id) { pendingChoice { strategy proposals { id agent eligible } } currentPlan { id } } }";
    let pending = ok(app.gql(Some(&bob), PENDING, json!({"id": s})).await)["chatSession"]["pendingChoice"].clone();
    assert_eq!(pending["strategy"], "human-choice");
    assert_eq!(
        pending["proposals"],
        ranked["arbitration"]["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!({"id": p["id"], "agent": p["agent"], "eligible": true}))
            .collect::<Value>()
    );
    let rebuild =
        pending["proposals"].as_array().unwrap().iter().find(|p| p["agent"] == "rebuilder").unwrap()["id"].clone();
    const CHOOSE: &str = "mutation($s: ID!, $p: ID!) { chooseProposal(sessionId: $s, proposalId: $p) { id status proposer { kind name } steps { action } } }";
    // Only the owner chooses.
    let (carol, _) = app.user_with_role("operator", None).await;
    assert_eq!(code(&app.gql(Some(&carol), CHOOSE, json!({"s": s, "p": rebuild})).await), "FORBIDDEN");
    let chosen = ok(app.gql(Some(&bob), CHOOSE, json!({"s": s, "p": rebuild})).await)["chooseProposal"].clone();
    assert_eq!(chosen["proposer"][1], json!({"kind": "AGENT", "name": "rebuilder"}));
    assert_eq!(chosen["steps"][0]["action"], "cache.rebuild");
    let events = chat.until(|e| e["kind"] == "MESSAGE_COMPLETED").await;
    assert_eq!(one(&events, "PLAN_PROPOSED")["planId"], chosen["id"]);
    // The answer names the proposal the person chose (the stored ranking is not rewritten).
    assert_eq!(
        (events.last().unwrap()["proposalId"].as_str(), events.last().unwrap()["planId"].as_str()),
        (rebuild.as_str(), chosen["id"].as_str())
    );
    let after = ok(app.gql(Some(&bob), PENDING, json!({"id": s})).await)["chatSession"].clone();
    assert!(after["pendingChoice"].is_null());
    assert_eq!(after["currentPlan"]["id"], chosen["id"]);
    assert_eq!(code(&app.gql(Some(&bob), CHOOSE, json!({"s": s, "p": rebuild})).await), "CONFLICT");
    // Choosing in words works too.
    let (_, plan, _) = ask(&app, &bob, &s, &mut chat, "clean db").await;
    assert!(plan.is_none());
    let asked = say(&app, &bob, &s, "choose flusher").await;
    let events = chat.answer(asked).await;
    assert_eq!(one(&events, "PLAN_PROPOSED")["proposer"][1]["name"], "flusher");
    let flush = ranked_flusher_id(&chat);
    assert_eq!(events.last().unwrap()["proposalId"].as_str(), Some(flush.as_str()));

    // Every ranking is in the audit chain, with the proposals that lost.
    let audit = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 100) { edges { node { kind payload } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let rankings: Vec<&Value> = audit["org"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == "chat.arbitrated")
        .collect();
    assert_eq!(rankings.len(), 7);
    let lowest_cost = &rankings.last().unwrap()["node"]["payload"];
    assert_eq!(lowest_cost["strategy"], "lowest-cost");
    assert_eq!(lowest_cost["proposals"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn roles_limit_proposals_and_a_disabled_agent_stops_its_plan() {
    let app = spawn_app().await;
    app.project("ops").await;
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": cache_policy(&app.org), "comment": "caches"}})).await;
    let flusher = agent(&app, "flusher", "ALIAS", &["cache.flush"]).await;
    use_agents(&app, "ops", &["flusher"], "FIRST_VALID", None).await;
    let (bob, _) = app.user_with_role("operator", None).await;
    let s = session(&app, &bob, "ops").await;
    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;

    // Outside its role the agent has nothing to offer: a question back, no plan.
    let asked = say(&app, &bob, &s, "set mode to maintenance").await;
    let events = chat.answer(asked).await;
    assert!(events.iter().all(|e| e["kind"] != "PLAN_PROPOSED"), "{events:#?}");
    assert_eq!(events.last().unwrap()["agent"], "flusher");

    let asked = say(&app, &bob, &s, "clean web").await;
    let events = chat.answer(asked).await;
    assert_eq!(one(&events, "PLAN_PROPOSED")["steps"][0]["action"], "cache.flush");

    // Disabled before it runs: execution re-checks the agent, and the step is refused.
    let d = app
        .admin(
            "mutation($in: UpdateAgentInput!) { updateAgent(input: $in) { enabled role } }",
            json!({"in": {"agentId": flusher, "enabled": false}}),
        )
        .await;
    assert_eq!(d["updateAgent"], json!({"enabled": false, "role": ["cache.flush"]}));
    say(&app, &bob, &s, "run it").await;
    let events = chat.until(|e| e["kind"] == "PLAN_FINISHED").await;
    let failed = last(&events, "STEP_PROGRESS").unwrap();
    assert_eq!(failed["step"]["status"], "FAILED");
    assert!(failed["step"]["error"].as_str().unwrap().contains("agent was disabled"), "{failed}");
    assert_eq!(last(&events, "PLAN_FINISHED").unwrap()["status"], "FAILED");

    // With no enabled agent the built-in alias agent answers again.
    let asked = say(&app, &bob, &s, "set mode to maintenance").await;
    let events = chat.answer(asked).await;
    let p = one(&events, "PLAN_PROPOSED");
    assert_eq!(
        (p["steps"][0]["action"].as_str(), p["proposer"][1]["name"].as_str()),
        (Some("state.set"), Some("alias"))
    );
    assert_eq!(p["steps"][0]["params"], json!({"key": "mode", "value": "maintenance"}));
}

#[tokio::test]
async fn a_subscriber_arriving_mid_answer_sees_the_text_from_its_start() {
    let model = Scripted::start(|_| {
        vec![
            scripted::text("Deploying web "),
            scripted::text("to staging, "),
            scripted::HOLD.into(),
            scripted::text("then checking it."),
            scripted::call(0, Some("deploy_web"), "{\"service\": \"web\"}"),
            scripted::finish("tool_calls"),
            scripted::DONE.into(),
        ]
    })
    .await;
    let (app, bob, _, s) = gpt_conversation(&model, SpawnOptions::default()).await;
    let mut early = ChatStream::open(app.addr, &bob, &s, None).await;
    let asked = say(&app, &bob, &s, "deploy web to staging").await;

    // The model said something, then paused (composing its tool call): what it said is out,
    // without waiting for more.
    while early.next().await["kind"] != "TEXT_DELTA" {}
    assert!(early.deltas[0]["text"].as_str().unwrap().starts_with("Deploying web "), "{:?}", early.deltas);

    // Someone opening the conversation now gets that text first, then the rest live.
    let mut late = ChatStream::open(app.addr, &bob, &s, None).await;
    let first = late.next().await;
    assert_eq!(first["kind"], "USER_MESSAGE");
    let second = late.next().await;
    assert_eq!((second["kind"].as_str(), second["seq"].as_i64()), (Some("TEXT_DELTA"), Some(asked)));
    assert!(second["text"].as_str().unwrap().starts_with("Deploying web "), "{second}");
    assert_eq!(second["fromStart"], true);
    model.release();
    let answer = late.answer(asked).await;
    assert_eq!(late.streamed(), "Deploying web to staging, then checking it.");
    assert!(late.deltas[1..].iter().all(|d| d["fromStart"] == false), "{:?}", late.deltas);
    one(&answer, "PLAN_PROPOSED");
    early.answer(asked).await;
    assert_eq!(early.streamed(), "Deploying web to staging, then checking it.");

    // Once the answer is stored it holds the text: a newcomer replays it and no streamed text.
    let mut after = ChatStream::open(app.addr, &bob, &s, None).await;
    let replayed = after.answer(asked).await;
    assert!(after.deltas.is_empty(), "{:?}", after.deltas);
    assert!(last(&replayed, "MESSAGE_COMPLETED").unwrap()["text"].as_str().unwrap().contains("then checking it."));
}

#[tokio::test]
async fn answers_cut_off_by_a_stopped_server_are_ended_as_interrupted() {
    let model = Scripted::start(|req| match scripted::said(req).as_str() {
        "deploy web to staging" => {
            vec![
                scripted::text("Deploying web "),
                scripted::HOLD.into(),
                scripted::finish("stop"),
                scripted::DONE.into(),
            ]
        }
        _ => vec![scripted::text("Hi!"), scripted::finish("stop"), scripted::DONE.into()],
    })
    .await;
    let clock = Arc::new(ManualClock::new("2026-11-24T10:00:00Z".parse().unwrap()));
    let opts = SpawnOptions { clock: Some(clock.clone()), shutdown_grace_ms: Some(200), ..Default::default() };
    let (mut app, bob, bob_email, s) = gpt_conversation(&model, opts).await;
    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;
    let first = say(&app, &bob, &s, "deploy web to staging").await;
    // The second waits for the first to be answered.
    let second = say(&app, &bob, &s, "hello").await;
    while chat.next().await["kind"] != "TEXT_DELTA" {}
    chat.close().await;

    // The server stops while the model is still answering: past its grace period the answer is
    // dropped, as a crash would drop it.
    app.restart().await;
    const AUDIT: &str = "query($o: String!) { org(slug: $o) { auditLog(first: 100) { edges { node { kind actor { kind name } payload } } } } }";
    let interrupted = |audit: Value| -> Vec<Value> {
        audit["org"]["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["node"]["kind"] == "chat.answer_interrupted")
            .map(|e| e["node"].clone())
            .collect()
    };
    // While the hold lasts nobody ends it (the node answering might still be at work).
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(interrupted(app.admin(AUDIT, json!({"o": app.org})).await).is_empty());

    // Once it lapses, the restarted server ends both messages, in order, with a clear answer.
    clock.advance(chrono::Duration::seconds(61));
    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;
    let a1 = chat.answer(first).await.pop().unwrap();
    assert_eq!(a1["code"], "INTERRUPTED");
    assert!(a1["text"].as_str().unwrap().contains("interrupted"), "{a1}");
    // The message is offered again, to send with one click.
    assert_eq!(a1["suggestions"], json!(["deploy web to staging"]));
    let a2 = chat.answer(second).await;
    assert_eq!(a2.len(), 1, "nothing but the answer: {a2:#?}");
    assert_eq!((a2[0]["code"].as_str(), &a2[0]["suggestions"]), (Some("INTERRUPTED"), &json!(["hello"])));
    let audit = interrupted(app.admin(AUDIT, json!({"o": app.org})).await);
    assert_eq!(audit.len(), 1, "{audit:#?}");
    assert_eq!(audit[0]["payload"]["messages"], json!([first, second]));
    assert_eq!(
        audit[0]["actor"],
        json!([{"kind": "USER", "name": bob_email}, {"kind": "SYSTEM", "name": "praetor chat"}])
    );

    // The conversation goes on.
    let third = say(&app, &bob, &s, "hello").await;
    let a3 = chat.answer(third).await.pop().unwrap();
    assert_eq!((a3["text"].as_str(), a3["code"].is_null()), (Some("Hi!"), true));
}

#[tokio::test]
async fn the_llm_planner_streams_and_when_it_fails_the_built_in_planner_answers_and_says_so() {
    let model = Scripted::start(|req| match scripted::said(req).as_str() {
        "deploy web to staging" => vec![
            scripted::text("Deploying web "),
            scripted::text("to staging."),
            scripted::call(0, Some("deploy_web"), "{\"serv"),
            scripted::call(0, None, "ice\": \"web\"}"),
            scripted::finish("tool_calls"),
            scripted::DONE.into(),
        ],
        "break it" | "deploy worker to staging" => vec![
            scripted::call(0, Some("deploy_web"), "{not json"),
            scripted::finish("tool_calls"),
            scripted::DONE.into(),
        ],
        _ => vec![scripted::text("Hi! What should I deploy?"), scripted::finish("stop"), scripted::DONE.into()],
    })
    .await;
    let (app, bob, bob_email, s) = gpt_conversation(&model, SpawnOptions::default()).await;
    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;

    let asked = say(&app, &bob, &s, "deploy web to staging").await;
    let events = chat.answer(asked).await;
    assert_eq!(chat.streamed(), "Deploying web to staging.");
    assert!(
        chat.deltas
            .iter()
            .all(|d| d["kind"] == "TEXT_DELTA" && d["seq"] == asked && d["agent"] == "gpt" && d["id"].is_null())
    );
    let p = one(&events, "PLAN_PROPOSED");
    assert_eq!(p["steps"][0]["params"], json!({"service": "web", "env": "staging", "version": 1}));
    assert_eq!(p["proposer"], json!([{"kind": "USER", "name": bob_email}, {"kind": "AGENT", "name": "gpt"}]));
    let answer = events.last().unwrap();
    assert_eq!(answer["agent"], "gpt");
    assert!(answer["text"].as_str().unwrap().contains("Deploying web to staging."), "{answer}");

    let asked = say(&app, &bob, &s, "break it").await;
    let events = chat.answer(asked).await;
    assert!(events.iter().all(|e| e["kind"] != "PLAN_PROPOSED"), "{events:#?}");
    let answer = events.last().unwrap();
    assert_eq!(answer["code"], "PLANNER_ERROR");
    let text = answer["text"].as_str().unwrap();
    assert!(text.contains("malformed") && text.contains("deploy_web"), "{text}");
    assert!(text.contains("gpt could not answer") && text.contains("the built-in planner answered instead"), "{text}");
    assert!(!text.contains(LLM_KEY));

    let asked = say(&app, &bob, &s, "hello").await;
    let answer = chat.answer(asked).await.pop().unwrap();
    assert_eq!((answer["text"].as_str(), answer["code"].is_null()), (Some("Hi! What should I deploy?"), true));

    // What the endpoint was sent: the key as a bearer token, only the agent's tools, memory.
    let requests = model.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].0["authorization"], format!("Bearer {LLM_KEY}"));
    assert_eq!(scripted::tools(&requests[0].1), vec!["deploy_web", "template_release"]);
    let system = requests[1].1["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("Last plan: deploy.web"), "{system}");

    // An organization's own key, set by its administrator, is sent instead of the instance's;
    // deleted, the instance's is sent again.
    let org_key = format!("sk-org-{}", uuid::Uuid::new_v4().simple());
    let set = "mutation($in: SetSecretInput!) { setSecret(input: $in) { name } }";
    app.admin(set, json!({"in": {"org": app.org, "name": "llm.api_key", "value": org_key}})).await;
    let asked = say(&app, &bob, &s, "hello").await;
    let answer = chat.answer(asked).await.pop().unwrap();
    assert!(!answer.to_string().contains(&org_key));
    assert_eq!(model.requests()[3].0["authorization"], format!("Bearer {org_key}"));
    let delete = "mutation($o: String!) { deleteSecret(org: $o, name: \"llm.api_key\") }";
    app.admin(delete, json!({"o": app.org})).await;
    let asked = say(&app, &bob, &s, "hello").await;
    chat.answer(asked).await;
    assert_eq!(model.requests()[4].0["authorization"], format!("Bearer {LLM_KEY}"));

    // A request the model fails on is still planned: by the built-in agent, and the reply says so.
    let asked = say(&app, &bob, &s, "deploy worker to staging").await;
    let events = chat.answer(asked).await;
    let p = one(&events, "PLAN_PROPOSED");
    assert_eq!(p["steps"][0]["params"], json!({"service": "worker", "env": "staging", "version": 1}));
    assert_eq!(p["proposer"], json!([{"kind": "USER", "name": bob_email}, {"kind": "AGENT", "name": "alias"}]));
    let answer = events.last().unwrap();
    assert_eq!((answer["agent"].as_str(), answer["code"].as_str()), (Some("alias"), Some("PLANNER_ERROR")));
    assert!(answer["text"].as_str().unwrap().starts_with("gpt could not answer"), "{answer}");
}

#[tokio::test]
async fn an_llm_agent_cannot_be_switched_on_without_a_model() {
    let app = spawn_app().await;
    let made = app
        .gql(
            Some(&app.admin_key),
            CREATE_AGENT,
            json!({"in": {"org": app.org, "name": "gpt", "planner": "LLM", "role": ["deploy.*"]}}),
        )
        .await;
    assert_eq!(code(&made), "VALIDATION", "{made}");
    assert!(made.to_string().contains("no model is configured"), "{made}");
    // Switched off, it may be kept (for when a model is configured), but not switched on.
    let off = json!({"in": {"org": app.org, "name": "gpt", "planner": "LLM", "role": ["deploy.*"], "enabled": false}});
    let id = app.admin(CREATE_AGENT, off).await["createAgent"]["id"].as_str().unwrap().to_string();
    let on = "mutation($in: UpdateAgentInput!) { updateAgent(input: $in) { enabled } }";
    let refused = app.gql(Some(&app.admin_key), on, json!({"in": {"agentId": id, "enabled": true}})).await;
    assert_eq!(code(&refused), "VALIDATION", "{refused}");
    // The built-in alias planner needs no model.
    agent(&app, "helper", "ALIAS", &["deploy.*"]).await;
}
