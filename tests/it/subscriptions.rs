//! Subscriptions over websocket (`graphql-transport-ws`): authenticated in `connection_init`,
//! scoped to the subscriber's organization.

use futures_util::{SinkExt, StreamExt};
use praetor_tests::*;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub(crate) type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn connect(app: &TestApp) -> Ws {
    let mut req = format!("ws://{}/graphql/ws", app.addr).into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.expect("websocket upgrade");
    assert_eq!(resp.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    ws
}

/// The next text message as JSON, or `None` when the server closed the connection.
pub(crate) async fn next_json(ws: &mut Ws) -> Option<Value> {
    let deadline = std::time::Duration::from_secs(10);
    loop {
        match tokio::time::timeout(deadline, ws.next()).await.expect("server answered in time") {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

pub(crate) async fn init(ws: &mut Ws, payload: Value) -> Option<Value> {
    ws.send(Message::Text(json!({"type": "connection_init", "payload": payload}).to_string().into())).await.unwrap();
    next_json(ws).await
}

#[tokio::test]
async fn connections_without_valid_credentials_are_refused() {
    let app = spawn_app().await;
    for payload in [
        json!({}),
        json!({"authorization": format!("Bearer prk_{}", "1".repeat(64))}),
        json!({"authorization": "Bearer nonsense"}),
    ] {
        let mut ws = connect(&app).await;
        let answer = init(&mut ws, payload.clone()).await;
        assert!(
            answer.is_none() || answer.as_ref().is_some_and(|a| a["type"] != "connection_ack"),
            "{payload}: {answer:?}"
        );
    }
}

#[tokio::test]
async fn audit_events_stream_to_members_only() {
    let app = spawn_app().await;
    let mut ws = connect(&app).await;
    let ack = init(&mut ws, json!({"authorization": format!("Bearer {}", app.admin_key)})).await.unwrap();
    assert_eq!(ack["type"], "connection_ack");
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription($o: String!) { auditEvents(org: $o) { kind subject actor { name } } }", "variables": {"o": app.org}}});
    ws.send(Message::Text(sub.to_string().into())).await.unwrap();
    // Give the subscription a moment to register before the event happens.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    // An event in another organization must not reach this subscriber.
    let (other_slug, other_key) = other_org(&app).await;
    ok(app
        .gql(
            Some(&other_key),
            "mutation($o: String!) { createProject(input: {org: $o, slug: \"elsewhere\", name: \"x\"}) { id } }",
            json!({"o": other_slug}),
        )
        .await);
    app.admin(
        "mutation($o: String!) { createProject(input: {org: $o, slug: \"live\", name: \"Live\"}) { id } }",
        json!({"o": app.org}),
    )
    .await;

    let msg = next_json(&mut ws).await.expect("an event");
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], "1");
    assert_eq!(msg["payload"]["data"]["auditEvents"]["kind"], "project.created");
    assert_eq!(msg["payload"]["data"]["auditEvents"]["actor"][0]["name"], app.admin_email.as_str());

    // A subscriber from another organization gets NOT_FOUND for this one.
    let mut ws2 = connect(&app).await;
    init(&mut ws2, json!({"authorization": format!("Bearer {other_key}")})).await.unwrap();
    ws2.send(Message::Text(json!({"id": "9", "type": "subscribe", "payload": {"query": "subscription($o: String!) { auditEvents(org: $o) { kind } }", "variables": {"o": app.org}}}).to_string().into())).await.unwrap();
    let msg = next_json(&mut ws2).await.expect("an answer");
    assert_eq!(msg["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{msg}");
}

#[tokio::test]
async fn plan_events_replay_what_was_missed_then_go_live() {
    let app = spawn_app().await;
    app.project("web").await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    app.group("leads", &[&carol_email]).await;
    let steps = json!([
        {"id": "one", "action": "state.set", "params": {"key": "a", "value": 1}},
        {"id": "gate", "action": "approval.gate", "params": {"group": "leads"}},
        {"id": "two", "action": "state.set", "params": {"key": "b", "value": 2}},
    ]);
    let plan = propose(&app, &app.admin_key, "web", steps, json!({"runWhenApproved": true})).await;
    let id = plan["id"].as_str().unwrap().to_string();
    let waiting = wait_for_status(&app, &app.admin_key, &id, "PENDING_APPROVAL").await;

    // A subscriber that saw events up to 3 reconnects with after: 3 and gets 4.. first.
    let mut ws = connect(&app).await;
    init(&mut ws, json!({"authorization": format!("Bearer {}", app.admin_key)})).await.unwrap();
    let sub = json!({"id": "p", "type": "subscribe", "payload": {"query": "subscription($id: ID!) { planEvents(planId: $id, after: 3) { status event { seq kind } } }", "variables": {"id": id}}});
    ws.send(Message::Text(sub.to_string().into())).await.unwrap();
    let mut seqs = Vec::new();
    let mut kinds = Vec::new();
    loop {
        let msg = next_json(&mut ws).await.expect("backlog event");
        let e = &msg["payload"]["data"]["planEvents"]["event"];
        seqs.push(e["seq"].as_i64().unwrap());
        kinds.push(e["kind"].as_str().unwrap().to_string());
        if e["kind"] == "ApprovalRequested" {
            break;
        }
    }
    assert_eq!(seqs[0], 4, "resumes right after the cursor: {seqs:?}");
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "no gaps: {seqs:?}");
    assert!(kinds.contains(&"GateOpened".to_string()));

    // Then live: the approval and the rest of the run arrive as they happen.
    let approve = json!({"in": {"planId": id, "planHash": waiting["planHash"], "comment": ""}});
    ok(app.gql(Some(&carol), "mutation($in: ApprovePlanInput!) { approvePlan(input: $in) { id } }", approve).await);
    let mut last_status = String::new();
    for _ in 0..30 {
        let msg = next_json(&mut ws).await.expect("live event");
        let update = &msg["payload"]["data"]["planEvents"];
        let seq = update["event"]["seq"].as_i64().unwrap();
        assert_eq!(seq, seqs.last().unwrap() + 1, "live events follow the backlog without gaps");
        seqs.push(seq);
        last_status = update["status"].as_str().unwrap().to_string();
        if update["event"]["kind"] == "Succeeded" {
            break;
        }
    }
    assert_eq!(last_status, "SUCCEEDED");

    // Replayed from the start after it finished: each event carries the status right after it.
    let mut ws3 = connect(&app).await;
    init(&mut ws3, json!({"authorization": format!("Bearer {}", app.admin_key)})).await.unwrap();
    let replay = json!({"id": "r", "type": "subscribe", "payload": {"query": "subscription($id: ID!) { planEvents(planId: $id) { status event { kind } } }", "variables": {"id": id}}});
    ws3.send(Message::Text(replay.to_string().into())).await.unwrap();
    let mut statuses = Vec::new();
    loop {
        let msg = next_json(&mut ws3).await.expect("replayed event");
        let update = &msg["payload"]["data"]["planEvents"];
        statuses.push((
            update["event"]["kind"].as_str().unwrap().to_string(),
            update["status"].as_str().unwrap().to_string(),
        ));
        if update["event"]["kind"] == "Succeeded" {
            break;
        }
    }
    assert_eq!(statuses[0].1, "APPROVED", "{statuses:?}");
    assert!(statuses.iter().any(|(k, s)| k == "GateOpened" && s == "PENDING_APPROVAL"), "{statuses:?}");
    assert_eq!(statuses.last().unwrap().1, "SUCCEEDED");

    // Someone from another organization cannot subscribe to it.
    let (_, other) = other_org(&app).await;
    let mut ws2 = connect(&app).await;
    init(&mut ws2, json!({"authorization": format!("Bearer {other}")})).await.unwrap();
    ws2.send(Message::Text(json!({"id": "x", "type": "subscribe", "payload": {"query": "subscription($id: ID!) { planEvents(planId: $id) { status } }", "variables": {"id": id}}}).to_string().into())).await.unwrap();
    let msg = next_json(&mut ws2).await.unwrap();
    assert_eq!(msg["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{msg}");
}
