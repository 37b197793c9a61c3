//! Gauges: values of the moment, observed when `/metrics` is scraped.
//!
//! What the database holds (jobs waiting, plans by status, kill switches engaged) is read at
//! [`scrape`] with a few aggregate queries, at most every `metrics.refresh_ms` however many
//! scrapers ask; the pool is read from the pool. Budgets come from the scheduler's forecast job
//! ([`set_budgets`]), which already computes every forecast once a minute, and are dropped when
//! this node has not run it for a while (another node has, and says so). Every node of a
//! cluster reports the same database-wide values: dashboards take their `max`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Meter, ObservableGauge};
use praetor_domain::PlanStatus;
use praetor_store::{OrgId, ProjectId, job, kill_switch, plan};

use crate::AppState;
use crate::error::Result;

/// Budgets not refreshed by this node for this long are no longer reported by it.
const BUDGETS_FRESH_FOR: Duration = Duration::from_secs(180);

/// A gauge's points: each label set and its value.
type Points = Vec<(Vec<KeyValue>, f64)>;

#[derive(Default)]
struct Values {
    plans: Points,
    queue_depth: f64,
    queue_oldest_age: f64,
    kill_switches: f64,
    chains_broken: f64,
    pool: Option<Pool>,
    worker_running: f64,
    /// Per server (its state's address): what the forecast job found when it last ran there.
    /// One server per process in production; the tests run several.
    budgets: HashMap<usize, Budgets>,
    /// The server whose scrape is being rendered.
    scraper: usize,
    /// Which server (its state's address) read them last, and when.
    refreshed: Option<(usize, Instant)>,
}

#[derive(Clone, Copy)]
struct Pool {
    in_use: f64,
    idle: f64,
    max: f64,
}

/// One budget's figures today, as the forecast job found them.
#[derive(Debug, Clone)]
pub struct Budget {
    pub org: OrgId,
    pub project: Option<ProjectId>,
    pub unit: String,
    pub spent: f64,
    pub limit: f64,
    pub projected: f64,
    /// The forecast runs out before the reset.
    pub exhausting: bool,
}

/// The budget figures of one forecast run, as points (budgets with the same labels summed).
struct Budgets {
    at: Instant,
    spent: Points,
    limit: Points,
    projected: Points,
    /// Budgets (not series: several may be summed into one) that run out before their reset.
    exhausting: usize,
}

static VALUES: Mutex<Option<Values>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Values) -> R) -> Option<R> {
    let mut guard = VALUES.lock().ok()?;
    Some(f(guard.get_or_insert_with(Values::default)))
}

/// Registers every observable gauge on `meter`; each reads the latest values when collected.
pub(super) fn register(meter: &Meter) -> Vec<ObservableGauge<f64>> {
    type Read = fn(&Values, &mut Points);
    let gauge = |name: &'static str, unit: Option<&'static str>, help: &'static str, read: Read| {
        let mut b = meter.f64_observable_gauge(name).with_description(help);
        if let Some(u) = unit {
            b = b.with_unit(u);
        }
        b.with_callback(move |observer| {
            let mut points = Vec::new();
            with(|v| read(v, &mut points));
            for (labels, value) in points {
                observer.observe(value, &labels);
            }
        })
        .build()
    };
    vec![
        gauge("praetor_build_info", None, "The running build (always 1).", |_, out| {
            out.push((vec![KeyValue::new("version", env!("CARGO_PKG_VERSION"))], 1.0));
        }),
        gauge("praetor_plans", None, "Plans not yet final, by status.", |v, out| {
            out.extend(v.plans.iter().cloned());
        }),
        gauge("praetor_queue_depth", None, "Plan jobs due and waiting for a worker.", |v, out| {
            out.push((Vec::new(), v.queue_depth));
        }),
        gauge("praetor_queue_oldest_age", Some("s"), "Age of the oldest job waiting (0 when none).", |v, out| {
            out.push((Vec::new(), v.queue_oldest_age));
        }),
        gauge("praetor_kill_switches_engaged", None, "Kill switches in force.", |v, out| {
            out.push((Vec::new(), v.kill_switches));
        }),
        gauge(
            "praetor_audit_chains_broken",
            None,
            "Organizations whose audit chain failed the last scheduled verification on this node.",
            |v, out| out.push((Vec::new(), v.chains_broken)),
        ),
        gauge("praetor_db_pool_connections", None, "Database pool connections by state.", |v, out| {
            if let Some(p) = v.pool {
                out.push((vec![KeyValue::new("state", "in_use")], p.in_use));
                out.push((vec![KeyValue::new("state", "idle")], p.idle));
            }
        }),
        gauge("praetor_db_pool_max_connections", None, "The database pool's size limit.", |v, out| {
            if let Some(p) = v.pool {
                out.push((Vec::new(), p.max));
            }
        }),
        gauge("praetor_worker_running", None, "1 when this node runs the plan worker.", |v, out| {
            out.push((Vec::new(), v.worker_running));
        }),
        gauge(
            "praetor_budget_spent",
            None,
            "Spent today, by unit and level (org or project; summed over budgets without tenant labels).",
            |v, out| {
                out.extend(fresh(v).into_iter().flat_map(|b| b.spent.iter().cloned()));
            },
        ),
        gauge(
            "praetor_budget_limit",
            None,
            "Daily limits, by unit and level (summed over budgets without tenant labels).",
            |v, out| {
                out.extend(fresh(v).into_iter().flat_map(|b| b.limit.iter().cloned()));
            },
        ),
        gauge("praetor_budget_forecast", None, "Forecast of the day's spend at the reset.", |v, out| {
            out.extend(fresh(v).into_iter().flat_map(|b| b.projected.iter().cloned()));
        }),
        gauge(
            "praetor_budgets_forecast_exhausting",
            None,
            "Budgets whose forecast runs out before their reset.",
            |v, out| {
                out.push((Vec::new(), fresh(v).map(|b| b.exhausting).unwrap_or(0) as f64));
            },
        ),
    ]
}

