//! `praetor bench rollups`: how fast audit entries fold into rollups, and how long the
//! dashboard's queries take over a year of daily buckets.
//!
//! - Fold: `entries` audit entries of an organization with `projects` projects (a mix of
//!   proposals refused in a project, chat sessions, steps and approvals of plans), written 500 to
//!   a transaction, then folded from nothing (`fold_org`): entries per second.
//! - Queries: a year of daily buckets for every project and the organization's totals
//!   (`projects` × 365 + 365 rows) written directly, then `Org.rollups` for the year across all
//!   projects and `Org.rollupsByProject` for the year, `samples` times each: p50 and p99.
//! - Forecasts: 10,000 budgets forecast from 14 days of hourly history each (the arithmetic
//!   alone, as the alert sweep runs it after reading each budget's history).

use std::time::{Duration, Instant};

use chrono::{Duration as Span, DurationRound};
use praetor_domain::rollup::{ALL_PROJECTS, Bucket, Fact, Granularity, Origin};
use praetor_store::{Housekeeping, PlanId, RollupId, Tenant, rollup};
use serde_json::json;

use super::{Figures, Target, cleanup, percentile, prepare};
use praetor::audit::{Entry, canonical_json};
use praetor::auth::ActorRef;
use praetor::authz::{Domain, ops};
use praetor::error::{Error, Result};
use praetor::services::{projects, rollups};

pub async fn run(target: Target, entries: usize, projects_n: usize, samples: usize) -> Result<Figures> {
    let (app, _dir, drop_db) = prepare(&target, 1).await?;
    let result = measure(&app, entries.max(1), projects_n.max(1), samples.max(1)).await;
    drop(app);
    cleanup(drop_db).await;
    result
}

