//! Who may do what in chat, and bad input: every chat and agent resolver refuses the wrong
//! role (FORBIDDEN), another tenant (NOT_FOUND) and bad input (VALIDATION).

use praetor_tests::chat::{CHAT_EVENTS, ChatStream, SEND, say, session};
use praetor_tests::ws::Subscription;
use praetor_tests::*;
use serde_json::json;

const CREATE: &str = "mutation($in: CreateChatSessionInput!) { createChatSession(input: $in) { id } }";
const CLEAR: &str = "mutation($s: ID!) { clearChatMemory(sessionId: $s) { id } }";
const CHOOSE: &str = "mutation($s: ID!, $p: ID!) { chooseProposal(sessionId: $s, proposalId: $p) { id } }";
const SESSION: &str = "query($id: ID!) { chatSession(id: $id) { id viewerCanWrite owner { name } } }";
const CREATE_AGENT: &str = "mutation($in: CreateAgentInput!) { createAgent(input: $in) { id } }";
const UPDATE_AGENT: &str = "mutation($in: UpdateAgentInput!) { updateAgent(input: $in) { id } }";
const SET_AGENTS: &str = "mutation($in: SetProjectAgentsInput!) { setProjectAgents(input: $in) { strategy } }";

#[tokio::test]
async fn sessions_are_read_with_chat_read_and_written_by_their_owner_only() {
    let app = spawn_app().await;
    app.project("web").await;
    app.project("pay").await;
    let (bob, bob_email) = app.user_with_role("operator", Some("web")).await;
    let (dan, _) = app.user_with_role("operator", Some("web")).await;
    let (viewer, _) = app.user_with_role("viewer", Some("web")).await;
    let (pay_op, _) = app.user_with_role("operator", Some("pay")).await;
    let (other_org, other_key) = other_org(&app).await;
    let s = session(&app, &bob, "web").await;
    let new = |key: &str, project: &str, title: &str| {
        let input = json!({"in": {"org": app.org, "project": project, "title": title}});
        let key = key.to_string();
        let app = &app;
        async move { app.gql(Some(&key), CREATE, input).await }
    };

    // createChatSession
    assert_eq!(code(&new(&viewer, "web", "x").await), "FORBIDDEN");
    assert_eq!(code(&new(&bob, "pay", "x").await), "NOT_FOUND");
    assert_eq!(code(&new(&other_key, "web", "x").await), "NOT_FOUND");
    assert_eq!(code(&new(&bob, "nope", "x").await), "NOT_FOUND");
    let long = new(&bob, "web", &"t".repeat(101)).await;
    assert_eq!(
        (code(&long).as_str(), long["errors"][0]["extensions"]["field"].as_str()),
        ("VALIDATION", Some("title"))
    );
    let resp =
        app.gql(Some(&other_key), CREATE, json!({"in": {"org": other_org, "project": "web", "title": "x"}})).await;
    assert_eq!(code(&resp), "NOT_FOUND");

    // chatSession / node: chat.read in the project; other tenants and projects see nothing.
    let d = ok(app.gql(Some(&viewer), SESSION, json!({"id": s})).await);
    assert_eq!(
        (d["chatSession"]["viewerCanWrite"].as_bool(), d["chatSession"]["owner"]["name"].as_str()),
        (Some(false), Some(bob_email.as_str()))
    );
    assert_eq!(ok(app.gql(Some(&bob), SESSION, json!({"id": s})).await)["chatSession"]["viewerCanWrite"], true);
    assert_eq!(code(&app.gql(Some(&pay_op), SESSION, json!({"id": s})).await), "NOT_FOUND");
    assert_eq!(code(&app.gql(Some(&other_key), SESSION, json!({"id": s})).await), "NOT_FOUND");
    assert_eq!(code(&app.gql(Some(&bob), SESSION, json!({"id": "chs_nope"})).await), "VALIDATION");
    let node = ok(app
        .gql(Some(&dan), "query($id: ID!) { node(id: $id) { id ... on ChatSession { title } } }", json!({"id": s}))
        .await);
    assert_eq!(node["node"]["title"], "Test chat");

    // chatSessions on Project: everyone's with chat.read, or one's own.
    const LIST: &str = "query($o: String!, $m: Boolean) { project(org: $o, slug: \"web\") { chatSessions(first: 10, mine: $m) { edges { node { id } } } } }";
    session(&app, &dan, "web").await;
    let count = |d: serde_json::Value| d["project"]["chatSessions"]["edges"].as_array().unwrap().len();
    assert_eq!(count(ok(app.gql(Some(&viewer), LIST, json!({"o": app.org, "m": false})).await)), 2);
    assert_eq!(count(ok(app.gql(Some(&bob), LIST, json!({"o": app.org, "m": true})).await)), 1);
    let big = app.gql(Some(&bob), "query($o: String!) { project(org: $o, slug: \"web\") { chatSessions(first: 1000) { edges { node { id } } } } }", json!({"o": app.org})).await;
    assert_eq!(code(&big), "VALIDATION");

    // sendChatMessage: the owner only, bounded text.
    let send = |key: &str, session: &str, text: String| {
        let (key, vars) = (key.to_string(), json!({"s": session, "t": text}));
        let app = &app;
        async move { app.gql(Some(&key), SEND, vars).await }
    };
    assert_eq!(code(&send(&dan, &s, "hi".into()).await), "FORBIDDEN");
    assert_eq!(code(&send(&viewer, &s, "hi".into()).await), "FORBIDDEN");
    assert_eq!(code(&send(&pay_op, &s, "hi".into()).await), "NOT_FOUND");
    assert_eq!(code(&send(&other_key, &s, "hi".into()).await), "NOT_FOUND");
    let empty = send(&bob, &s, "   ".into()).await;
    assert_eq!(
        (code(&empty).as_str(), empty["errors"][0]["extensions"]["field"].as_str()),
        ("VALIDATION", Some("text"))
    );
    assert_eq!(code(&send(&bob, &s, "x".repeat(4001)).await), "VALIDATION");
    assert_eq!(code(&send(&bob, &s, "bell\u{7}".into()).await), "VALIDATION");
    assert_eq!(code(&send(&bob, "pln_0192f5a8c0d87a4c9b5e2f4a1b2c3d4e", "hi".into()).await), "VALIDATION");

    // clearChatMemory and chooseProposal: the owner only; nothing to choose is a conflict.
    assert_eq!(code(&app.gql(Some(&dan), CLEAR, json!({"s": s})).await), "FORBIDDEN");
    assert_eq!(code(&app.gql(Some(&other_key), CLEAR, json!({"s": s})).await), "NOT_FOUND");
    let cpr = "cpr_0192f5a8c0d87a4c9b5e2f4a1b2c3d4e";
    assert_eq!(code(&app.gql(Some(&bob), CHOOSE, json!({"s": s, "p": cpr})).await), "CONFLICT");
    assert_eq!(code(&app.gql(Some(&bob), CHOOSE, json!({"s": s, "p": "nope"})).await), "VALIDATION");
    assert_eq!(code(&app.gql(Some(&dan), CHOOSE, json!({"s": s, "p": cpr})).await), "FORBIDDEN");

    // chatEvents: another tenant, or another project's operator, cannot subscribe.
    for key in [&other_key, &pay_op] {
        let mut sub = Subscription::start(app.addr, key, CHAT_EVENTS, json!({"s": s})).await;
        let msg = sub.next().await.expect("an answer");
        assert_eq!(msg["errors"][0]["extensions"]["code"], "NOT_FOUND", "{msg}");
    }
    let mut sub = Subscription::start(app.addr, &bob, CHAT_EVENTS, json!({"s": s, "a": -1})).await;
    assert_eq!(sub.next().await.unwrap()["errors"][0]["extensions"]["code"], "VALIDATION");
    // A viewer follows the conversation live.
    let mut watching = ChatStream::open(app.addr, &viewer, &s, None).await;
    let asked = say(&app, &bob, &s, "hello").await;
    assert_eq!(watching.next().await["seq"], asked);
}

