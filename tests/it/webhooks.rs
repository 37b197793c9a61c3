//! Outbound webhooks against a real receiver (`tests/receiver`, Node with the Standard Webhooks
//! reference library verifying every signature): signed deliveries of subscribed events only,
//! retries of a failing endpoint, 410 disabling, a hanging endpoint timing out, redirects not
//! followed, SSRF refusals at registration and at send, secret rotation, the transactional
//! outbox (rolled back: nothing sent), and tenant isolation.

use std::time::Duration;

use praetor_tests::webhook_receiver::Receiver;
use praetor_tests::*;
use serde_json::{Value, json};

const CREATE: &str = "mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret endpoint { id url events enabled projectSlug secretFingerprint } } }";
const DELIVERIES: &str = "query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { enabled disabledReason failingSince deliveries(first: 50) { edges { node { id eventType status attemptCount payload attempts { statusCode succeeded response latencyMs } } } } } } }";
const TEST: &str = "mutation($id: ID!) { sendTestWebhook(id: $id) { id status } }";
const KILL: &str = "mutation($in: SetKillSwitchInput!) { setKillSwitch(input: $in) { engaged } }";

async fn private_app() -> TestApp {
    spawn_with(SpawnOptions { allow_private_networks: true, ..Default::default() }).await
}

/// Creates an endpoint for `path` on the receiver and tells the receiver its secret.
async fn endpoint(
    app: &TestApp,
    rx: &Receiver,
    path: &str,
    events: &[&str],
    project: Option<&str>,
) -> (String, String) {
    let made = app
        .admin(CREATE, json!({"in": {"org": app.org, "project": project, "url": rx.url(path), "events": events, "description": path}}))
        .await["createWebhookEndpoint"]
        .clone();
    let secret = made["secret"].as_str().unwrap().to_string();
    rx.set_secrets(path, &[&secret]).await;
    (made["endpoint"]["id"].as_str().unwrap().to_string(), secret)
}

async fn deliveries(app: &TestApp, endpoint: &str) -> Value {
    app.admin(DELIVERIES, json!({"id": endpoint})).await["node"].clone()
}