async fn measure(
    app: &std::sync::Arc<praetor::AppState>,
    n: usize,
    projects_n: usize,
    samples: usize,
) -> Result<Figures> {
    let backend = praetor::db::backend_name(&app.db);
    let (boot, access) = super::bench_org(app).await?;
    let create = access.permit::<ops::ProjectCreate>(Domain::Org)?;
    let mut ids = Vec::new();
    for i in 0..projects_n {
        ids.push(projects::create(app, &create, &format!("p{i}"), &format!("Project {i}"), "").await?.id);
    }
    let tenant = Tenant::housekeeping(boot.org.id, Housekeeping::Setup);
    let actor = vec![ActorRef::system("bench", "bench rollups")];

    // Fold throughput.
    let mut written = 0;
    while written < n {
        let mut w = app.write(actor.clone()).await?;
        for _ in 0..500.min(n - written) {
            let project = ids[written % ids.len()];
            let plan = PlanId::generate().to_string();
            let entry = match written % 4 {
                0 => Entry::new(
                    "plan.refused",
                    project,
                    json!({"code": "RATE_LIMITED", "message": "bench", "actions": []}),
                ),
                1 => Entry::new(
                    "chat.session_created",
                    "chs_bench",
                    json!({"project": project.to_string(), "title": "b"}),
                ),
                2 => Entry::new(
                    "plan.step_succeeded",
                    &plan,
                    json!({"plan": plan, "seq": 3, "event": {"type": "StepSucceeded", "cost": 1.5}}),
                ),
                _ => Entry::new("plan.approved", &plan, json!({"plan": plan, "seq": 2, "event": {"type": "Approved"}})),
            };
            w.audit(tenant, entry.in_project(project)).await?;
            written += 1;
        }
        w.commit().await?;
    }
    let started = Instant::now();
    let folded = rollups::fold_org(app, Tenant::housekeeping(boot.org.id, Housekeeping::Rollups)).await?;
    let took = started.elapsed();
    let mut lines = vec![format!("rollups on {backend}, {projects_n} projects")];
    lines.push(format!(
        "  fold: {folded} audit entries in {:.2} s = {:.0} entries/s",
        took.as_secs_f64(),
        folded as f64 / took.as_secs_f64().max(1e-9)
    ));

    // A year of daily buckets, written directly.
    let now = app.clock.now();
    let today = now.duration_trunc(Span::days(1)).map_err(Error::internal)?;
    let mut bucket = Bucket::default();
    for f in [
        Fact::Proposed { origin: Origin::Human },
        Fact::Proposed { origin: Origin::Agent },
        Fact::Step { failed: false, cost: 2.5 },
        Fact::Refused { code: "BUDGET_EXCEEDED".into() },
        Fact::Approved { latency_seconds: Some(240.0) },
        Fact::ChatMessage,
    ] {
        bucket.add(&f);
    }
    let data = canonical_json(&serde_json::to_value(&bucket).map_err(Error::internal)?);
    let scopes: Vec<String> =
        ids.iter().map(|p| p.to_string()).chain(std::iter::once(ALL_PROJECTS.to_string())).collect();
    let mut rows = Vec::new();
    for scope in &scopes {
        for d in 1..=365 {
            rows.push(rollup::Model {
                id: RollupId::generate(),
                org_id: boot.org.id,
                scope: scope.clone(),
                granularity: Granularity::Day.as_str().to_string(),
                bucket_start: today - Span::days(d),
                data: data.clone(),
                updated_at: now,
            });
        }
    }
    let stored = rows.len();
    for chunk in rows.chunks(1_000) {
        praetor_store::insert_many(&app.db, chunk.to_vec()).await?;
    }
    let read = access.permit::<ops::AuditRead>(Domain::Org)?;
    let (from, to) = (today - Span::days(365), today);
    let time = |label: &str, mut took: Vec<Duration>| {
        took.sort();
        format!(
            "  {label}: p50 {:.1} ms, p99 {:.1} ms ({} samples)",
            percentile(&took, 0.50).as_secs_f64() * 1000.0,
            percentile(&took, 0.99).as_secs_f64() * 1000.0,
            took.len()
        )
    };
    let mut series = Vec::new();
    for _ in 0..samples {
        let t = Instant::now();
        let points = rollups::of_org(app, &read, None, Granularity::Day, from, to).await?;
        series.push(t.elapsed());
        std::hint::black_box(points);
    }
    let mut by_project = Vec::new();
    for _ in 0..samples.div_ceil(10) {
        let t = Instant::now();
        let totals = rollups::by_project(app, &read, from, to).await?;
        by_project.push(t.elapsed());
        std::hint::black_box(totals);
    }
    lines.push(format!("  {stored} daily buckets stored (a year of {} scopes)", scopes.len()));
    lines.push(forecasts(today, now));
    lines.push(time("Org.rollups, a year by day, all projects", series));
    lines.push(time("Org.rollupsByProject, a year", by_project));
    Ok(Figures { lines })
}

/// 10,000 budget forecasts, each from 14 days of hourly history (varied per budget).
fn forecasts(today: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    use praetor_domain::forecast::{Today, forecast};
    const BUDGETS: usize = 10_000;
    let histories: Vec<Vec<(chrono::DateTime<chrono::Utc>, f64)>> = (0..BUDGETS)
        .map(|b| {
            (1..=14)
                .flat_map(|k| {
                    (0..24).map(move |h| (today - Span::days(k) + Span::hours(h), ((b + h as usize) % 7) as f64))
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    let mut exhausted = 0;
    for (b, history) in histories.iter().enumerate() {
        let t = Today {
            limit: Some(100.0 + b as f64 % 50.0),
            spent: 40.0,
            reserved: 5.0,
            day_start: today,
            resets_at: today + Span::days(1),
            now: now.max(today + Span::hours(1)),
        };
        if forecast(t, history).exhausts_at.is_some() {
            exhausted += 1;
        }
    }
    let took = started.elapsed();
    format!(
        "  forecasts: {BUDGETS} budgets (14 days of hourly history each) in {:.0} ms; {exhausted} run out before the reset",
        took.as_secs_f64() * 1000.0
    )
}