#[tokio::test]
async fn a_session_takes_a_bounded_number_of_messages_a_minute() {
    let app = spawn_app().await;
    app.project("web").await;
    let (bob, _) = app.user_with_role("operator", None).await;
    let s = session(&app, &bob, "web").await;
    for i in 0..30 {
        say(&app, &bob, &s, &format!("hello {i}")).await;
    }
    let resp = app.gql(Some(&bob), SEND, json!({"s": s, "t": "one more"})).await;
    assert_eq!(code(&resp), "RATE_LIMITED");
    assert_eq!(resp["errors"][0]["extensions"]["retryAfterSeconds"], 60);
}

#[tokio::test]
async fn agents_are_managed_by_administrators_of_their_own_organization() {
    let app = spawn_app().await;
    app.project("web").await;
    let (op, _) = app.user_with_role("operator", None).await;
    let (padmin, _) = app.user_with_role("project_admin", Some("web")).await;
    let (other_slug, other_key) = other_org(&app).await;
    let create = |key: &str, org: &str, name: &str, role: serde_json::Value| {
        let vars = json!({"in": {"org": org, "name": name, "role": role}});
        let key = key.to_string();
        let app = &app;
        async move { app.gql(Some(&key), CREATE_AGENT, vars).await }
    };
    let made = ok(create(&app.admin_key, &app.org, "deployer", json!(["deploy.*"])).await);
    let id = made["createAgent"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("agt_"));
    assert_eq!(code(&create(&op, &app.org, "x-agent", json!(["*"])).await), "FORBIDDEN");
    assert_eq!(code(&create(&padmin, &app.org, "x-agent", json!(["*"])).await), "FORBIDDEN");
    assert_eq!(code(&create(&other_key, &app.org, "x-agent", json!(["*"])).await), "NOT_FOUND");
    assert_eq!(code(&create(&app.admin_key, &app.org, "deployer", json!(["*"])).await), "CONFLICT");
    assert_eq!(code(&create(&app.admin_key, &app.org, "alias", json!(["*"])).await), "VALIDATION");
    let bad = create(&app.admin_key, &app.org, "bad", json!(["deploy web"])).await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "role[0]");
    assert_eq!(code(&create(&app.admin_key, &app.org, "bad", json!([])).await), "VALIDATION");
    assert_eq!(code(&create(&app.admin_key, &app.org, "Bad Name", json!(["*"])).await), "VALIDATION");
    // The other org's admin manages only their own agents.
    ok(create(&other_key, &other_slug, "deployer", json!(["deploy.*"])).await);

    let update = |key: &str, input: serde_json::Value| {
        let key = key.to_string();
        let app = &app;
        async move { app.gql(Some(&key), UPDATE_AGENT, json!({"in": input})).await }
    };
    assert_eq!(code(&update(&op, json!({"agentId": id, "enabled": false})).await), "FORBIDDEN");
    assert_eq!(code(&update(&other_key, json!({"agentId": id, "enabled": false})).await), "NOT_FOUND");
    assert_eq!(code(&update(&app.admin_key, json!({"agentId": id, "role": []})).await), "VALIDATION");
    assert_eq!(code(&update(&app.admin_key, json!({"agentId": "agt_nope"})).await), "VALIDATION");

    // Members read the org's agents; other tenants cannot.
    let list = ok(app
        .gql(Some(&op), "query($o: String!) { agents(org: $o) { name role planner } }", json!({"o": app.org}))
        .await);
    assert_eq!(list["agents"], json!([{"name": "deployer", "role": ["deploy.*"], "planner": "ALIAS"}]));
    let resp =
        app.gql(Some(&other_key), "query($o: String!) { agents(org: $o) { name } }", json!({"o": app.org})).await;
    assert_eq!(code(&resp), "NOT_FOUND");
    let node =
        ok(app.gql(Some(&op), "query($id: ID!) { node(id: $id) { ... on Agent { name } } }", json!({"id": id})).await);
    assert_eq!(node["node"]["name"], "deployer");

    // setProjectAgents: project administrators; names must exist; consensus fits the agents.
    let set = |key: &str, input: serde_json::Value| {
        let key = key.to_string();
        let app = &app;
        async move { app.gql(Some(&key), SET_AGENTS, json!({"in": input})).await }
    };
    let input = json!({"org": app.org, "project": "web", "agents": ["deployer"], "strategy": "LOWEST_RISK"});
    assert_eq!(code(&set(&op, input.clone()).await), "FORBIDDEN");
    assert_eq!(code(&set(&other_key, input.clone()).await), "NOT_FOUND");
    assert_eq!(ok(set(&padmin, input).await)["setProjectAgents"]["strategy"], "LOWEST_RISK");
    let unknown = set(&padmin, json!({"org": app.org, "project": "web", "agents": ["ghost"]})).await;
    assert_eq!(unknown["errors"][0]["extensions"]["field"], "agents[0]");
    let twice = set(&padmin, json!({"org": app.org, "project": "web", "agents": ["deployer", "deployer"]})).await;
    assert_eq!(code(&twice), "VALIDATION");
    let k = set(
        &padmin,
        json!({"org": app.org, "project": "web", "agents": ["deployer"], "strategy": "CONSENSUS", "consensus": 2}),
    )
    .await;
    assert_eq!(code(&k), "VALIDATION");
    let settings = ok(app
        .gql(
            Some(&op),
            "query($o: String!) { project(org: $o, slug: \"web\") { chatSettings { strategyLabel agents { name } } } }",
            json!({"o": app.org}),
        )
        .await);
    assert_eq!(
        settings["project"]["chatSettings"],
        json!({"strategyLabel": "lowest-risk", "agents": [{"name": "deployer"}]})
    );
}
