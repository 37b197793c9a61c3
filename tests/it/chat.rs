//! Chat end to end over HTTP and websocket: a request becomes a proposed plan with its
//! preview, commands act on it with the typist's rights, progress streams into the session,
//! memory follows the conversation and survives a restart.

use praetor_tests::chat::{ChatStream, last, one, say, session};
use praetor_tests::*;
use serde_json::json;

const APPROVE: &str = "mutation($in: ApprovePlanInput!) { approvePlan(input: $in) { id status } }";

#[tokio::test]
async fn a_request_is_proposed_previewed_run_and_followed_to_the_end() {
    let app = spawn_app().await;
    app.with_example_policies().await;
    let (bob, bob_email) = app.user_with_role("operator", Some("web")).await;
    let s = session(&app, &bob, "web").await;
    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;

    let asked = say(&app, &bob, &s, "deploy web to staging").await;
    assert_eq!(asked, 1);
    let events = chat.answer(asked).await;
    let user = one(&events, "USER_MESSAGE");
    assert_eq!((user["role"].as_str(), user["author"]["name"].as_str()), (Some("USER"), Some(bob_email.as_str())));
    let proposed = one(&events, "PLAN_PROPOSED");
    assert_eq!(proposed["verdict"], "ALLOWED");
    assert_eq!(proposed["status"], "APPROVED");
    assert_eq!(proposed["steps"][0]["action"], "deploy.web");
    assert_eq!(proposed["steps"][0]["params"], json!({"service": "web", "env": "staging", "version": 1}));
    let preview = &proposed["preview"];
    assert_eq!(preview["verdict"], "ALLOWED");
    assert_eq!(preview["cost"], 2.0);
    assert_eq!(preview["risk"], "MEDIUM");
    assert_eq!(
        preview["steps"][0]["stateDiff"],
        json!([{"path": "deployments.web-staging", "after": {"env": "staging", "service": "web", "version": 1}}])
    );
    let rbac = preview["steps"][0]["checks"].as_array().unwrap().iter().find(|c| c["name"] == "rbac").unwrap();
    assert_eq!(rbac["code"], "OK");
    // The chain is the person who chatted, then the agent: no shared bot identity.
    assert_eq!(proposed["proposer"], json!([{"kind": "USER", "name": bob_email}, {"kind": "AGENT", "name": "alias"}]));
    let answer = events.last().unwrap();
    assert_eq!(answer["role"], "ASSISTANT");
    assert_eq!(answer["agent"], "alias");
    assert!(answer["code"].is_null(), "{answer}");
    assert_eq!(answer["planId"], proposed["planId"]);
    assert!(answer["text"].as_str().unwrap().contains("run it"), "{answer}");
    let plan_id = proposed["planId"].as_str().unwrap().to_string();
    let seqs: Vec<i64> = chat.seen.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "dense, ordered sequence numbers");

    // "What will this do?" explains the frozen preview.
    let asked = say(&app, &bob, &s, "what will this do?").await;
    let answer = chat.answer(asked).await.pop().unwrap();
    let text = answer["text"].as_str().unwrap();
    assert!(text.contains("deploy.web") && text.contains("deployments.web-staging"), "{text}");
    assert_eq!(answer["planId"], plan_id.as_str());

    // "Run it" queues it; the engine's progress follows in the session until the end.
    let asked = say(&app, &bob, &s, "ok, run it").await;
    let mut events = chat.until(|e| e["kind"] == "PLAN_FINISHED").await;
    // A short plan may finish before the turn that queued it has stored its answer.
    if !events.iter().any(|e| e["kind"] == "MESSAGE_COMPLETED" && e["inReplyTo"] == asked) {
        events.extend(chat.answer(asked).await);
    }
    let answer = events.iter().find(|e| e["kind"] == "MESSAGE_COMPLETED" && e["inReplyTo"] == asked).unwrap();
    assert!(answer["text"].as_str().unwrap().starts_with("Queued plan"), "{answer}");
    let statuses: Vec<&str> =
        events.iter().filter(|e| e["kind"] == "PLAN_STATUS").map(|e| e["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"QUEUED") && statuses.contains(&"RUNNING"), "{statuses:?}");
    let steps: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["kind"] == "STEP_PROGRESS")
        .map(|e| (e["step"]["action"].as_str().unwrap(), e["step"]["status"].as_str().unwrap()))
        .collect();
    assert_eq!(steps, vec![("deploy.web", "RUNNING"), ("deploy.web", "SUCCEEDED")]);
    let done = last(&events, "PLAN_FINISHED").unwrap();
    assert_eq!((done["status"].as_str(), done["planId"].as_str()), (Some("SUCCEEDED"), Some(plan_id.as_str())));

    // "status" reads the plan as it is now; the session remembers it as its current plan.
    let asked = say(&app, &bob, &s, "status").await;
    let answer = chat.answer(asked).await.pop().unwrap();
    assert!(answer["text"].as_str().unwrap().contains("is succeeded"), "{answer}");
    let d = ok(app
        .gql(
            Some(&bob),
            "query($id: ID!) { chatSession(id: $id) { lastSeq currentPlan { id status proposer { kind name } } messages(first: 50) { edges { node { role text } } } } }",
            json!({"id": s}),
        )
        .await);
    let cs = &d["chatSession"];
    assert_eq!(cs["currentPlan"]["id"], plan_id.as_str());
    assert_eq!(cs["currentPlan"]["status"], "SUCCEEDED");
    assert_eq!(cs["currentPlan"]["proposer"][1]["kind"], "AGENT");
    let roles: Vec<&str> =
        cs["messages"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["role"].as_str().unwrap()).collect();
    assert_eq!(roles, vec!["USER", "ASSISTANT", "USER", "ASSISTANT", "USER", "ASSISTANT", "USER", "ASSISTANT"]);
    assert_eq!(cs["lastSeq"], chat.seen.last().unwrap()["seq"]);

    // The audit chain recorded the conversation and the plan with the person -> agent chain.
    let audit = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 100) { edges { node { kind actor { kind name } } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let entries = audit["org"]["auditLog"]["edges"].as_array().unwrap();
    let kinds: Vec<&str> = entries.iter().map(|e| e["node"]["kind"].as_str().unwrap()).collect();
    for k in ["chat.session_created", "chat.message", "chat.replied", "plan.proposed", "plan.succeeded"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let proposed = entries.iter().find(|e| e["node"]["kind"] == "plan.proposed").unwrap();
    assert_eq!(
        proposed["node"]["actor"],
        json!([{"kind": "USER", "name": bob_email}, {"kind": "AGENT", "name": "alias"}])
    );
}

#[tokio::test]
async fn approvals_keep_separation_of_duties_and_errors_become_answers() {
    let app = spawn_app().await;
    app.with_example_policies().await;
    let (bob, _) = app.user_with_role("operator", None).await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    app.group("sre-leads", &[&carol_email]).await;
    app.group("change-board", &[&app.admin_email]).await;
    let s = session(&app, &bob, "web").await;
    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;

    let asked = say(&app, &bob, &s, "deploy api to prod").await;
    let events = chat.answer(asked).await;
    let proposed = one(&events, "PLAN_PROPOSED");
    assert_eq!(
        (proposed["verdict"].as_str(), proposed["status"].as_str()),
        (Some("NEEDS_APPROVAL"), Some("PENDING_APPROVAL"))
    );
    let stages: Vec<&serde_json::Value> = events.iter().filter(|e| e["kind"] == "APPROVAL_REQUESTED").collect();
    assert_eq!(stages.len(), 2);
    assert_eq!(
        stages[0]["approval"],
        json!({"stage": 0, "name": stages[0]["approval"]["name"], "groups": ["sre-leads"], "count": 1})
    );
    assert!(events.last().unwrap()["text"].as_str().unwrap().contains("needs approval"));
    let plan_id = proposed["planId"].as_str().unwrap().to_string();

    // Running before approval, and approving one's own plan, are refused as answers.
    let asked = say(&app, &bob, &s, "run it").await;
    let answer = chat.answer(asked).await.pop().unwrap();
    assert_eq!(answer["code"], "APPROVAL_REQUIRED", "{answer}");
    let asked = say(&app, &bob, &s, "approve").await;
    let answer = chat.answer(asked).await.pop().unwrap();
    assert_eq!(answer["code"], "FORBIDDEN", "{answer}");
    assert!(answer["text"].as_str().unwrap().contains("plan"), "{answer}");

    // The approver reads the conversation (chat.read) but cannot write in it.
    let resp = app.gql(Some(&carol), praetor_tests::chat::SEND, json!({"s": s, "t": "approve"})).await;
    assert_eq!(code(&resp), "FORBIDDEN");
    let mut carol_view = ChatStream::open(app.addr, &carol, &s, Some(0)).await;
    assert_eq!(carol_view.next().await["kind"], "USER_MESSAGE");

    // Approvals through the plan API show up in the session, stage by stage.
    let hash = proposed["planHash"].as_str().unwrap();
    ok(app.gql(Some(&carol), APPROVE, json!({"in": {"planId": plan_id, "planHash": hash}})).await);
    let approved = chat.until(|e| e["kind"] == "PLAN_STATUS").await.pop().unwrap();
    assert_eq!(approved["by"]["name"], carol_email.as_str());
    assert!(approved["detail"].as_str().unwrap().contains("approved stage 1"), "{approved}");
    ok(app.gql(Some(&app.admin_key), APPROVE, json!({"in": {"planId": plan_id, "planHash": hash}})).await);
    chat.until(|e| e["kind"] == "PLAN_STATUS" && e["status"] == "APPROVED").await;

    let asked = say(&app, &bob, &s, "go ahead").await;
    let events = chat.until(|e| e["kind"] == "PLAN_FINISHED").await;
    assert!(events.iter().any(|e| e["inReplyTo"] == asked && e["code"].is_null()));
    assert_eq!(last(&events, "PLAN_FINISHED").unwrap()["status"], "SUCCEEDED");

    // Nonsense gets a question back with suggestions, not a plan; cancel of a finished plan says why.
    let asked = say(&app, &bob, &s, "deploy the moon").await;
    let events = chat.answer(asked).await;
    assert!(events.iter().all(|e| e["kind"] != "PLAN_PROPOSED"));
    let answer = events.last().unwrap();
    assert!(answer["code"].is_null());
    assert!(!answer["text"].as_str().unwrap().is_empty());
    // Its chips are whole requests, one for each service there is, never a bare value.
    let chips: Vec<&str> = answer["suggestions"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(chips.len(), 3, "{answer}");
    for (chip, service) in chips.iter().zip(["web", "api", "worker"]) {
        assert!(chip.starts_with(&format!("deploy {service}")) && !chip.contains('{'), "{answer}");
    }
    let asked = say(&app, &bob, &s, "cancel").await;
    let answer = chat.answer(asked).await.pop().unwrap();
    assert_eq!(answer["code"], "CONFLICT", "{answer}");
    let asked = say(&app, &bob, &s, "help deploy").await;
    let answer = chat.answer(asked).await.pop().unwrap();
    // Help says what to say, with values.
    assert!(answer["text"].as_str().unwrap().contains("\"deploy web to staging\""), "{answer}");
    assert!(!answer["text"].as_str().unwrap().contains('{'), "{answer}");
}

#[tokio::test]
async fn memory_follows_the_conversation_survives_a_restart_and_can_be_cleared() {
    let mut app = spawn_app().await;
    app.with_example_policies().await;
    let (bob, _) = app.user_with_role("operator", None).await;
    let s = session(&app, &bob, "web").await;
    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;
    let plan_of = async |text: &str, chat: &mut ChatStream| {
        let asked = say(&app, &bob, &s, text).await;
        let events = chat.answer(asked).await;
        last(&events, "PLAN_PROPOSED").map(|p| p["steps"][0].clone()).unwrap_or(events.last().unwrap().clone())
    };
    assert_eq!(plan_of("restart web", &mut chat).await["params"], json!({"service": "web"}));
    let again = plan_of("restart it again", &mut chat).await;
    assert_eq!((again["action"].as_str(), &again["params"]), (Some("service.restart"), &json!({"service": "web"})));
    let staging = plan_of("deploy api to staging", &mut chat).await;
    assert_eq!(staging["params"]["env"], "staging");
    let prod = plan_of("same but in prod", &mut chat).await;
    assert_eq!(
        (prod["action"].as_str(), &prod["params"]),
        (Some("deploy.web"), &json!({"service": "api", "env": "prod", "version": 1}))
    );
    chat.close().await;

    const MEMORY: &str = "query($id: ID!) { chatSession(id: $id) { memory { facts lastPlan empty summary } } }";
    let before = ok(app.gql(Some(&bob), MEMORY, json!({"id": s})).await)["chatSession"]["memory"].clone();
    assert_eq!(before["facts"], json!({"env": "prod", "service": "api", "version": 1}));
    assert_eq!(before["empty"], false);
    assert!(before["summary"].as_str().unwrap().contains("same but in prod"));

    // A restart keeps memory: "restart it" still means api.
    app.restart().await;
    let after = ok(app.gql(Some(&bob), MEMORY, json!({"id": s})).await)["chatSession"]["memory"].clone();
    assert_eq!(after["facts"], before["facts"]);
    let mut chat = ChatStream::open(app.addr, &bob, &s, Some(after_seq(&app, &bob, &s).await)).await;
    let asked = say(&app, &bob, &s, "restart it").await;
    let events = chat.answer(asked).await;
    assert_eq!(one(&events, "PLAN_PROPOSED")["steps"][0]["params"], json!({"service": "api"}));

    // Clearing memory forgets; "again" then has nothing to repeat.
    let d = ok(app
        .gql(
            Some(&bob),
            "mutation($s: ID!) { clearChatMemory(sessionId: $s) { memory { empty facts } } }",
            json!({"s": s}),
        )
        .await);
    assert_eq!(d["clearChatMemory"]["memory"], json!({"empty": true, "facts": {}}));
    let note = chat.until(|e| e["kind"] == "SYSTEM_MESSAGE").await.pop().unwrap();
    assert_eq!(note["role"], "SYSTEM");
    let asked = say(&app, &bob, &s, "again").await;
    let events = chat.answer(asked).await;
    assert!(events.iter().all(|e| e["kind"] != "PLAN_PROPOSED"), "{events:#?}");
    // The same words in chat clear memory too.
    let asked = say(&app, &bob, &s, "restart web").await;
    chat.answer(asked).await;
    let asked = say(&app, &bob, &s, "clear memory").await;
    chat.answer(asked).await;
    let m = ok(app.gql(Some(&bob), MEMORY, json!({"id": s})).await);
    assert_eq!(m["chatSession"]["memory"]["facts"], json!({}));
}

async fn after_seq(app: &TestApp, key: &str, session: &str) -> i64 {
    let d =
        ok(app.gql(Some(key), "query($id: ID!) { chatSession(id: $id) { lastSeq } }", json!({"id": session})).await);
    d["chatSession"]["lastSeq"].as_i64().unwrap()
}

#[tokio::test]
async fn a_conversation_is_named_by_its_first_real_request_not_by_help() {
    let app = spawn_app().await;
    app.with_example_policies().await;
    let (bob, _) = app.user_with_role("operator", Some("web")).await;
    let made = ok(app
        .gql(
            Some(&bob),
            "mutation($in: CreateChatSessionInput!) { createChatSession(input: $in) { id title } }",
            json!({"in": {"org": app.org, "project": "web"}}),
        )
        .await);
    assert_eq!(made["createChatSession"]["title"], "New conversation");
    let s = made["createChatSession"]["id"].as_str().unwrap().to_string();
    let title = || async {
        let q = "query($id: ID!) { node(id: $id) { ... on ChatSession { title } } }";
        ok(app.gql(Some(&bob), q, json!({"id": s})).await)["node"]["title"].as_str().unwrap().to_string()
    };
    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;
    let asked = say(&app, &bob, &s, "help").await;
    chat.answer(asked).await;
    assert_eq!(title().await, "New conversation", "help names nothing");
    let asked = say(&app, &bob, &s, "please   deploy web to staging").await;
    chat.answer(asked).await;
    assert_eq!(title().await, "please deploy web to staging");
    let asked = say(&app, &bob, &s, "restart api").await;
    chat.answer(asked).await;
    assert_eq!(title().await, "please deploy web to staging", "only the first request names it");
    // A title given at the start is kept.
    let named = session(&app, &bob, "web").await;
    let mut chat = ChatStream::open(app.addr, &bob, &named, None).await;
    let asked = say(&app, &bob, &named, "deploy web to staging").await;
    chat.answer(asked).await;
    let q = "query($id: ID!) { node(id: $id) { ... on ChatSession { title } } }";
    assert_eq!(ok(app.gql(Some(&bob), q, json!({"id": named})).await)["node"]["title"], "Test chat");
}
