//! Websockets hold their credential to account for their whole life: a revoked key, a signed
//! out session or an expired key closes the socket (4401) and ends its subscriptions, every
//! operation sees the credential as it is now, refused credentials close with 4403, a socket
//! that never authenticates is closed (4408), and sockets are capped in total and per address.

use praetor::config::WebsocketConfig;
use praetor_tests::ws::{Frame, Socket};
use praetor_tests::*;
use serde_json::{Value, json};

const VIEWER: &str = "{ viewer { id } }";
const MINT: &str = "mutation($o: String!) { createApiKey(input: {org: $o, name: \"minted\"}) { secret } }";

async fn key_count(app: &TestApp) -> usize {
    let d = app
        .admin(
            "query($o: String!) { org(slug: $o) { apiKeys(first: 100) { edges { node { name } } } } }",
            json!({"o": app.org}),
        )
        .await;
    d["org"]["apiKeys"]["edges"].as_array().unwrap().len()
}

async fn revoke(app: &TestApp, key_name: &str) {
    let d = app
        .admin(
            "query($o: String!) { org(slug: $o) { apiKeys(first: 100) { edges { node { id name } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let id = d["org"]["apiKeys"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["node"]["name"] == key_name)
        .map(|e| e["node"]["id"].clone())
        .expect("the key");
    app.admin("mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }", json!({"id": id})).await;
}

fn data(frame: Frame) -> Value {
    match frame {
        Frame::Json(v) => v,
        other => panic!("expected a result, got {other:?}"),
    }
}

#[tokio::test]
async fn a_revoked_key_closes_its_sockets_and_their_subscriptions_end() {
    let app = spawn_app().await;
    let (key, _) = app.user_with_role("org_admin", None).await;
    let mut socket = Socket::open(app.addr, None).await.unwrap();
    assert_eq!(data(socket.init(&key).await)["type"], "connection_ack");
    socket.operation("q", VIEWER, json!({})).await;
    assert!(data(socket.result("q").await)["data"]["viewer"]["id"].is_string());
    // A live subscription on the same socket, and a second socket with the same key.
    socket.operation("s", "subscription($o: String!) { auditEvents(org: $o) { kind } }", json!({"o": app.org})).await;
    let mut second = Socket::open(app.addr, None).await.unwrap();
    assert_eq!(data(second.init(&key).await)["type"], "connection_ack");
    let keys_before = key_count(&app).await;

    revoke(&app, "test").await;
    let (close, reason) = socket.closed().await;
    assert_eq!(close, 4401, "{reason}");
    assert_eq!(second.closed().await.0, 4401);
    // Nothing more can be done with it: a fresh socket is refused, and no key was minted.
    let mut again = Socket::open(app.addr, None).await.unwrap();
    assert_eq!(
        again.init(&key).await,
        Frame::Closed(4403, "authentication required: invalid, revoked or expired API key".into())
    );
    assert_eq!(key_count(&app).await, keys_before);
    assert_eq!(code(&app.gql(Some(&key), MINT, json!({"o": app.org})).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn signing_out_closes_the_sockets_of_that_session() {
    let app = spawn_app().await;
    let cookie = app.session_cookie(&app.admin_email).await;
    let origin = format!("http://{}", app.addr);
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
        "ws://{}/graphql/ws",
        app.addr
    ))
    .unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    req.headers_mut().insert("origin", origin.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    ws.send(Message::Text(json!({"type": "connection_init", "payload": {}}).to_string().into())).await.unwrap();
    let ack = ws.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");

    let out = app
        .client
        .post(app.url("/auth/logout"))
        .header("cookie", &cookie)
        .header("origin", &origin)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());
    let closed = tokio::time::timeout(praetor_tests::ws::WAIT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(Some(f)))) => return u16::from(f.code),
                Some(Ok(_)) => continue,
                _ => return 1006,
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(closed, 4401);
    // The cookie is dead for plain requests too.
    let r = app.gql_cookie(&cookie, VIEWER, json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
}

#[tokio::test]
async fn every_operation_sees_the_credential_as_it_is_now() {
    let clock = std::sync::Arc::new(praetor::clock::ManualClock::new(now()));
    let app = spawn_with(SpawnOptions { clock: Some(clock.clone()), ..Default::default() }).await;
    let until = praetor::clock::Clock::now(clock.as_ref()) + chrono::Duration::hours(1);
    let created = app
        .admin(
            "mutation($o: String!, $t: DateTime!) { createApiKey(input: {org: $o, name: \"short\", expiresAt: $t}) { secret } }",
            json!({"o": app.org, "t": until.to_rfc3339()}),
        )
        .await;
    let key = created["createApiKey"]["secret"].as_str().unwrap().to_string();
    let mut socket = Socket::open(app.addr, None).await.unwrap();
    assert_eq!(data(socket.init(&key).await)["type"], "connection_ack");
    socket.operation("1", VIEWER, json!({})).await;
    assert!(data(socket.result("1").await)["data"]["viewer"]["id"].is_string());

    // The key expires (by the server's clock) while the socket is open: the next operation
    // is refused and the socket closes; nothing is minted.
    clock.advance(chrono::Duration::hours(2));
    let keys_before = key_count(&app).await;
    socket.operation("2", MINT, json!({"o": app.org})).await;
    let answer = socket.result("2").await;
    if let Frame::Json(v) = &answer {
        assert_eq!(v["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{v:#}");
        assert_eq!(socket.closed().await.0, 4401);
    } else {
        assert!(matches!(answer, Frame::Closed(4401, _)), "{answer:?}");
    }
    assert_eq!(key_count(&app).await, keys_before);
}

#[tokio::test]
async fn refused_and_silent_sockets_are_closed() {
    let ws = WebsocketConfig { init_timeout_ms: 300, ..Default::default() };
    let app = spawn_with(SpawnOptions { websocket: Some(ws), ..Default::default() }).await;
    let mut bad = Socket::open(app.addr, None).await.unwrap();
    let fake = format!("prk_{}", "0".repeat(64));
    assert!(matches!(bad.init(&fake).await, Frame::Closed(4403, _)));
    let mut silent = Socket::open(app.addr, None).await.unwrap();
    assert_eq!(silent.closed().await, (4408, "Connection initialisation timeout".into()));
    // A socket that did authenticate is not timed out.
    let mut good = Socket::open(app.addr, None).await.unwrap();
    assert_eq!(data(good.init(&app.admin_key).await)["type"], "connection_ack");
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    good.operation("1", VIEWER, json!({})).await;
    assert!(data(good.result("1").await)["data"]["viewer"]["id"].is_string());
}

#[tokio::test]
async fn sockets_are_capped_per_address_and_in_total() {
    let ws = WebsocketConfig { max_connections: 3, max_per_address: 2, ..Default::default() };
    let app = spawn_with(SpawnOptions { websocket: Some(ws), ..Default::default() }).await;
    let a1 = Socket::open(app.addr, Some("127.0.0.1")).await.unwrap();
    let _a2 = Socket::open(app.addr, Some("127.0.0.1")).await.unwrap();
    assert_eq!(Socket::open(app.addr, Some("127.0.0.1")).await.err(), Some(429));
    let _b1 = Socket::open(app.addr, Some("127.0.0.2")).await.unwrap();
    assert_eq!(Socket::open(app.addr, Some("127.0.0.3")).await.err(), Some(503));
    // Plain requests are still served while the sockets are full.
    ok(app.gql(Some(&app.admin_key), VIEWER, json!({})).await);
    // A closed socket frees its place.
    drop(a1);
    let mut reopened = None;
    for _ in 0..100 {
        if let Ok(s) = Socket::open(app.addr, Some("127.0.0.3")).await {
            reopened = Some(s);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "the place of a closed socket was not freed");
}

#[tokio::test]
async fn no_key_outlives_the_credential_that_made_it() {
    let app = spawn_app().await;
    let create = "mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { expiresAt } } }";
    let in_an_hour = (now() + chrono::Duration::hours(1)).to_rfc3339();
    let short = app.admin(create, json!({"in": {"org": app.org, "name": "short", "expiresAt": in_an_hour}})).await;
    let short_key = short["createApiKey"]["secret"].as_str().unwrap().to_string();
    let short_expiry = short["createApiKey"]["apiKey"]["expiresAt"].clone();

    // A child key without an expiry gets its parent's; a later one is refused.
    let child = ok(app.gql(Some(&short_key), create, json!({"in": {"org": app.org, "name": "child"}})).await);
    assert_eq!(child["createApiKey"]["apiKey"]["expiresAt"], short_expiry);
    let later = (now() + chrono::Duration::days(2)).to_rfc3339();
    let refused =
        app.gql(Some(&short_key), create, json!({"in": {"org": app.org, "name": "x", "expiresAt": later}})).await;
    assert_eq!(code(&refused), "VALIDATION");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("no later than"), "{refused:#}");

    // A browser session's personal keys end with the session.
    let cookie = app.session_cookie(&app.admin_email).await;
    let from_session = ok(app.gql_cookie(&cookie, create, json!({"in": {"org": app.org, "name": "web"}})).await);
    let at: chrono::DateTime<chrono::Utc> =
        from_session["createApiKey"]["apiKey"]["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!(at <= now() + chrono::Duration::hours(24), "{at}");

    // Service-account keys follow the account's key policy, and an expiring key's own expiry.
    let sa = app
        .admin(
            "mutation($o: String!) { createServiceAccount(input: {org: $o, name: \"deployer\", maxKeyLifetimeDays: 30}) { id maxKeyLifetimeDays } }",
            json!({"o": app.org}),
        )
        .await;
    let sa_id = sa["createServiceAccount"]["id"].clone();
    assert_eq!(sa["createServiceAccount"]["maxKeyLifetimeDays"], 30);
    let by_policy = app.admin(create, json!({"in": {"org": app.org, "name": "ci", "serviceAccountId": sa_id}})).await;
    let at: chrono::DateTime<chrono::Utc> =
        by_policy["createApiKey"]["apiKey"]["expiresAt"].as_str().unwrap().parse().unwrap();
    let in_30_days = now() + chrono::Duration::days(30);
    assert!(at <= in_30_days && at > in_30_days - chrono::Duration::minutes(5), "{at}");
    let too_long = (now() + chrono::Duration::days(60)).to_rfc3339();
    let refused = app
        .gql(
            Some(&app.admin_key),
            create,
            json!({"in": {"org": app.org, "name": "ci2", "serviceAccountId": sa_id, "expiresAt": too_long}}),
        )
        .await;
    assert_eq!(code(&refused), "VALIDATION", "{refused:#}");
    let via_short = ok(app
        .gql(Some(&short_key), create, json!({"in": {"org": app.org, "name": "ci3", "serviceAccountId": sa_id}}))
        .await);
    assert_eq!(via_short["createApiKey"]["apiKey"]["expiresAt"], short_expiry);

    // The policy can be lifted; keys then may live until revoked.
    let lifted = app
        .admin(
            "mutation($id: ID!) { setServiceAccountKeyPolicy(input: {serviceAccountId: $id, maxKeyLifetimeDays: null}) { maxKeyLifetimeDays } }",
            json!({"id": sa_id}),
        )
        .await;
    assert_eq!(lifted["setServiceAccountKeyPolicy"]["maxKeyLifetimeDays"], Value::Null);
    let forever = app.admin(create, json!({"in": {"org": app.org, "name": "ci4", "serviceAccountId": sa_id}})).await;
    assert_eq!(forever["createApiKey"]["apiKey"]["expiresAt"], Value::Null);
    let (viewer, _) = app.user_with_role("viewer", None).await;
    let denied = app
        .gql(
            Some(&viewer),
            "mutation($id: ID!) { setServiceAccountKeyPolicy(input: {serviceAccountId: $id, maxKeyLifetimeDays: 1}) { id } }",
            json!({"id": sa_id}),
        )
        .await;
    assert_eq!(code(&denied), "FORBIDDEN");
}

#[tokio::test]
async fn keys_never_reach_the_log_even_at_trace_level() {
    // The real binary, with every target at trace, on the test's database.
    let app = spawn_app().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut server = praetor_command()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("PRAETOR_DATABASE_URL", &app.database_url)
        .env("PRAETOR_WORKER__ENABLED", "false")
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .expect("start praetor");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut socket = None;
    for _ in 0..200 {
        if let Ok(s) = Socket::open(addr, None).await {
            socket = Some(s);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut socket = socket.expect("the server came up");
    assert_eq!(data(socket.init(&app.admin_key).await)["type"], "connection_ack");
    socket.operation("1", VIEWER, json!({})).await;
    assert!(data(socket.result("1").await)["data"]["viewer"]["id"].is_string());
    let plain = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(&app.admin_key)
        .json(&json!({"query": VIEWER}))
        .send()
        .await
        .unwrap();
    assert!(plain.status().is_success());
    // A secret set through this server never reaches its log either.
    let value = format!("sk-log-{}", uuid::Uuid::new_v4().simple());
    let set = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(&app.admin_key)
        .json(&json!({
            "query": "mutation($in: SetSecretInput!) { setSecret(input: $in) { fingerprint } }",
            "variables": {"in": {"org": app.org, "name": "log.check", "value": value}},
        }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(set["data"]["setSecret"]["fingerprint"].is_string(), "{set}");
    drop(socket);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let _ = server.kill();
    let _ = server.wait();
    let written = std::fs::read_to_string(log.path()).unwrap();
    assert!(written.contains("TRACE"), "the server logged at trace level");
    let secret = app.admin_key.trim_start_matches("prk_");
    assert!(!written.contains(secret), "the API key reached the log");
    assert!(!written.contains(&value), "the secret's value reached the log");
}

#[tokio::test]
async fn a_key_revoked_on_one_node_closes_its_sockets_on_every_node() {
    if !is_postgres() {
        // Several nodes share a database only on PostgreSQL.
        return;
    }
    let app = spawn_app().await;
    let (key, _) = app.user_with_role("viewer", None).await;
    let peer = app.peer().await;
    // Once an audit entry written here reaches a subscriber there, the peer is listening.
    let mut listening = Socket::open(peer.addr, None).await.unwrap();
    assert_eq!(data(listening.init(&app.admin_key).await)["type"], "connection_ack");
    listening
        .operation("a", "subscription($o: String!) { auditEvents(org: $o) { kind } }", json!({"o": app.org}))
        .await;
    for _ in 0..50 {
        app.project(&unique("p")).await;
        if let Ok(Frame::Json(_)) =
            tokio::time::timeout(std::time::Duration::from_millis(200), listening.result("a")).await
        {
            break;
        }
    }
    let mut there = Socket::open(peer.addr, None).await.unwrap();
    assert_eq!(data(there.init(&key).await)["type"], "connection_ack");
    there.operation("1", VIEWER, json!({})).await;
    assert!(data(there.result("1").await)["data"]["viewer"]["id"].is_string());
    // The peer has the key's answer cached; the revocation on this node must reach it.
    let r = app.gql_at(peer.addr, &key, VIEWER, json!({})).await;
    assert!(r["data"]["viewer"]["id"].is_string(), "{r:#}");
    revoke(&app, "test").await;
    assert_eq!(there.closed().await.0, 4401);
    let r = app.gql_at(peer.addr, &key, VIEWER, json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "the other node forgot the revoked key at once");
}
