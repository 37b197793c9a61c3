//! Proof under failure (PostgreSQL): three API processes and two workers over one database run
//! 500 plans of three organizations (some waiting for an approval, some with a delay) while a
//! random worker and a random API process are killed with SIGKILL, twice, and started again.
//! Afterwards every plan is final; no step ran twice (each project's counter equals the
//! increments of its succeeded plans); the subscribers on the API process that stayed up saw
//! every audit entry of their organization, and every event of the plans they watched, in
//! order; and `audit verify` and `replay project` are clean for every organization.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use praetor_tests::ws::Subscription;
use praetor_tests::*;
use serde_json::{Value, json};

const PLANS: usize = 500;
const FINAL: [&str; 6] = ["SUCCEEDED", "FAILED", "CANCELLED", "KILLED", "REJECTED", "EXPIRED"];

struct Org {
    slug: String,
    key: String,
}

/// The processes of the cluster, by role; `None` while killed.
struct Cluster {
    url: String,
    /// The database as its owner (past row-level security), to see which worker holds a job.
    owner: sea_orm::DatabaseConnection,
    api: Vec<(ServeProcess, SocketAddr)>,
    workers: Vec<ServeProcess>,
}

const ENVS: [(&str, &str); 3] =
    [("PRAETOR_WORKER__LEASE_SECONDS", "5"), ("PRAETOR_WORKER__POLL_MS", "200"), ("PRAETOR_METRICS__ENABLED", "false")];

impl Cluster {
    async fn api_process(url: &str) -> (ServeProcess, SocketAddr) {
        let port = free_port();
        let mut envs: Vec<(&str, String)> = ENVS.iter().map(|(k, v)| (*k, v.to_string())).collect();
        envs.push(("PRAETOR_ROLE", "api".into()));
        (ServeProcess::start(url, "", port, &envs).await, ([127, 0, 0, 1], port).into())
    }

    async fn worker_process(url: &str) -> ServeProcess {
        let mut envs: Vec<(&str, String)> = ENVS.iter().map(|(k, v)| (*k, v.to_string())).collect();
        envs.push(("PRAETOR_ROLE", "worker".into()));
        ServeProcess::start(url, "", free_port(), &envs).await
    }

    async fn start(url: &str) -> Cluster {
        let mut api = Vec::new();
        for _ in 0..3 {
            api.push(Self::api_process(url).await);
        }
        let mut workers = Vec::new();
        for _ in 0..2 {
            workers.push(Self::worker_process(url).await);
        }
        let owner = sea_orm::Database::connect(url).await.expect("the database as its owner");
        Cluster { url: url.to_string(), owner, api, workers }
    }

    /// SIGKILLs a random worker, one holding a job if any does within a few seconds, and a
    /// random API process other than the first (whose subscribers are watched), and starts
    /// each again. Answers whether the worker held a job when it died.
    async fn kill_and_restart(&mut self, rng: &mut u64) -> bool {
        let mut w = (next(rng) % 2) as usize;
        let mut busy = false;
        // A job is held only while its plan runs (milliseconds: a delay gives it back), so look
        // often, for up to ten seconds.
        for _ in 0..2000 {
            let holders = job_holders(&self.owner).await;
            if let Some(k) = (0..2).map(|k| (w + k) % 2).find(|k| {
                let pid = format!("-{}-", self.workers[*k].pid());
                holders.iter().any(|h| h.contains(&pid))
            }) {
                (w, busy) = (k, true);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let a = 1 + (next(rng) % 2) as usize;
        self.workers[w].kill();
        self.api[a].0.kill();
        self.workers[w] = Self::worker_process(&self.url).await;
        self.api[a] = Self::api_process(&self.url).await;
        busy
    }

    fn addr(&self, i: usize) -> SocketAddr {
        self.api[i % self.api.len()].1
    }
}

/// The workers (`worker-<host>-<pid>-…`) holding a job now.
async fn job_holders(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let sql = "SELECT locked_by FROM jobs WHERE locked_by IS NOT NULL AND locked_until > NOW()";
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql.to_string()))
        .await
        .expect("the query runs");
    rows.iter().filter_map(|r| r.try_get::<String>("", "locked_by").ok()).collect()
}

fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// A GraphQL request to one API process; `None` when the process did not answer (killed).
async fn post(addr: SocketAddr, key: &str, query: &str, variables: Value) -> Option<Value> {
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(key)
        .json(&json!({"query": query, "variables": variables}))
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .ok()?;
    resp.json().await.ok()
}

