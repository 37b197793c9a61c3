//! `praetor bench soak`: mixed traffic against one real server for a while, to see that it
//! stays healthy — no errors, latency steady, memory flat once warm.
//!
//! The server is this binary started as `praetor serve` in a child process (so its memory is
//! measured alone) on a throwaway database prepared here: an organization with an operator,
//! two approvers in `sre-leads` and `change-board`, a project, the example actions and a policy
//! where production deploys need both stages. `concurrency` clients then loop until time is
//! up, each round a mix of what people do: reads (who am I, projects, a plan, the audit log),
//! a staging deploy that runs at once, and now and then a production deploy approved by one
//! person per stage; a conversation gets a chat message every few seconds while `subscribers`
//! websockets follow it. Every minute prints requests, errors, latency percentiles and the
//! server's resident memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::{Figures, Target, cleanup, percentile, prepare};
use praetor::AppState;
use praetor::auth::{Principal, Subject};
use praetor::authz::ops;
use praetor::error::{Error, Result};
use praetor::services::api_keys::{self, KeyOwner};
use praetor::services::{groups, orgs, policies, projects, roles, setup, users};

/// Every sample of one minute.
#[derive(Default)]
struct Minute {
    latencies: Vec<Duration>,
    errors: u64,
}

struct Load {
    minutes: Mutex<Vec<Minute>>,
    /// The last minute counted (requests finishing after the end count in it).
    last_minute: usize,
    started: Instant,
    first_errors: Mutex<Vec<String>>,
    chat_events_seen: AtomicU64,
}

impl Load {
    async fn record(&self, took: Duration, error: Option<String>) {
        let minute = ((self.started.elapsed().as_secs() / 60) as usize).min(self.last_minute);
        let mut minutes = self.minutes.lock().await;
        while minutes.len() <= minute {
            minutes.push(Minute::default());
        }
        minutes[minute].latencies.push(took);
        if let Some(e) = error {
            minutes[minute].errors += 1;
            let mut first = self.first_errors.lock().await;
            if first.len() < 10 {
                first.push(e);
            }
        }
    }
}

/// The client side of one person.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    url: String,
    key: String,
}

