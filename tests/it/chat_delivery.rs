//! Delivery of chat events: a subscriber that disconnects and resumes after its cursor gets
//! every stored event once, in order; on PostgreSQL, a subscriber on one server receives what
//! another server produced.

use praetor_tests::chat::{ChatStream, last, one, say, session};
use praetor_tests::*;
use serde_json::{Value, json};

const EVENTS: &str = "query($id: ID!, $a: String) { chatSession(id: $id) { lastSeq events(first: 100, after: $a) { edges { node { seq kind } } } } }";

async fn stored(app: &TestApp, key: &str, s: &str, after: i64) -> Vec<(i64, String)> {
    let d = ok(app.gql(Some(key), EVENTS, json!({"id": s, "a": after.to_string()})).await);
    d["chatSession"]["events"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["node"]["seq"].as_i64().unwrap(), e["node"]["kind"].as_str().unwrap().to_string()))
        .collect()
}

fn seq_kind(events: &[Value]) -> Vec<(i64, String)> {
    events.iter().map(|e| (e["seq"].as_i64().unwrap(), e["kind"].as_str().unwrap().to_string())).collect()
}

#[tokio::test]
async fn a_subscriber_resumes_after_its_cursor_without_loss_or_duplicates() {
    let app = spawn_app().await;
    app.project("web").await;
    let (bob, _) = app.user_with_role("operator", None).await;
    let s = session(&app, &bob, "web").await;

    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;
    let asked = say(&app, &bob, &s, "set a to 1").await;
    chat.answer(asked).await;
    let cursor = chat.seen.last().unwrap()["seq"].as_i64().unwrap();
    chat.close().await;

    // While nobody listens, the conversation goes on (answers still being written as the
    // client comes back).
    say(&app, &bob, &s, "set b to 2").await;
    say(&app, &bob, &s, "run it").await;
    let last_asked = say(&app, &bob, &s, "set c to 3").await;

    let mut resumed = ChatStream::open(app.addr, &bob, &s, Some(cursor)).await;
    resumed.answer(last_asked).await;
    let got = seq_kind(&resumed.seen);
    assert_eq!(got[0].0, cursor + 1, "resumes right after the cursor: {got:?}");
    assert!(got.windows(2).all(|w| w[1].0 == w[0].0 + 1), "no gaps, no duplicates: {got:?}");
    assert_eq!(got, stored(&app, &bob, &s, cursor).await[..got.len()].to_vec(), "exactly what is stored");
    let kinds: Vec<&str> = got.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "USER_MESSAGE").count(), 3);

    // Then live: the plan that "run it" started finishes, the next message arrives, each once.
    if !resumed.seen.iter().any(|e| e["kind"] == "PLAN_FINISHED") {
        resumed.until(|e| e["kind"] == "PLAN_FINISHED").await;
    }
    let asked = say(&app, &bob, &s, "set d to 4").await;
    let live = resumed.answer(asked).await;
    assert!(live.iter().any(|e| e["seq"] == asked && e["kind"] == "USER_MESSAGE"), "{live:#?}");
    let all = seq_kind(&resumed.seen);
    assert!(all.windows(2).all(|w| w[1].0 == w[0].0 + 1), "no gaps, no duplicates: {all:?}");
    assert_eq!(all, stored(&app, &bob, &s, cursor).await);

    // A second client resuming from the middle gets the rest, and one starting from the end
    // gets nothing old.
    let total = stored(&app, &bob, &s, 0).await;
    let middle = total[total.len() / 2].0;
    let mut other = ChatStream::open(app.addr, &bob, &s, Some(middle)).await;
    let end = total.last().unwrap().0;
    other.until(|e| e["seq"] == end).await;
    assert_eq!(seq_kind(&other.seen), total.iter().filter(|(q, _)| *q > middle).cloned().collect::<Vec<_>>());
    let mut fresh = ChatStream::open(app.addr, &bob, &s, Some(end)).await;
    let asked = say(&app, &bob, &s, "status").await;
    assert_eq!(fresh.next().await["seq"], asked);
}

#[tokio::test]
async fn two_servers_share_a_conversation_through_postgres() {
    if !is_postgres() {
        eprintln!("skipped: several servers share a database only on PostgreSQL");
        return;
    }
    let app = spawn_app().await;
    app.with_example_policies().await;
    let (bob, _) = app.user_with_role("operator", None).await;
    let peer = app.peer().await;
    let s = session(&app, &bob, "web").await;

    // Listening on B, talking to A: A's answer, the plan and its run reach B.
    let mut on_b = ChatStream::open(peer.addr, &bob, &s, None).await;
    let asked = say(&app, &bob, &s, "deploy web to staging").await;
    let events = on_b.answer(asked).await;
    let proposed = one(&events, "PLAN_PROPOSED");
    assert_eq!(proposed["steps"][0]["action"], "deploy.web");
    say(&app, &bob, &s, "run it").await;
    let events = on_b.until(|e| e["kind"] == "PLAN_FINISHED").await;
    assert_eq!(last(&events, "PLAN_FINISHED").unwrap()["status"], "SUCCEEDED");
    let seqs: Vec<i64> = on_b.seen.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "in order, once each: {seqs:?}");

    // And the other way round: talking to B, listening on A.
    let mut on_a = ChatStream::open(app.addr, &bob, &s, Some(*seqs.last().unwrap())).await;
    let d = app.gql_at(peer.addr, &bob, praetor_tests::chat::SEND, json!({"s": s, "t": "status"})).await;
    let asked = ok(d)["sendChatMessage"]["seq"].as_i64().unwrap();
    let answer = on_a.answer(asked).await.pop().unwrap();
    assert!(answer["text"].as_str().unwrap().contains("succeeded"), "{answer}");

    // Plan events cross nodes too: a planEvents subscriber on B sees a plan A's chat runs.
    say(&app, &bob, &s, "restart web").await;
    let proposed = on_a.until(|e| e["kind"] == "PLAN_PROPOSED").await.pop().unwrap();
    let plan = proposed["planId"].as_str().unwrap().to_string();
    let mut plan_on_b = praetor_tests::ws::Subscription::start(
        peer.addr,
        &bob,
        "subscription($id: ID!) { planEvents(planId: $id) { status event { seq kind } } }",
        json!({"id": plan}),
    )
    .await;
    on_a.until(|e| e["kind"] == "MESSAGE_COMPLETED").await;
    say(&app, &bob, &s, "run it").await;
    let mut kinds = Vec::new();
    while let Some(p) = plan_on_b.next().await {
        let kind = p["data"]["planEvents"]["event"]["kind"].as_str().unwrap().to_string();
        kinds.push(kind.clone());
        if kind == "Succeeded" {
            break;
        }
    }
    assert!(kinds.contains(&"Queued".to_string()) && kinds.ends_with(&["Succeeded".to_string()]), "{kinds:?}");
}
