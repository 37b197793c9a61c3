//! `praetor bench metrics`: what measuring costs. The engine's plans per second and a GraphQL
//! read's requests per second with metrics on and off (each run on a fresh instance, the modes
//! alternating, medians compared: one run of each varies by more than the difference), and how
//! long `/metrics` takes to answer with 1,000 projects labelled (tenant labels on).

use std::sync::Arc;
use std::time::{Duration, Instant};

use praetor::AppState;
use praetor::authz::ops;
use praetor::config::Config;
use praetor::error::Result;
use praetor::metrics::gauges::{self, Budget};
use praetor::services::{plans, projects};
use praetor_domain::plan::Step;
use serde_json::json;

use super::{Figures, Target, cleanup, engine_inner, median, percentile, prepare_with, throughput};

/// `measure` on fresh instances with metrics off and on in turn, `rounds` times each: the
/// figures of the runs without metrics, then of those with.
async fn alternate(
    target: &Target,
    workers: usize,
    rounds: usize,
    measure: impl AsyncFn(&Arc<AppState>) -> Result<f64>,
) -> Result<[Vec<f64>; 2]> {
    let mut runs: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for on in [false, true].into_iter().cycle().take(2 * rounds) {
        let (app, _dir, drop_db) = prepare_with(target, workers, |c: &mut Config| c.metrics.enabled = on).await?;
        let figure = measure(&app).await;
        drop(app);
        cleanup(drop_db).await;
        runs[usize::from(on)].push(figure?);
    }
    Ok(runs)
}

/// The medians of runs without and with metrics, and the difference.
fn compared(title: &str, unit: &str, runs: &[Vec<f64>; 2]) -> Vec<String> {
    let (off, on) = (median(&runs[0]), median(&runs[1]));
    let each = |v: &[f64]| v.iter().map(|r| format!("{r:.1}")).collect::<Vec<_>>().join(", ");
    vec![
        format!("  {title}"),
        format!("    metrics off  {off:.1} {unit}  (runs: {})", each(&runs[0])),
        format!("    metrics on   {on:.1} {unit} ({:+.1}%)  (runs: {})", (on / off - 1.0) * 100.0, each(&runs[1])),
    ]
}

pub async fn run(target: Target, plans_n: usize, requests: usize, rounds: usize, projects_n: usize) -> Result<Figures> {
    let mut lines = vec![format!("bench metrics on {}", target.name())];
    let rounds = rounds.max(1);

    // The engine: 64 proposers, 16 projects, 4 workers.
    let engine =
        alternate(&target, 4, rounds, async |app| Ok(throughput(&engine_inner(app, plans_n, 64, 16, None, 0).await?)))
            .await?;
    lines.extend(compared(
        &format!(
            "engine, {plans_n} plans (64 proposers, 16 projects, 4 workers), median of {rounds} alternating runs:"
        ),
        "plans/s",
        &engine,
    ));

    // A GraphQL read over HTTP: an organization's first 20 projects, 32 connections.
    let reads = alternate(&target, 1, rounds, async |app| graphql_reads(app, requests.max(32)).await).await?;
    lines.extend(compared(
        &format!(
            "GraphQL, {requests} reads of 20 projects over HTTP (32 connections), median of {rounds} alternating runs:"
        ),
        "requests/s",
        &reads,
    ));

    // /metrics with every project labelled.
    let tenant = |c: &mut Config| {
        c.metrics.enabled = true;
        c.metrics.tenant_labels = true;
        c.metrics.tenant_label_cap = 100_000;
        c.metrics.refresh_ms = 0;
    };
    let (app, _dir, drop_db) = prepare_with(&target, 1, tenant).await?;
    let scraped = scrape_with_projects(&app, projects_n).await;
    drop(app);
    cleanup(drop_db).await;
    lines.extend(scraped?);
    Ok(Figures { lines })
}

/// Serves `app` on a local port and reads the first 20 projects `requests` times over 32
/// connections; answers requests per second.
async fn graphql_reads(app: &Arc<AppState>, requests: usize) -> Result<f64> {
    let served = super::api::Served::start(app).await?;
    let rate = super::load(32, requests, served.projects_read()).await?.rate;
    served.stop().await;
    Ok(rate)
}

/// `projects_n` projects, each with a plan waiting to run and a budget; then `/metrics` as a
/// scrape sees it (the gauges read from the database each time, then everything rendered).
async fn scrape_with_projects(app: &Arc<AppState>, projects_n: usize) -> Result<Vec<String>> {
    let (boot, access) = super::bench_org(app).await?;
    let mut budgets = Vec::with_capacity(projects_n);
    for i in 0..projects_n {
        let permit = access.permit::<ops::ProjectCreate>(praetor::authz::Domain::Org)?;
        let project = projects::create(app, &permit, &format!("p{i}"), &format!("P{i}"), "").await?.id;
        let step = Step {
            id: "a".into(),
            action: "state.set".into(),
            params: json!({"key": "k", "value": i}),
            when: None,
            on_failure: Default::default(),
        };
        let input = plans::ProposeInput {
            title: None,
            steps: vec![step],
            template: None,
            args: None,
            idempotency_key: None,
            run_when_approved: false,
            chat_session: None,
        };
        plans::propose(app, &access, project, input).await?;
        // What the forecast job would leave for a budget per project.
        budgets.push(Budget {
            org: boot.org.id,
            project: Some(project),
            unit: "usd".into(),
            spent: i as f64,
            limit: 100.0,
            projected: i as f64 * 1.5,
            exhausting: i % 10 == 0,
        });
    }
    gauges::set_budgets(app, budgets);
    let mut times = Vec::new();
    let mut size = (0, 0);
    for _ in 0..50 {
        let t0 = Instant::now();
        let text = gauges::scrape(app).await?;
        times.push(t0.elapsed());
        size = (text.len(), text.lines().filter(|l| !l.starts_with('#')).count());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    Ok(vec![
        format!(
            "  /metrics with {projects_n} projects labelled (a plan waiting and a budget each): {} series, {:.0} KiB",
            size.1,
            size.0 as f64 / 1024.0
        ),
        format!(
            "    scrape (gauges read from the database, then rendered)  p50 {:.1} ms   p99 {:.1} ms",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99))
        ),
    ])
}