impl Client {
    /// Sends a GraphQL request, timing it; an HTTP failure or any GraphQL error is an error.
    async fn gql(&self, load: &Load, query: &str, variables: Value) -> Option<Value> {
        let started = Instant::now();
        let sent = self
            .http
            .post(&self.url)
            .bearer_auth(&self.key)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await;
        let body: std::result::Result<Value, String> = match sent {
            Ok(r) => r.json().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let took = started.elapsed();
        match body {
            Ok(v) if v.get("errors").is_none_or(|e| e.as_array().is_some_and(|a| a.is_empty())) => {
                load.record(took, None).await;
                Some(v["data"].clone())
            }
            Ok(v) => {
                load.record(took, Some(format!("{query}: {}", v["errors"]))).await;
                None
            }
            Err(e) => {
                load.record(took, Some(format!("{query}: {e}"))).await;
                None
            }
        }
    }
}

pub async fn soak(target: Target, minutes: u64, concurrency: usize, subscribers: usize) -> Result<Figures> {
    let (app, _dir, drop_db) = prepare(&target, 4).await?;
    let result = run(&app, minutes.max(1), concurrency.max(1), subscribers).await;
    drop(app);
    cleanup(drop_db).await;
    result
}

const SOAK_POLICY: &str = r#"apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: soak, org: soak }
spec:
  rules:
    - name: prod-deploys-need-two-people
      actions: ["deploy.*"]
      when: 'params.env == "prod"'
      effect: require_approval
      approvals:
        - { group: sre-leads, count: 1 }
        - { group: change-board, count: 1 }
    - name: everything-else
      actions: ["**"]
      effect: allow
"#;

struct People {
    bob: String,
    carol: String,
    alice: String,
    session: String,
}

/// The organization, people, project and policy the traffic runs against.
async fn setup_org(app: &Arc<AppState>) -> Result<People> {
    let boot = setup::bootstrap(app, "soak", "alice@soak.test").await?;
    let admin = users::find_by_email(&app.db, "alice@soak.test").await?.ok_or_else(|| Error::internal("admin"))?;
    let admin_access = app.authz.enter(&Principal::new(Subject::User(admin)), boot.org.clone()).await?;
    let permit = admin_access.permit::<ops::ProjectCreate>(praetor::authz::Domain::Org)?;
    let project = projects::create(app, &permit, "web", "Web", "").await?;
    for (email, role) in [("bob@soak.test", "operator"), ("carol@soak.test", "approver")] {
        let subject = roles::BindingSubject::UserEmail(email.to_string());
        roles::bind(app, &admin_access, subject, role, None).await?;
    }
    let group_permit = admin_access.permit::<ops::GroupCreate>(praetor::authz::Domain::Org)?;
    let member_permit = admin_access.permit::<ops::GroupManage>(praetor::authz::Domain::Org)?;
    for (group, member) in [("sre-leads", "carol@soak.test"), ("change-board", "alice@soak.test")] {
        let g = groups::create(app, &group_permit, group, "").await?;
        groups::add_member(app, &member_permit, g.id, member).await?;
    }
    let actions = include_str!("../../../../policies/examples/actions.yaml").replace("org: demo", "org: soak");
    let sources = policies::named_sources(vec![
        ("actions.yaml".to_string(), actions),
        ("soak.yaml".to_string(), SOAK_POLICY.to_string()),
    ])?;
    policies::apply(app, &admin_access, None, sources, "soak").await?;
    let mut keys = Vec::new();
    for email in ["bob@soak.test", "carol@soak.test", "alice@soak.test"] {
        let user = users::find_by_email(&app.db, email).await?.ok_or_else(|| Error::internal("user"))?;
        // The org row as it is now: the bindings above moved its RBAC version.
        let access = orgs::enter_by_id(app, &Principal::new(Subject::User(user)), boot.org.id).await?;
        keys.push(api_keys::create(app, &access, KeyOwner::Caller, "soak", None).await?.1);
    }
    let bob = users::find_by_email(&app.db, "bob@soak.test").await?.ok_or_else(|| Error::internal("bob"))?;
    let bob_access = orgs::enter_by_id(app, &Principal::new(Subject::User(bob)), boot.org.id).await?;
    let session = praetor::chat::sessions::create(app, &bob_access, project.id, Some("soak")).await?;
    let mut keys = keys.into_iter();
    let mut next = || keys.next().ok_or_else(|| Error::internal("keys"));
    Ok(People { bob: next()?, carol: next()?, alice: next()?, session: session.id.to_string() })
}

const READ: &str = "query { viewer { id orgs { slug projects(first: 20) { edges { node { slug name } } } } } }";
const PLAN: &str = "query($id: ID!) { plan(id: $id) { id status progress { id status } } }";
const AUDIT: &str = "query { org(slug: \"soak\") { auditLog(first: 20) { edges { node { seq kind } } } } }";
const PROPOSE: &str = "mutation($in: ProposePlanInput!) { proposePlan(input: $in) { id status planHash } }";
const APPROVE: &str = "mutation($in: ApprovePlanInput!) { approvePlan(input: $in) { status } }";

/// One client's loop: reads, a staging deploy, and every fourth round a production deploy
/// approved stage by stage.
async fn worker(n: usize, people: Arc<(Client, Client, Client)>, load: Arc<Load>, until: Instant) {
    let (bob, carol, alice) = (&people.0, &people.1, &people.2);
    let mut round = 0usize;
    let mut last_plan: Option<String> = None;
    while Instant::now() < until {
        round += 1;
        bob.gql(&load, READ, json!({})).await;
        if let Some(id) = &last_plan {
            bob.gql(&load, PLAN, json!({"id": id})).await;
        }
        carol.gql(&load, AUDIT, json!({})).await;
        let version = (n * 1_000_000 + round) as i64;
        let staging = json!({"in": {"org": "soak", "project": "web", "runWhenApproved": true,
            "steps": [{"action": "deploy.web", "params": {"service": "web", "env": "staging", "version": version}}]}});
        if let Some(d) = bob.gql(&load, PROPOSE, staging).await {
            last_plan = d["proposePlan"]["id"].as_str().map(str::to_string);
        }
        if round.is_multiple_of(4) {
            let prod = json!({"in": {"org": "soak", "project": "web", "runWhenApproved": true,
                "steps": [{"action": "deploy.web", "params": {"service": "api", "env": "prod", "version": version}}]}});
            if let Some(d) = bob.gql(&load, PROPOSE, prod).await {
                let (id, hash) = (d["proposePlan"]["id"].clone(), d["proposePlan"]["planHash"].clone());
                carol.gql(&load, APPROVE, json!({"in": {"planId": id, "planHash": hash}})).await;
                alice.gql(&load, APPROVE, json!({"in": {"planId": id, "planHash": hash}})).await;
            }
        }
    }
}

/// Follows the conversation over a websocket, counting the events it receives.
async fn follower(addr: std::net::SocketAddr, key: String, session: String, load: Arc<Load>) -> Result<()> {
    let fail = |e: tokio_tungstenite::tungstenite::Error| Error::internal(format!("soak websocket: {e}"));
    let mut req = format!("ws://{addr}/graphql/ws").into_client_request().map_err(fail)?;
    req.headers_mut().insert("sec-websocket-protocol", axum::http::HeaderValue::from_static("graphql-transport-ws"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.map_err(fail)?;
    let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {key}")}});
    ws.send(Message::Text(init.to_string().into())).await.map_err(fail)?;
    let query = "subscription($s: ID!) { chatEvents(sessionId: $s) { seq kind } }";
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"s": session}}});
    ws.send(Message::Text(sub.to_string().into())).await.map_err(fail)?;
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Text(text) = msg
            && text.contains("\"next\"")
        {
            load.chat_events_seen.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

async fn run(app: &Arc<AppState>, minutes: u64, concurrency: usize, subscribers: usize) -> Result<Figures> {
    let backend = praetor::db::backend_name(&app.db);
    let people = setup_org(app).await?;
    let (mut child, addr, pid) = super::chat::start_child(app, subscribers + 16, true).await?;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/graphql");
    let client = |key: &str| Client { http: http.clone(), url: url.clone(), key: key.to_string() };
    let clients = Arc::new((client(&people.bob), client(&people.carol), client(&people.alice)));
    let load = Arc::new(Load {
        minutes: Mutex::new(Vec::new()),
        last_minute: minutes as usize - 1,
        started: Instant::now(),
        first_errors: Mutex::new(Vec::new()),
        chat_events_seen: AtomicU64::new(0),
    });
    let until = Instant::now() + Duration::from_secs(minutes * 60);
    let mut followers = Vec::new();
    for _ in 0..subscribers {
        let (key, session, load) = (people.carol.clone(), people.session.clone(), load.clone());
        followers.push(tokio::spawn(follower(addr, key, session, load)));
    }
    let talker = {
        let (bob, load, session) = (clients.0.clone(), load.clone(), people.session.clone());
        tokio::spawn(async move {
            let say = "mutation($s: ID!, $t: String!) { sendChatMessage(sessionId: $s, text: $t) { seq } }";
            let lines = ["deploy web to staging", "status", "help", "deploy api", "what will this do?"];
            let mut i = 0;
            while Instant::now() < until {
                bob.gql(&load, say, json!({"s": session, "t": lines[i % lines.len()]})).await;
                i += 1;
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
        })
    };
    let workers: Vec<_> =
        (0..concurrency).map(|n| tokio::spawn(worker(n, clients.clone(), load.clone(), until))).collect();
    // Memory is read once a minute, at the end of each.
    let mut rss = Vec::new();
    for _ in 0..minutes {
        tokio::time::sleep(Duration::from_secs(60)).await;
        rss.push(super::chat::rss_of(pid));
    }
    for w in workers {
        let _ = w.await;
    }
    let _ = talker.await;
    for f in followers {
        f.abort();
    }
    let _ = child.kill().await;

    let minutes_seen = load.minutes.lock().await;
    let mut lines = vec![format!(
        "bench soak on {backend}: {minutes} min, {concurrency} clients, {subscribers} chat subscribers (server: child `praetor serve`)"
    )];
    lines.push("  minute  requests  errors   p50 ms   p99 ms   max ms   server RSS".into());
    let (mut total, mut errors) = (0usize, 0u64);
    let mut all = Vec::new();
    for (i, m) in minutes_seen.iter().enumerate() {
        let mut l = m.latencies.clone();
        l.sort();
        total += l.len();
        errors += m.errors;
        all.extend(l.iter().copied());
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mem = rss.get(i).copied().flatten().map_or("-".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
        lines.push(format!(
            "  {:>6}  {:>8}  {:>6}  {:>7.1}  {:>7.1}  {:>7.1}   {mem}",
            i + 1,
            l.len(),
            m.errors,
            ms(percentile(&l, 0.50)),
            ms(percentile(&l, 0.99)),
            ms(l.last().copied().unwrap_or_default()),
        ));
    }
    all.sort();
    let secs = (minutes * 60) as f64;
    lines.push(format!(
        "  total: {total} requests ({:.0}/s), {errors} errors, p99 {:.1} ms; {} chat events delivered to subscribers",
        total as f64 / secs,
        percentile(&all, 0.99).as_secs_f64() * 1000.0,
        load.chat_events_seen.load(Ordering::Relaxed)
    ));
    if let (Some(Some(first)), Some(Some(last))) = (rss.get(1.min(rss.len().saturating_sub(1))), rss.last()) {
        lines.push(format!(
            "  server RSS after warm-up (minute 2) -> end: {:.1} -> {:.1} MiB",
            *first as f64 / 1024.0,
            *last as f64 / 1024.0
        ));
    }
    for e in load.first_errors.lock().await.iter() {
        lines.push(format!("  error: {}", e.chars().take(300).collect::<String>()));
    }
    Ok(Figures { lines })
}
