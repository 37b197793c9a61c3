//! The outbox under a crash: a `praetor serve` process proposing 1,000 plans (each a
//! `plan.proposed` event an endpoint subscribes to) is killed with SIGKILL midway and started
//! again; afterwards every committed event has reached the real receiver (each `webhook-id`
//! once or more), and nothing reached it that the database does not hold.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use praetor_store::{Housekeeping, Tenant, TenantScoped, plan};
use praetor_tests::webhook_receiver::Receiver;
use praetor_tests::*;
use sea_orm::{ColumnTrait, QueryFilter};
use serde_json::{Value, json};

const EVENTS: usize = 1_000;

async fn start(database_url: &str, org_id: &str, port: u16) -> ServeProcess {
    let envs = [
        ("PRAETOR_WEBHOOKS__ALLOW_PRIVATE_NETWORKS", "true".to_string()),
        ("PRAETOR_WEBHOOKS__RETRY_SCHEDULE_SECONDS", "[0,1,1,1,1,1]".to_string()),
        ("PRAETOR_WEBHOOKS__TIMEOUT_MS", "2000".to_string()),
        ("PRAETOR_WEBHOOKS__POLL_MS", "100".to_string()),
    ];
    ServeProcess::start(database_url, org_id, port, &envs).await
}

#[tokio::test]
async fn every_committed_event_is_delivered_after_a_sigkill() {
    // The in-process server only sets the organization up; it delivers nothing itself.
    let app = spawn_without_deliverer().await;
    app.project("web").await;
    let rx = Receiver::start().await;
    let made = app
        .admin(
            "mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret } }",
            json!({"in": {"org": app.org, "url": rx.url("/ok-crash"), "events": ["plan.proposed"]}}),
        )
        .await;
    rx.set_secrets("/ok-crash", &[made["createWebhookEndpoint"]["secret"].as_str().unwrap()]).await;

    let port = free_port();
    let mut server = Some(start(&app.database_url, &app.org_id, port).await);
    let done = Arc::new(AtomicUsize::new(0));
    let mut proposers = Vec::new();
    for w in 0..6 {
        let (done, key, org) = (done.clone(), app.admin_key.clone(), app.org.clone());
        proposers.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
            let mut n = 0;
            while done.load(Ordering::SeqCst) < EVENTS {
                n += 1;
                let input = json!({"org": org, "project": "web", "steps": [{"action": "state.set", "params": {"key": format!("k{w}-{n}"), "value": n}}]});
                let sent = client
                    .post(format!("http://127.0.0.1:{port}/graphql"))
                    .bearer_auth(&key)
                    .json(&json!({"query": "mutation($in: ProposePlanInput!) { proposePlan(input: $in) { id } }", "variables": {"in": input}}))
                    .send()
                    .await;
                match sent {
                    Ok(r) => match r.json::<Value>().await {
                        Ok(v) if v["data"]["proposePlan"]["id"].is_string() => {
                            done.fetch_add(1, Ordering::SeqCst);
                        }
                        _ => tokio::time::sleep(Duration::from_millis(50)).await,
                    },
                    // The server is down (killed): wait for it to come back.
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }));
    }
    // Kill the server with SIGKILL midway, while it is both committing and delivering.
    while done.load(Ordering::SeqCst) < EVENTS / 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(server.take());
    let killed_at = done.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    server = Some(start(&app.database_url, &app.org_id, port).await);
    for p in proposers {
        p.await.unwrap();
    }
    assert!(killed_at < EVENTS, "the kill came before the last proposal");

    // Every plan the database holds was proposed in a committed transaction: each must arrive.
    let tenant = Tenant::housekeeping(app.org_id.parse().unwrap(), Housekeeping::Setup);
    let committed: HashSet<String> = plan::Entity::find_in_org(tenant)
        .filter(plan::Column::Status.is_not_null())
        .all(&tenant.on(&app.app.db))
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id.to_string())
        .collect();
    assert!(committed.len() >= EVENTS, "{} plans", committed.len());
    let plan_of = |entry: &Value| -> String {
        let body: Value = serde_json::from_str(entry["body"].as_str().unwrap()).unwrap();
        body["data"]["plan"].as_str().unwrap().to_string()
    };
    let log = rx
        .wait_for("/ok-crash", 180, |log| {
            let seen: HashSet<String> = log.iter().map(plan_of).collect();
            committed.iter().all(|p| seen.contains(p))
        })
        .await;
    let mut ids_by_plan: HashMap<String, HashSet<String>> = HashMap::new();
    for entry in &log {
        assert_eq!(entry["verified"], true, "{entry}");
        ids_by_plan.entry(plan_of(entry)).or_default().insert(entry["webhookId"].as_str().unwrap().to_string());
    }
    // Nothing arrived that did not commit, and each event kept one webhook-id across resends.
    for (plan, ids) in &ids_by_plan {
        assert!(committed.contains(plan), "{plan} was delivered but never committed");
        assert_eq!(ids.len(), 1, "{plan} was sent under several ids: {ids:?}");
    }
    let resent = log.len() - ids_by_plan.len();
    eprintln!("{} events, {} deliveries received ({resent} resent after the crash)", committed.len(), log.len());
    drop(server);
}