/// Sends a request to the cluster's API processes in turn until one answers.
async fn ask(cluster: &Cluster, turn: &mut usize, key: &str, query: &str, variables: Value) -> Value {
    for _ in 0..50 {
        *turn += 1;
        if let Some(v) = post(cluster.addr(*turn), key, query, variables.clone()).await {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no API process answered {query}");
}

/// Collects the `seq`s the subscription brings (audit entries or plan events), in order of
/// arrival, until it ends.
fn collect(mut sub: Subscription, pick: fn(&Value) -> Option<(i64, String)>) -> Arc<Mutex<Vec<(i64, String)>>> {
    let seen: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let out = seen.clone();
    tokio::spawn(async move {
        loop {
            // Quiet for a while (a plan's stream stays open after its end) is not an error;
            // this gives up waiting before the subscription's own limit would fail the test.
            let v = match tokio::time::timeout(std::time::Duration::from_secs(20), sub.next()).await {
                Ok(Some(v)) => v,
                Ok(None) => break,
                Err(_) => continue,
            };
            assert!(v["errors"].is_null(), "{v:#}");
            if let Some(x) = pick(&v["data"]) {
                out.lock().unwrap().push(x);
            }
        }
    });
    seen
}

#[tokio::test]
async fn three_api_and_two_worker_processes_lose_and_repeat_nothing_when_killed() {
    let Some((url, app)) = setup_for_processes().await else { return };
    // The first organization asks its leads to approve every state.set.
    app.require_leads_for_state_set().await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    app.group("leads", &[&carol_email]).await;
    let mut orgs = vec![Org { slug: app.org.clone(), key: app.admin_key.clone() }];
    for _ in 0..2 {
        let (slug, key) = other_org(&app).await;
        orgs.push(Org { slug, key });
    }
    for o in &orgs {
        let made = app
            .gql(
                Some(&o.key),
                "mutation($o: String!) { createProject(input: {org: $o, slug: \"web\", name: \"web\"}) { id } }",
                json!({"o": o.slug}),
            )
            .await;
        ok(made);
    }

    let mut cluster = Cluster::start(&url).await;
    let watched = cluster.addr(0);
    // Every audit entry of each organization, as the API process that stays up tells it.
    let audit_query = "subscription($o: String!) { auditEvents(org: $o) { seq kind } }";
    let mut audit_seen = Vec::new();
    for o in &orgs {
        let sub = Subscription::start(watched, &o.key, audit_query, json!({"o": o.slug})).await;
        audit_seen.push(collect(sub, |d| {
            Some((d["auditEvents"]["seq"].as_i64()?, d["auditEvents"]["kind"].as_str()?.to_string()))
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let mut rng = 0x0c15_7e2a_u64;
    let mut turn = 0;
    // Each plan: its organization, its increments, and whether it waits for an approval.
    let mut plans: Vec<(usize, String, i64)> = Vec::new();
    let mut plan_seen = Vec::new();
    let mut busy_kills = 0;
    for i in 0..PLANS {
        if i == PLANS / 4 || i == PLANS * 3 / 5 {
            busy_kills += usize::from(cluster.kill_and_restart(&mut rng).await);
        }
        let o = i % orgs.len();
        let increments = 1 + (next(&mut rng) % 3) as i64;
        let mut steps: Vec<Value> =
            (0..increments).map(|_| json!({"action": "state.increment", "params": {"key": "n"}})).collect();
        if i % 10 == 0 {
            steps.insert(0, json!({"action": "delay", "params": {"seconds": 1}}));
        }
        let reviewed = o == 0 && i % 7 == 0;
        if reviewed {
            steps.push(json!({"action": "state.set", "params": {"key": "last", "value": i}}));
        }
        // The same idempotency key on every try: a proposal whose process died before it
        // answered is not made twice.
        let input = json!({"org": orgs[o].slug, "project": "web", "steps": steps, "runWhenApproved": true,
            "idempotencyKey": format!("cluster-{i}")});
        let resp = ask(&cluster, &mut turn, &orgs[o].key, PROPOSE, json!({"in": input})).await;
        let plan = ok(resp)["proposePlan"].clone();
        let id = plan["id"].as_str().unwrap().to_string();
        // A retried proposal answers the plan made before, which may have moved on.
        let first = if reviewed { "PENDING_APPROVAL" } else { "QUEUED" };
        let later = ["QUEUED", "RUNNING", "SUCCEEDED"];
        assert!(plan["status"] == first || later.contains(&plan["status"].as_str().unwrap()), "{plan:#}");
        if plan["status"] == "PENDING_APPROVAL" {
            let approve =
                "mutation($id: ID!, $h: String!) { approvePlan(input: {planId: $id, planHash: $h}) { status } }";
            let vars = json!({"id": id, "h": plan["planHash"]});
            let r = ask(&cluster, &mut turn, &carol, approve, vars).await;
            // A retry after a process died mid-answer finds it approved already.
            if r["errors"].is_array() {
                let q = "query($id: ID!) { plan(id: $id) { status } }";
                let s = ok(ask(&cluster, &mut turn, &carol, q, json!({"id": id})).await)["plan"]["status"].clone();
                assert_ne!(s, "PENDING_APPROVAL", "{r:#}");
            }
        }
        // Some plans with a delay are watched, event by event, on the process that stays up.
        if i % 50 == 0 {
            let q = "subscription($id: ID!) { planEvents(planId: $id) { status event { seq } } }";
            let sub = Subscription::start(watched, &orgs[o].key, q, json!({"id": id})).await;
            plan_seen.push((
                id.clone(),
                o,
                collect(sub, |d| {
                    Some((d["planEvents"]["event"]["seq"].as_i64()?, d["planEvents"]["status"].as_str()?.to_string()))
                }),
            ));
        }
        plans.push((o, id, increments));
    }

    // A worker died holding a job at least once (its plan was taken over after the lease).
    assert!(busy_kills >= 1, "no worker held a job when killed");

    // Every plan reaches a final status.
    let mut status: HashMap<String, String> = HashMap::new();
    let mut open: Vec<usize> = (0..plans.len()).collect();
    let q = "query($id: ID!) { plan(id: $id) { status } }";
    for _ in 0..600 {
        let mut still = Vec::new();
        for &k in &open {
            let (o, id, _) = &plans[k];
            let s = ok(ask(&cluster, &mut turn, &orgs[*o].key, q, json!({"id": id})).await)["plan"]["status"]
                .as_str()
                .unwrap()
                .to_string();
            if FINAL.contains(&s.as_str()) {
                status.insert(id.clone(), s);
            } else {
                still.push(k);
            }
        }
        open = still;
        if open.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(open.is_empty(), "{} plans never finished, e.g. {}", open.len(), plans[open[0]].1);
    let succeeded = status.values().filter(|s| *s == "SUCCEEDED").count();
    assert_eq!(
        succeeded,
        PLANS,
        "every plan succeeded: {:?}",
        status.values().filter(|s| *s != "SUCCEEDED").collect::<Vec<_>>()
    );

    // No step ran twice: each counter is the sum of its organization's increments.
    let mut expected: BTreeMap<usize, i64> = BTreeMap::new();
    for (o, _, n) in &plans {
        *expected.entry(*o).or_default() += n;
    }
    for (o, want) in expected {
        let q = "query($o: String!) { project(org: $o, slug: \"web\") { state } }";
        let state = ok(ask(&cluster, &mut turn, &orgs[o].key, q, json!({"o": orgs[o].slug})).await);
        assert_eq!(state["project"]["state"]["n"], json!(want), "{}", orgs[o].slug);
    }

    // The watched plans' subscribers saw every event, in order, to the end.
    for (id, o, seen) in &plan_seen {
        let q = "query($id: ID!) { plan(id: $id) { events(first: 100) { edges { node { seq } } } } }";
        let stored = ok(ask(&cluster, &mut turn, &orgs[*o].key, q, json!({"id": id})).await);
        let edges = stored["plan"]["events"]["edges"].as_array().unwrap();
        let events = edges.iter().filter_map(|e| e["node"]["seq"].as_i64()).max().unwrap();
        assert_eq!(edges.len() as i64, events, "{stored:#}");
        let mut got = Vec::new();
        for _ in 0..100 {
            got = seen.lock().unwrap().clone();
            if got.last().is_some_and(|(s, _)| *s == events) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let seqs: Vec<i64> = got.iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, (1..=events).collect::<Vec<_>>(), "plan {id}: {got:?}");
        assert_eq!(got.last().unwrap().1, "SUCCEEDED");
    }

    // The audit subscribers saw every entry from the first they saw to the head, in order.
    for (o, seen) in audit_seen.iter().enumerate() {
        let q = "query($o: String!) { org(slug: $o) { auditLog(first: 1) { edges { node { seq } } } } }";
        let head =
            ok(ask(&cluster, &mut turn, &orgs[o].key, q, json!({"o": orgs[o].slug})).await)["org"]["auditLog"]["edges"]
                [0]["node"]["seq"]
                .as_i64()
                .unwrap();
        let mut got = Vec::new();
        for _ in 0..100 {
            got = seen.lock().unwrap().iter().map(|(s, _)| *s).collect::<Vec<_>>();
            if got.last() == Some(&head) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let first = *got.first().expect("entries seen");
        assert_eq!(got, (first..=head).collect::<Vec<_>>(), "{}", orgs[o].slug);
        assert!(got.len() > PLANS / orgs.len(), "{}: {} entries", orgs[o].slug, got.len());
    }

    // The audit chains and the projects replay clean.
    for o in &orgs {
        let (verified, out) = run_praetor(&["audit", "verify", "--org", &o.slug], &url, &[]).await;
        assert!(verified, "{out}");
        let (replayed, out) = run_praetor(&["replay", "project", "web", "--org", &o.slug], &url, &[]).await;
        assert!(replayed, "{out}");
    }
}
