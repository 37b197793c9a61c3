//! Subscriptions over websocket (`graphql-transport-ws`): authenticated in `connection_init`,
//! scoped to the subscriber's organization.

use futures_util::{SinkExt, StreamExt};
use praetor_tests::*;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp) -> Ws {
    let mut req = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket upgrade");
    assert_eq!(
        resp.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    ws
}

/// The next text message as JSON, or `None` when the server closed the connection.
async fn next_json(ws: &mut Ws) -> Option<Value> {
    let deadline = std::time::Duration::from_secs(10);
    loop {
        match tokio::time::timeout(deadline, ws.next())
            .await
            .expect("server answered in time")
        {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

async fn init(ws: &mut Ws, payload: Value) -> Option<Value> {
    ws.send(Message::Text(
        json!({"type": "connection_init", "payload": payload})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
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
            answer.is_none()
                || answer
                    .as_ref()
                    .is_some_and(|a| a["type"] != "connection_ack"),
            "{payload}: {answer:?}"
        );
    }
}

#[tokio::test]
async fn audit_events_stream_to_members_only() {
    let app = spawn_app().await;
    let mut ws = connect(&app).await;
    let ack = init(
        &mut ws,
        json!({"authorization": format!("Bearer {}", app.admin_key)}),
    )
    .await
    .unwrap();
    assert_eq!(ack["type"], "connection_ack");
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription($o: String!) { auditEvents(org: $o) { kind subject actor { name } } }", "variables": {"o": app.org}}});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap();
    // Give the subscription a moment to register before the event happens.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    // An event in another organization must not reach this subscriber.
    let (other_slug, other_key) = other_org(&app).await;
    ok(app.gql(Some(&other_key), "mutation($o: String!) { createProject(input: {org: $o, slug: \"elsewhere\", name: \"x\"}) { id } }", json!({"o": other_slug})).await);
    app.admin("mutation($o: String!) { createProject(input: {org: $o, slug: \"live\", name: \"Live\"}) { id } }", json!({"o": app.org})).await;

    let msg = next_json(&mut ws).await.expect("an event");
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], "1");
    assert_eq!(
        msg["payload"]["data"]["auditEvents"]["kind"],
        "project.created"
    );
    assert_eq!(
        msg["payload"]["data"]["auditEvents"]["actor"][0]["name"],
        app.admin_email.as_str()
    );

    // A subscriber from another organization gets NOT_FOUND for this one.
    let mut ws2 = connect(&app).await;
    init(
        &mut ws2,
        json!({"authorization": format!("Bearer {other_key}")}),
    )
    .await
    .unwrap();
    ws2.send(Message::Text(json!({"id": "9", "type": "subscribe", "payload": {"query": "subscription($o: String!) { auditEvents(org: $o) { kind } }", "variables": {"o": app.org}}}).to_string().into())).await.unwrap();
    let msg = next_json(&mut ws2).await.expect("an answer");
    assert_eq!(
        msg["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{msg}"
    );
}
