//! `/metrics`: every metric the Grafana dashboards and Prometheus alert rules in `deploy/` name
//! is served by a running server after ordinary traffic; organization and project labels appear
//! only when switched on; `metrics.listen` moves the endpoint off the public address; and a real
//! Prometheus scrapes the server, evaluates the alert rules and answers queries over the series.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use praetor::config::{MetricsConfig, SchedulerConfig};
use praetor_tests::chat::{ChatStream, say, session};
use praetor_tests::*;
use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The names of the samples in a text exposition (`name{labels} value` lines).
fn sample_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_string)
        .collect()
}

/// Every `praetor_*` name in the dashboards and the alert rules, with the file naming it.
fn names_in_deploy() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("deploy/grafana/dashboards"))
        .expect("deploy/grafana/dashboards")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.push(repo().join("deploy/prometheus/alerts.yml"));
    assert!(files.len() >= 6, "five dashboards and the rules: {files:?}");
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("praetor_") {
            let name: String = rest[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            rest = &rest[at + name.len()..];
            out.push((name, f.file_name().unwrap().to_string_lossy().into_owned()));
        }
    }
    out.sort();
    out.dedup();
    out
}

async fn scrape(app: &TestApp) -> String {
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let kind = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    r.text().await.unwrap()
}

/// A server whose scheduler is its own (a namespace no other test server shares), so its jobs
/// run here and their slots are measured here.
async fn own_scheduler(metrics: MetricsConfig) -> TestApp {
    let scheduler = SchedulerConfig { namespace: unique("metrics"), ..Default::default() };
    spawn_with(SpawnOptions { scheduler: Some(scheduler), metrics: Some(metrics), ..Default::default() }).await
}