/// The budgets of the server being scraped, unless it has not run the forecast job lately.
fn fresh(v: &Values) -> Option<&Budgets> {
    v.budgets.get(&v.scraper).filter(|b| b.at.elapsed() < BUDGETS_FRESH_FOR)
}

/// Labels for an organization and project, while fewer than `cap` label sets are in use;
/// past the cap, `other`.
struct TenantLabels {
    on: bool,
    cap: usize,
    seen: HashMap<(OrgId, Option<ProjectId>), bool>,
}

impl TenantLabels {
    fn new(app: &AppState) -> Self {
        Self { on: app.config.metrics.tenant_labels, cap: app.config.metrics.tenant_label_cap, seen: HashMap::new() }
    }

    fn labels(&mut self, org: OrgId, project: Option<ProjectId>) -> Vec<KeyValue> {
        if !self.on {
            return Vec::new();
        }
        let room = self.seen.len() < self.cap;
        let kept = *self.seen.entry((org, project)).or_insert(room);
        if !kept {
            return vec![KeyValue::new("org", "other"), KeyValue::new("project", "other")];
        }
        let project = project.map(|p| p.to_string()).unwrap_or_else(|| "*".into());
        vec![KeyValue::new("org", org.to_string()), KeyValue::new("project", project)]
    }
}

/// Sums points with the same labels (budgets in one unit without tenant labels, tenants past
/// the cap).
fn merge(points: Points) -> Points {
    let mut out: Points = Vec::new();
    for (labels, value) in points {
        match out.iter_mut().find(|(l, _)| *l == labels) {
            Some((_, v)) => *v += value,
            None => out.push((labels, value)),
        }
    }
    out
}

/// Replaces the budget figures with what the forecast job found just now.
pub fn set_budgets(app: &AppState, budgets: Vec<Budget>) {
    let mut tenants = TenantLabels::new(app);
    let (mut spent, mut limit, mut projected) = (Vec::new(), Vec::new(), Vec::new());
    let exhausting = budgets.iter().filter(|b| b.exhausting).count();
    for b in budgets {
        // An organization's budget and its projects' count the same spending: never summed.
        let level = if b.project.is_some() { "project" } else { "org" };
        let mut labels = vec![KeyValue::new("unit", b.unit.clone()), KeyValue::new("level", level)];
        labels.extend(tenants.labels(b.org, b.project));
        spent.push((labels.clone(), b.spent));
        limit.push((labels.clone(), b.limit));
        projected.push((labels, b.projected));
    }
    let figures = Budgets {
        at: Instant::now(),
        spent: merge(spent),
        limit: merge(limit),
        projected: merge(projected),
        exhausting,
    };
    let me = app as *const AppState as usize;
    with(|v| v.budgets.insert(me, figures));
}

/// How many organizations' chains the last scheduled verification found broken.
pub(super) fn set_chains_broken(n: usize) {
    with(|v| v.chains_broken = n as f64);
}