/// Waits until the endpoint's deliveries satisfy `done`.
async fn wait_deliveries(app: &TestApp, endpoint: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..300 {
        let d = deliveries(app, endpoint).await;
        if done(&d) {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("deliveries of {endpoint} did not settle: {:#}", deliveries(app, endpoint).await);
}

fn edges(d: &Value) -> Vec<Value> {
    d["deliveries"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

async fn engage(app: &TestApp, project: &str, engaged: bool) {
    app.admin(
        KILL,
        json!({"in": {"scope": "PROJECT", "org": app.org, "project": project, "engaged": engaged, "reason": "webhook test", "onRelease": "RESUME"}}),
    )
    .await;
}

#[tokio::test]
async fn subscribed_events_arrive_signed_and_verified_by_the_reference_library() {
    let app = private_app().await;
    app.project("web").await;
    app.project("api").await;
    let rx = Receiver::start().await;
    let (org_wide, secret) = endpoint(&app, &rx, "/ok-org", &["plan.proposed", "plan.succeeded"], None).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    endpoint(&app, &rx, "/ok-api", &["plan.proposed"], Some("api")).await;
    endpoint(&app, &rx, "/ok-kill", &["killswitch.engaged"], None).await;

    let plan = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "state.set", "params": {"key": "x", "value": 1}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    let plan_id = plan["id"].as_str().unwrap();
    wait_for_status(&app, &app.admin_key, plan_id, "SUCCEEDED").await;
    let log = rx.wait_for("/ok-org", 30, |l| l.len() >= 2).await;
    let types: Vec<String> = log
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(e["body"].as_str().unwrap()).unwrap()["type"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(types, ["plan.proposed", "plan.succeeded"], "only subscribed kinds, in order here");
    for entry in &log {
        assert_eq!(entry["verified"], true, "the reference library verifies: {entry}");
        assert!(entry["webhookId"].as_str().unwrap().starts_with("msg_"));
        let body: Value = serde_json::from_str(entry["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["data"]["plan"], plan_id);
        assert_eq!(body["data"]["org"], app.org_id);
        assert!(body["data"]["project"].as_str().unwrap().starts_with("prj_"));
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(body["data"]["actor"][0]["kind"], "user");
    }
    // The other project's endpoint heard nothing of web's plan.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(rx.log("/ok-api").await.is_empty());

    // An engaged kill switch is an event too.
    engage(&app, "web", true).await;
    let kill = rx.wait_for("/ok-kill", 30, |l| !l.is_empty()).await;
    assert_eq!(kill[0]["verified"], true);

    // The delivery log shows each delivery with its one successful attempt.
    let d = wait_deliveries(&app, &org_wide, |d| edges(d).iter().all(|e| e["status"] == "DELIVERED")).await;
    let all = edges(&d);
    assert_eq!(all.len(), 2);
    for e in &all {
        assert_eq!(e["attemptCount"], 1);
        assert_eq!(e["attempts"][0]["statusCode"], 200);
        assert_eq!(e["attempts"][0]["succeeded"], true);
    }
    // The receiver saw exactly these ids.
    let mut ids: Vec<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let mut seen: Vec<&str> = log.iter().map(|e| e["webhookId"].as_str().unwrap()).collect();
    ids.sort();
    seen.sort();
    assert_eq!(ids, seen);

    // The signing secret is nowhere to be read: not among the org's secrets, not in the audit
    // log, not in an endpoint's fields.
    let listed = app
        .admin(
            "query($o: String!) { org(slug: $o) { secrets { name } webhookEndpoints { id secretFingerprint } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(listed["org"]["secrets"], json!([]));
    assert!(!listed.to_string().contains(&secret));
    let audit = app
        .admin("query($o: String!) { org(slug: $o) { auditLog(first: 100, kind: \"webhook.\") { edges { node { kind payload } } } } }", json!({"o": app.org}))
        .await;
    assert!(audit.to_string().contains("webhook.endpoint_created"), "{audit}");
    assert!(!audit.to_string().contains(&secret));
    // Nor in the database itself (on SQLite: the file and its write-ahead log), in any form.
    let key_b64 = secret.trim_start_matches("whsec_");
    if let Some(path) = app.database_url.strip_prefix("sqlite://") {
        for file in [path.to_string(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                assert!(!String::from_utf8_lossy(&bytes).contains(key_b64), "{file} holds the signing secret");
            }
        }
    }
}

#[tokio::test]
async fn failing_endpoints_are_retried_gone_ones_disabled_hanging_ones_timed_out() {
    let app = spawn_with(SpawnOptions {
        allow_private_networks: true,
        webhooks: Some(praetor::config::WebhooksConfig {
            retry_schedule_seconds: vec![0, 1, 1, 1],
            allow_private_networks: true,
            timeout_ms: 1_000,
            poll_ms: 200,
            ..Default::default()
        }),
        ..Default::default()
    })
    .await;
    let rx = Receiver::start().await;
    let (flaky, _) = endpoint(&app, &rx, "/flaky", &["plan.proposed"], None).await;
    let (gone, _) = endpoint(&app, &rx, "/gone", &["plan.proposed"], None).await;
    let (hang, _) = endpoint(&app, &rx, "/hang", &["plan.proposed"], None).await;
    let (redirect, _) = endpoint(&app, &rx, "/redirect", &["plan.proposed"], None).await;
    for id in [&flaky, &gone, &hang, &redirect] {
        ok(app.gql(Some(&app.admin_key), TEST, json!({"id": id})).await);
    }

    // Two 503s, then 200: one delivery, three attempts, the same webhook-id every time.
    let d = wait_deliveries(&app, &flaky, |d| edges(d).first().is_some_and(|e| e["status"] == "DELIVERED")).await;
    let e = &edges(&d)[0];
    assert_eq!(e["eventType"], "webhook.test");
    let codes: Vec<i64> = e["attempts"].as_array().unwrap().iter().map(|a| a["statusCode"].as_i64().unwrap()).collect();
    assert_eq!(codes, [503, 503, 200]);
    let log = rx.log("/flaky").await;
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|l| l["webhookId"] == e["id"] && l["verified"] == true), "{log:?}");
    assert!(d["failingSince"].is_null(), "a success ends the failure streak");

    // 410: given up at once and the endpoint disabled, saying why.
    let d = wait_deliveries(&app, &gone, |d| d["enabled"] == false).await;
    assert!(d["disabledReason"].as_str().unwrap().contains("410"), "{d}");
    assert_eq!(edges(&d)[0]["status"], "FAILED");
    assert_eq!(edges(&d)[0]["attemptCount"], 1);

    // A redirect is not followed: it is a failed attempt like any other non-2xx.
    let d = wait_deliveries(&app, &redirect, |d| edges(d)[0]["attemptCount"].as_i64() >= Some(1)).await;
    assert_eq!(edges(&d)[0]["attempts"][0]["statusCode"], 302);
    assert_eq!(edges(&d)[0]["attempts"][0]["succeeded"], false);

    // A hanging endpoint: each attempt ends at the timeout, and after the schedule is spent
    // the delivery is given up.
    let d = wait_deliveries(&app, &hang, |d| edges(d)[0]["status"] == "FAILED").await;
    let attempts = edges(&d)[0]["attempts"].as_array().unwrap().clone();
    assert_eq!(attempts.len(), 4, "one attempt per entry of the schedule");
    for a in &attempts {
        assert!(a["statusCode"].is_null());
        assert!(a["response"].as_str().unwrap().contains("no answer within 1000 ms"), "{a}");
    }
    assert!(d["failingSince"].is_string());
    assert_eq!(d["enabled"], true, "five days of failure have not passed");

    // Redelivery sends the same webhook-id again, with a fresh schedule.
    let again = ok(app
        .gql(
            Some(&app.admin_key),
            "mutation($id: ID!) { redeliverWebhook(id: $id) { id status attemptCount } }",
            json!({"id": e["id"]}),
        )
        .await);
    assert_eq!(again["redeliverWebhook"]["status"], "PENDING");
    rx.wait_for("/flaky", 30, |l| l.len() == 4).await;
    // Redelivering to a disabled endpoint is refused.
    let gone_delivery = edges(&deliveries(&app, &gone).await)[0]["id"].clone();
    let refused = app
        .gql(
            Some(&app.admin_key),
            "mutation($id: ID!) { redeliverWebhook(id: $id) { id } }",
            json!({"id": gone_delivery}),
        )
        .await;
    assert_eq!(code(&refused), "CONFLICT");
}

#[tokio::test]
async fn private_and_metadata_addresses_are_refused_at_registration_and_at_send() {
    let app = spawn_app().await;
    for url in [
        "http://127.0.0.1:9/x",
        "http://localhost:9/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://10.0.0.1/",
        "http://user:pass@example.com/",
        "ftp://example.com/",
        "not a url",
    ] {
        let resp = app
            .gql(Some(&app.admin_key), CREATE, json!({"in": {"org": app.org, "url": url, "events": ["plan.proposed"]}}))
            .await;
        assert_eq!(code(&resp), "VALIDATION", "{url}: {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], "url", "{url}");
    }
    let bad_event = app
        .gql(
            Some(&app.admin_key),
            CREATE,
            json!({"in": {"org": app.org, "url": "https://example.com/", "events": ["plan.exploded"]}}),
        )
        .await;
    assert_eq!(bad_event["errors"][0]["extensions"]["field"], "events");

    // An endpoint whose address turns private after registration (DNS changed) is refused at
    // send: the attempt fails without a request being made.
    let rx = Receiver::start().await;
    let made = app
        .admin(
            CREATE,
            json!({"in": {"org": app.org, "url": "https://93.184.216.34/hook", "events": ["plan.proposed"]}}),
        )
        .await;
    let id = made["createWebhookEndpoint"]["endpoint"]["id"].as_str().unwrap().to_string();
    app.execute_sql(&format!(
        "UPDATE webhook_endpoints SET url = '{}' WHERE id = {}",
        rx.url("/ok-private"),
        uuid_literal(&id)
    ))
    .await;
    ok(app.gql(Some(&app.admin_key), TEST, json!({"id": id})).await);
    let d = wait_deliveries(&app, &id, |d| edges(d)[0]["attemptCount"].as_i64() >= Some(1)).await;
    let attempt = &edges(&d)[0]["attempts"][0];
    assert!(attempt["response"].as_str().unwrap().contains("refused"), "{attempt}");
    assert!(rx.log("/ok-private").await.is_empty(), "no request reached the private address");
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_new_one() {
    let app = private_app().await;
    let rx = Receiver::start().await;
    let (id, old) = endpoint(&app, &rx, "/ok-rotate", &["plan.proposed"], None).await;
    let rotated = ok(app
        .gql(
            Some(&app.admin_key),
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretSignsUntil secretFingerprint } } }",
            json!({"id": id}),
        )
        .await)["rotateWebhookSecret"]
        .clone();
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!(rotated["endpoint"]["previousSecretSignsUntil"].is_string());
    // A receiver that knows only the new secret verifies, and one that knows only the old.
    rx.set_secrets("/ok-rotate", &[&new]).await;
    ok(app.gql(Some(&app.admin_key), TEST, json!({"id": id})).await);
    let log = rx.wait_for("/ok-rotate", 30, |l| !l.is_empty()).await;
    assert_eq!(log[0]["verified"], true, "{:?}", log[0]);
    assert_eq!(log[0]["signature"].as_str().unwrap().split(' ').count(), 2);
    rx.set_secrets("/ok-rotate", &[&old]).await;
    ok(app.gql(Some(&app.admin_key), TEST, json!({"id": id})).await);
    let log = rx.wait_for("/ok-rotate", 30, |l| l.len() == 2).await;
    assert_eq!(log[1]["verified"], true, "{:?}", log[1]);
}

#[tokio::test]
async fn a_rolled_back_write_sends_nothing_and_a_committed_one_is_delivered() {
    use praetor::audit::Entry;
    use praetor_store::{Housekeeping, Tenant};
    let app = private_app().await;
    let rx = Receiver::start().await;
    endpoint(&app, &rx, "/ok-outbox", &["policy.applied"], None).await;
    let tenant = Tenant::housekeeping(app.org_id.parse().unwrap(), Housekeeping::Setup);
    let actor = vec![praetor::auth::ActorRef::system("test", "outbox test")];
    {
        let mut w = app.app.write(actor.clone()).await.unwrap();
        w.audit(tenant, Entry::new("policy.applied", "rolled-back", json!({"note": "never committed"}))).await.unwrap();
        // Dropped without commit: the audit entry and its delivery roll back together.
    }
    let mut w = app.app.write(actor).await.unwrap();
    w.audit(tenant, Entry::new("policy.applied", "committed", json!({"note": "committed"}))).await.unwrap();
    w.commit().await.unwrap();
    let log = rx.wait_for("/ok-outbox", 30, |l| !l.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let log_after = rx.log("/ok-outbox").await;
    assert_eq!(log_after.len(), 1, "{log_after:?}");
    assert!(log[0]["body"].as_str().unwrap().contains("\"committed\""));
}

#[tokio::test]
async fn endpoints_belong_to_their_organization_and_its_administrators() {
    let app = private_app().await;
    let rx = Receiver::start().await;
    let (id, _) = endpoint(&app, &rx, "/ok-tenant", &["plan.proposed"], None).await;
    let (other_org, other_key) = other_org(&app).await;
    // Another organization's administrator cannot see, change or use it: NOT_FOUND, as for an
    // id that does not exist.
    for (q, vars) in [
        (DELIVERIES, json!({"id": id})),
        (TEST, json!({"id": id})),
        ("mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }", json!({"id": id})),
        ("mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }", json!({"id": id})),
    ] {
        let resp = app.gql(Some(&other_key), q, vars).await;
        assert_eq!(code(&resp), "NOT_FOUND", "{q}: {resp}");
    }
    let listed = app
        .gql(
            Some(&other_key),
            "query($o: String!) { org(slug: $o) { webhookEndpoints { id } } }",
            json!({"o": other_org}),
        )
        .await;
    assert_eq!(ok(listed)["org"]["webhookEndpoints"], json!([]));
    // A member who is not an administrator is refused.
    let (viewer, _) = app.user_with_role("viewer", None).await;
    let resp = app
        .gql(Some(&viewer), "query($o: String!) { org(slug: $o) { webhookEndpoints { id } } }", json!({"o": app.org}))
        .await;
    assert_eq!(code(&resp), "FORBIDDEN");
    // Disabling gives pending deliveries up; deleting removes it.
    let off = ok(app
        .gql(
            Some(&app.admin_key),
            "mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, enabled: false}) { enabled disabledReason } }",
            json!({"id": id}),
        )
        .await);
    assert_eq!(off["updateWebhookEndpoint"]["enabled"], false);
    ok(app.gql(Some(&app.admin_key), "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }", json!({"id": id})).await);
    let gone = app.gql(Some(&app.admin_key), DELIVERIES, json!({"id": id})).await;
    assert_eq!(code(&gone), "NOT_FOUND");
}

#[tokio::test]
async fn finished_deliveries_are_pruned_after_the_retention_period() {
    let clock = std::sync::Arc::new(praetor::clock::ManualClock::new(now()));
    let app =
        spawn_with(SpawnOptions { allow_private_networks: true, clock: Some(clock.clone()), ..Default::default() })
            .await;
    let rx = Receiver::start().await;
    let (id, _) = endpoint(&app, &rx, "/ok-prune", &["plan.proposed"], None).await;
    ok(app.gql(Some(&app.admin_key), TEST, json!({"id": id})).await);
    wait_deliveries(&app, &id, |d| edges(d).first().is_some_and(|e| e["status"] == "DELIVERED")).await;
    assert_eq!(praetor::services::webhook_delivery::prune(&app.serving).await.unwrap(), 0, "too young");
    clock.advance(chrono::Duration::days(31));
    assert_eq!(praetor::services::webhook_delivery::prune(&app.serving).await.unwrap(), 1);
    assert!(edges(&deliveries(&app, &id).await).is_empty());
}

#[tokio::test]
async fn another_node_writes_deliveries_for_an_endpoint_made_after_it_cached_none() {
    // Each node keeps an organization's endpoints by the version on its audit chain head; a
    // change on one node must reach the next write on another.
    let app = private_app().await;
    app.project("web").await;
    let rx = Receiver::start().await;
    let peer = app.peer().await;
    let engage = |on: bool| json!({"in": {"scope": "PROJECT", "org": app.org, "project": "web", "engaged": on, "reason": "node test", "onRelease": "RESUME"}});
    // The peer writes a subscribable event while the organization has no endpoint.
    ok(app.gql_at(peer.addr, &app.admin_key, KILL, engage(true)).await);
    let (id, _) = endpoint(&app, &rx, "/ok-nodes", &["killswitch.released", "killswitch.engaged"], None).await;
    ok(app.gql_at(peer.addr, &app.admin_key, KILL, engage(false)).await);
    let log = rx.wait_for("/ok-nodes", 30, |l| !l.is_empty()).await;
    assert!(log[0]["body"].as_str().unwrap().contains("killswitch.released"), "{log:?}");
    // Disabled on the first node: the peer's next event writes no delivery.
    ok(app
        .gql(
            Some(&app.admin_key),
            "mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, enabled: false}) { enabled } }",
            json!({"id": id}),
        )
        .await);
    ok(app.gql_at(peer.addr, &app.admin_key, KILL, engage(true)).await);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(edges(&deliveries(&app, &id).await).len(), 1);
    assert_eq!(rx.log("/ok-nodes").await.len(), 1);
}

#[tokio::test]
async fn the_deliverer_reads_each_event_once_and_an_endpoint_hears_only_what_came_after_it() {
    // No deliverer runs: the chain is read by calling the stage directly, so what it writes
    // does not depend on when a background task woke.
    let app = spawn_without_deliverer().await;
    let web = app.project("web").await;
    let api = app.project("api").await;
    let rx = Receiver::start().await;
    let (all, _) = endpoint(&app, &rx, "/ok-all", &["killswitch.engaged"], None).await;
    let (late, _) = endpoint(&app, &rx, "/ok-late", &["killswitch.engaged"], None).await;
    let (api_only, _) = endpoint(&app, &rx, "/ok-api", &["killswitch.engaged"], Some("api")).await;
    let set_enabled = |id: &str, on: bool| {
        app.admin(
            "mutation($id: ID!, $on: Boolean!) { updateWebhookEndpoint(input: {id: $id, enabled: $on}) { enabled } }",
            json!({"id": id, "on": on}),
        )
    };
    set_enabled(&late, false).await;
    engage(&app, "web", true).await;
    engage(&app, "web", false).await;
    set_enabled(&late, true).await;
    engage(&app, "api", true).await;
    let stage = || {
        praetor::webhooks::outbox::stage(
            &app.app.db,
            &app.app.webhooks.endpoints,
            app.app.clock.now(),
            app.app.clock.now(),
            None,
            500,
            |_| false,
        )
    };
    assert!(stage().await.unwrap().claimed.is_empty(), "nothing claimed when the caller takes nothing");
    let subjects = |d: &Value| -> Vec<String> {
        edges(d)
            .iter()
            .map(|n| {
                let body: Value = serde_json::from_str(n["payload"].as_str().unwrap()).unwrap();
                format!("{} {}", n["status"].as_str().unwrap(), body["data"]["project"].as_str().unwrap_or("-"))
            })
            .collect()
    };
    // Newest first. The endpoint enabled again hears nothing from while it was off; the
    // project's endpoint hears its project only.
    assert_eq!(subjects(&deliveries(&app, &all).await), [format!("PENDING {api}"), format!("PENDING {web}")]);
    assert_eq!(subjects(&deliveries(&app, &late).await), [format!("PENDING {api}")]);
    assert_eq!(subjects(&deliveries(&app, &api_only).await), [format!("PENDING {api}")]);
    // Read once: a second stage finds nothing new.
    stage().await.unwrap();
    assert_eq!(edges(&deliveries(&app, &all).await).len(), 2);
    // A claimed delivery comes back claimed, and only the one the caller took.
    engage(&app, "api", false).await;
    engage(&app, "web", true).await;
    let mut first = true;
    let now = app.app.clock.now();
    let claimed =
        praetor::webhooks::outbox::stage(&app.app.db, &app.app.webhooks.endpoints, now, now, None, 500, |_| {
            std::mem::take(&mut first)
        })
        .await
        .unwrap()
        .claimed;
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    assert_eq!(edges(&deliveries(&app, &all).await).len(), 3);
}