#[tokio::test]
async fn every_metric_the_dashboards_and_alerts_name_is_served() {
    let app = own_scheduler(MetricsConfig::default()).await;
    app.with_example_policies().await;
    let (bob, _) = app.user_with_role("operator", Some("web")).await;
    // A chat over a websocket subscription proposes a plan and runs it to the end.
    let s = session(&app, &bob, "web").await;
    let mut chat = ChatStream::open(app.addr, &bob, &s, None).await;
    let asked = say(&app, &bob, &s, "deploy web to staging").await;
    chat.answer(asked).await;
    say(&app, &bob, &s, "ok, run it").await;
    chat.until(|e| e["kind"] == "PLAN_FINISHED").await;
    // A refusal: an unknown project.
    let refused = app
        .gql(
            Some(&bob),
            "query Missing($o: String!) { project(org: $o, slug: \"nope\") { id } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(code(&refused), "NOT_FOUND", "{refused}");

    // The budget gauges come from the forecast job (once a minute): run it now, as it would.
    praetor::services::forecasts::alert(&app.serving).await.unwrap();
    let wanted = names_in_deploy();
    assert!(wanted.len() > 30, "the dashboards and rules name the catalogue: {wanted:?}");
    let mut missing = Vec::new();
    // Slot lateness needs a job's second run (its first may be from any time ago).
    for _ in 0..100 {
        let served = sample_names(&scrape(&app).await);
        missing = wanted.iter().filter(|(n, _)| !served.contains(n)).cloned().collect::<Vec<_>>();
        if missing.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(missing.is_empty(), "named in deploy/ but not served: {missing:?}");

    let text = scrape(&app).await;
    let line = |prefix: &str| text.lines().find(|l| l.starts_with(prefix)).map(str::to_string);
    assert!(line("praetor_plans_finished_total{status=\"succeeded\"}").is_some_and(|l| !l.ends_with(" 0")), "{text}");
    assert!(line("praetor_chat_messages_total{role=\"user\"}").is_some_and(|l| !l.ends_with(" 0")));
    assert!(
        line("praetor_step_duration_seconds_count{action=\"deploy.web\",outcome=\"succeeded\"}").is_some(),
        "{text}"
    );
    assert!(
        line("praetor_graphql_operations_total{operation=\"Missing\",outcome=\"not_found\",type=\"query\"}").is_some()
    );
    // The chat's socket and subscription are open (other tests' may be too: the process's).
    let gauge = |name: &str| line(&format!("{name} ")).and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
    assert!(gauge("praetor_websocket_connections").is_some_and(|n| n >= 1.0), "{text}");
    assert!(gauge("praetor_subscriptions_active").is_some_and(|n| n >= 1.0), "{text}");
    // Bounded labels: no plan, org or project ids without tenant labels.
    assert!(!text.contains("pln_") && !text.contains("org=\"") && !text.contains(&app.org_id), "{text}");
    chat.close().await;
}

#[tokio::test]
async fn organization_and_project_labels_appear_only_when_switched_on() {
    let labelled = MetricsConfig { tenant_labels: true, tenant_label_cap: 1_000_000, ..Default::default() };
    let app = spawn_with(SpawnOptions { metrics: Some(labelled), ..Default::default() }).await;
    app.require_leads_for_state_set().await;
    let project = app.project("waiting").await;
    let plan = propose(
        &app,
        &app.admin_key,
        "waiting",
        json!([{"action": "state.set", "params": {"key": "k", "value": 1}}]),
        json!({}),
    )
    .await;
    assert_eq!(plan["status"], "PENDING_APPROVAL", "{plan}");
    let text = scrape(&app).await;
    let series = format!("praetor_plans{{org=\"{}\",project=\"{project}\",status=\"pending_approval\"}} 1", app.org_id);
    assert!(text.lines().any(|l| l == series), "{series} in:\n{text}");
    assert!(!text.contains(plan["id"].as_str().unwrap()), "never a plan id");

    // The same database seen by a server without them: counts by status only.
    let plain = spawn_with(SpawnOptions { database_url: Some(app.database_url.clone()), ..Default::default() }).await;
    let text = scrape(&plain).await;
    assert!(text.lines().any(|l| l.starts_with("praetor_plans{status=\"pending_approval\"}")), "{text}");
    assert!(!text.contains(&app.org_id), "{text}");
}

#[tokio::test]
async fn a_metrics_address_of_its_own_keeps_metrics_off_the_public_one() {
    let port = free_port();
    let config = MetricsConfig { listen: format!("127.0.0.1:{port}"), ..Default::default() };
    let app = spawn_with(SpawnOptions { metrics: Some(config), ..Default::default() }).await;
    let public = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(!public.contains("praetor_build_info"), "the public address serves the web app there");
    let own = app.client.get(format!("http://127.0.0.1:{port}/metrics")).send().await.unwrap();
    assert_eq!(own.status(), 200);
    assert!(own.text().await.unwrap().contains("praetor_build_info{version="));
    let other = app.client.get(format!("http://127.0.0.1:{port}/graphql")).send().await.unwrap();
    assert_eq!(other.status(), 404, "nothing but /metrics there");
}

/// Where Debian's package puts Prometheus, or `PROMETHEUS` (the test command installs it).
fn prometheus_binary() -> Option<PathBuf> {
    let candidates = [std::env::var("PROMETHEUS").unwrap_or_default(), "/usr/bin/prometheus".into()];
    candidates.into_iter().filter(|c| !c.is_empty()).map(PathBuf::from).find(|p| p.exists())
}

struct Prometheus {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Starts Prometheus scraping `target` every second, with the alert rules of `deploy/`.
    fn start(binary: &Path, target: std::net::SocketAddr) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let rules = repo().join("deploy/prometheus/alerts.yml").canonicalize().unwrap();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: praetor\n    static_configs:\n      - targets: ['{target}']\n",
            rules.display()
        );
        let file = dir.path().join("prometheus.yml");
        std::fs::write(&file, config).unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let child = std::process::Command::new(binary)
            .arg(format!("--config.file={}", file.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        Prometheus { child, url: format!("http://127.0.0.1:{port}"), _dir: dir }
    }

    async fn get(&self, client: &reqwest::Client, path: &str, query: &[(&str, &str)]) -> Option<Value> {
        let r = client.get(format!("{}{path}", self.url)).query(query).send().await.ok()?;
        r.json::<Value>().await.ok()
    }

    /// The result of an instant query once it has at least one series (within 30 s).
    async fn series(&self, client: &reqwest::Client, query: &str) -> Vec<Value> {
        for _ in 0..150 {
            if let Some(v) = self.get(client, "/api/v1/query", &[("query", query)]).await
                && let Some(r) = v["data"]["result"].as_array()
                && !r.is_empty()
            {
                return r.clone();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("Prometheus at {} found no series for {query}", self.url);
    }
}

#[tokio::test]
async fn prometheus_scrapes_the_server_and_evaluates_the_alert_rules() {
    let Some(binary) = prometheus_binary() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Prometheus is required under CI (the test command installs it)"
        );
        eprintln!("SKIPPED: no prometheus binary (apt-get install prometheus)");
        return;
    };
    let app = spawn_app().await;
    let prom = Prometheus::start(&binary, app.addr);
    for _ in 0..5 {
        ok(app.gql(Some(&app.admin_key), "query Viewer { viewer { name } }", json!({})).await);
    }
    let up = prom.series(&app.client, "up{job=\"praetor\"} == 1").await;
    assert_eq!(up[0]["metric"]["instance"], app.addr.to_string());
    let ops = prom.series(&app.client, "praetor_graphql_operations_total{operation=\"Viewer\",outcome=\"ok\"}").await;
    assert!(ops[0]["value"][1].as_str().unwrap().parse::<f64>().unwrap() >= 5.0, "{ops:?}");
    prom.series(
        &app.client,
        "histogram_quantile(0.95, sum by (le) (rate(praetor_http_request_duration_seconds_bucket[1m])))",
    )
    .await;
    // The alert rules loaded and evaluate without error against the real series.
    let mut unhealthy = Vec::new();
    for _ in 0..100 {
        let rules = prom.get(&app.client, "/api/v1/rules", &[]).await.unwrap_or(Value::Null);
        let all: Vec<Value> = rules["data"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .collect();
        unhealthy = all
            .iter()
            .filter(|r| r["health"] != "ok")
            .map(|r| json!([r["name"], r["health"], r["lastError"]]))
            .collect();
        if !all.is_empty() && unhealthy.is_empty() {
            let names: BTreeSet<&str> = all.iter().filter_map(|r| r["name"].as_str()).collect();
            for alert in
                ["PraetorHighErrorRate", "PraetorQueueBacklog", "PraetorNoWorkerAlive", "PraetorAuditVerifyFailure"]
            {
                assert!(names.contains(alert), "{alert} in {names:?}");
            }
            // A healthy server with a worker: no worker alert pending or firing.
            let worker = all.iter().find(|r| r["name"] == "PraetorNoWorkerAlive").unwrap();
            assert_eq!(worker["state"], "inactive", "{worker}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the alert rules did not all evaluate cleanly: {unhealthy:?}");
}