/// One scrape at a time: its gauges are read and rendered together (a process running several
/// servers, as the tests do, never mixes one server's values into another's scrape).
static SCRAPING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Everything on `/metrics` as `app` sees it: the database-derived gauges are read again unless
/// this server read them within `metrics.refresh_ms`, then every metric is rendered (off the
/// async threads).
pub async fn scrape(app: &Arc<AppState>) -> Result<String> {
    let _one = SCRAPING.lock().await;
    with(|v| v.scraper = Arc::as_ptr(app) as usize);
    if let Err(e) = refresh(app).await {
        // The counters still answer; the gauges keep their last values.
        tracing::warn!("metrics: reading the database's gauges failed: {e}");
    }
    app.cpu.run(super::render).await
}

async fn refresh(app: &Arc<AppState>) -> Result<()> {
    let min = Duration::from_millis(app.config.metrics.refresh_ms);
    let me = Arc::as_ptr(app) as usize;
    if with(|v| v.refreshed.is_some_and(|(by, at)| by == me && at.elapsed() < min)).unwrap_or(false) {
        return Ok(());
    }
    let now = app.clock.now();
    let plans = plans_by_status(app).await?;
    let (depth, oldest) = queue(app, now).await?;
    let kills = kill_switch::count_engaged(&app.db).await?;
    let pool = pool(app);
    let worker = app.config.role.runs_work() && app.config.worker.enabled;
    with(|v| {
        v.plans = plans;
        v.queue_depth = depth as f64;
        v.queue_oldest_age = oldest;
        v.kill_switches = kills as f64;
        v.pool = pool;
        v.worker_running = if worker { 1.0 } else { 0.0 };
        v.refreshed = Some((me, Instant::now()));
    });
    Ok(())
}

/// Plans not yet final, by status (and organization and project with tenant labels). Every
/// status that is not final appears, at 0 when no plan is in it.
async fn plans_by_status(app: &AppState) -> Result<Points> {
    let open: Vec<&str> = PlanStatus::ALL.iter().filter(|s| !s.is_terminal()).map(|s| s.as_str()).collect();
    let mut points: Points = open.iter().map(|s| (vec![KeyValue::new("status", *s)], 0.0)).collect();
    if app.config.metrics.tenant_labels {
        let rows = plan::count_by_status_and_project(&app.db, &open).await?;
        let mut tenants = TenantLabels::new(app);
        for (status, org, project, n) in rows {
            let mut labels = vec![KeyValue::new("status", status)];
            labels.extend(tenants.labels(org, Some(project)));
            points.push((labels, n as f64));
        }
    } else {
        for (status, n) in plan::count_by_status(&app.db, &open).await? {
            points.push((vec![KeyValue::new("status", status)], n as f64));
        }
    }
    Ok(merge(points))
}

/// Jobs due and not claimed by a live worker, and the age of the oldest, in seconds.
async fn queue(app: &AppState, now: DateTime<Utc>) -> Result<(i64, f64)> {
    let row = job::due_stats(&app.db, now).await?;
    let (n, oldest) = row.unwrap_or((0, None));
    let age = oldest.map(|at| Ord::max((now - at).num_milliseconds(), 0) as f64 / 1000.0).unwrap_or(0.0);
    Ok((n, age))
}

fn pool(app: &AppState) -> Option<Pool> {
    let praetor_store::db::PoolUse { size, idle, max } = praetor_store::db::pool_use(&app.db)?;
    let idle = idle as f64;
    Some(Pool { in_use: (size as f64 - idle).max(0.0), idle, max: max as f64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_past_the_cap_are_other() {
        let mut t = TenantLabels { on: true, cap: 1, seen: HashMap::new() };
        let (a, b) = (OrgId::generate(), OrgId::generate());
        assert_eq!(t.labels(a, None)[0], KeyValue::new("org", a.to_string()));
        assert_eq!(t.labels(b, None)[0], KeyValue::new("org", "other"));
        assert_eq!(t.labels(a, None)[0], KeyValue::new("org", a.to_string()));
        let off = TenantLabels { on: false, cap: 1, seen: HashMap::new() }.labels(a, None);
        assert!(off.is_empty());
    }

    #[test]
    fn merged_points_sum_by_labels() {
        let l = |s: &'static str| vec![KeyValue::new("status", s)];
        let m = merge(vec![(l("running"), 1.0), (l("queued"), 2.0), (l("running"), 3.0)]);
        assert_eq!(m, vec![(l("running"), 4.0), (l("queued"), 2.0)]);
    }
}
