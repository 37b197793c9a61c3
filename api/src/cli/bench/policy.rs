//! `praetor bench governance`: admission decisions per second with rate limits, a budget, an
//! execution window and CEL rules all active.
//!
//! - **In process**: the decision pipeline over a governance snapshot kept in memory (rate-limit
//!   hits appended and pruned per decision, budget counters), on one core — what a decision
//!   costs once its inputs are at hand.
//! - **Through the database**: the admission transaction a proposal runs — per-key rate-limit
//!   lock, snapshot read (kill switch, hits, ledgers, plan counts), decision, hits recorded, the
//!   cost held on the budget ledgers, commit — with concurrent admitters on SQLite (one file) or
//!   PostgreSQL (shared by every process of a cluster).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use praetor_policy::decide::{Effective, Layer, Level};
use praetor_policy::{CompileContext, PolicySet, Source};
use serde_json::{Value, json};

use super::{Figures, Target, cleanup, percentile, prepare};
use praetor::AppState;
use praetor::authz::OrgAccess;
use praetor::authz::ops;
use praetor::error::{Error, Result};
use praetor::governance::load;
use praetor::governance::pipeline::{self, DecisionContext, Verdict};
use praetor::governance::{budget, rate};
use praetor::services::projects;
use praetor_domain::plan::Step;
use praetor_domain::snapshot::{Phase, Snapshot};

/// How many action families the bench policy covers.
const FAMILIES: usize = 20;

/// A policy with `rules` rules over the families (half with CEL conditions), a rate limit per
/// family, a window that is always open, a blackout in the past and a daily budget.
fn policy_yaml(rules: usize) -> String {
    let mut y = String::new();
    for f in 0..FAMILIES {
        y.push_str(&format!(
            "apiVersion: praetor.dev/v1\nkind: Action\nmetadata: {{name: svc{f}.deploy, org: bench}}\n\
             spec:\n  params: {{type: object, properties: {{env: {{type: string}}, replicas: {{type: integer}}}}}}\n  \
             handler: {{builtin: state.set, with: {{key: \"svc{f}\", value: \"{{{{ params.replicas }}}}\"}}}}\n  \
             cost: 0.001\n---\n"
        ));
    }
    y.push_str("apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {name: bench, org: bench}\nspec:\n  rules:\n");
    for i in 0..rules {
        let family = i % FAMILIES;
        y.push_str(&format!("    - name: r{i}\n      actions: [\"svc{family}.*\"]\n      effect: allow\n"));
        if i % 2 == 0 {
            y.push_str(&format!("      when: 'params.env == \"prod\" && params.replicas > {}'\n", i % 7));
        }
    }
    y.push_str("  limits:\n");
    for f in 0..FAMILIES {
        y.push_str(&format!(
            "    - {{name: l{f}, actions: [\"svc{f}.*\"], perMinute: 1000000, perHour: 10000000, scope: project}}\n"
        ));
    }
    y.push_str(
        "  windows:\n    - {name: always, actions: [\"**\"], days: [mon, tue, wed, thu, fri, sat, sun], \
         from: \"00:00\", to: \"23:59\", timezone: Europe/Berlin}\n  \
         blackouts:\n    - {name: past, actions: [\"**\"], from: \"2020-12-24\", to: \"2020-12-26\"}\n  \
         budget: {daily: 1000000000, unit: credits, timezone: Europe/Berlin}\n",
    );
    y
}

fn effective(rules: usize) -> Result<Effective> {
    let ctx = CompileContext {
        builtins: praetor::governance::policy::builtins(),
        org: Some("bench".into()),
        ..Default::default()
    };
    let set = PolicySet::compile(&[Source::new("bench.yaml", policy_yaml(rules))], &ctx)
        .map_err(|d| Error::internal(praetor_policy::diag::render_human(&d)))?;
    Ok(Effective::new(vec![Layer { level: Level::Org, set: Arc::new(set), version: "org@1".into() }]))
}

fn step(i: usize) -> Step {
    Step {
        id: "s".into(),
        action: format!("svc{}.deploy", i % FAMILIES),
        params: json!({"env": if i.is_multiple_of(3) { "prod" } else { "staging" }, "replicas": (i % 9) as i64}),
        when: None,
        on_failure: Default::default(),
    }
}

fn line(name: &str, v: &mut [Duration], wall: Duration) -> String {
    v.sort();
    format!(
        "  {name:<34} {:>9.0} decisions/s   p50 {:>8.1} µs   p99 {:>8.1} µs",
        v.len() as f64 / wall.as_secs_f64().max(1e-9),
        percentile(v, 0.5).as_secs_f64() * 1e6,
        percentile(v, 0.99).as_secs_f64() * 1e6
    )
}

/// Runs both halves: `decisions` in process, `db_decisions` through the database with
/// `concurrency` admitters.
pub async fn run(
    target: Target,
    rules: usize,
    decisions: usize,
    db_decisions: usize,
    concurrency: usize,
) -> Result<Figures> {
    let (app, _dir, drop_db) = prepare(&target, 1).await?;
    let result = inner(&app, rules, decisions, db_decisions, concurrency).await;
    drop(app);
    cleanup(drop_db).await;
    result
}

async fn inner(
    app: &Arc<AppState>,
    rules: usize,
    decisions: usize,
    db_decisions: usize,
    concurrency: usize,
) -> Result<Figures> {
    let backend = praetor::db::backend_name(&app.db);
    let (_, access) = super::bench_org(app).await?;
    let permit = access.permit::<ops::ProjectCreate>(praetor::authz::Domain::Org)?;
    let project = projects::create(app, &permit, "bench", "Bench", "").await?.id;
    let effective = Arc::new(effective(rules)?);
    let policy =
        Arc::new(praetor::governance::policy::Loaded { effective: (*effective).clone(), label: "org@1".into() });
    let principal_value = pipeline::principal_value(access.principal(), &[]);
    let mut out = vec![format!(
        "bench governance: {rules} rules (half CEL) over {FAMILIES} action families, a rate limit per family, \
         an execution window, a blackout, a daily budget"
    )];

    // In process: one core, the snapshot kept in memory.
    let mut hits: BTreeMap<String, VecDeque<DateTime<Utc>>> = BTreeMap::new();
    let mut spent = 0.0;
    let mut times = Vec::with_capacity(decisions);
    let state = json!({});
    let base = app.clock.now();
    let wall = Instant::now();
    let mut allowed = 0usize;
    for i in 0..decisions {
        let now = base + chrono::Duration::milliseconds(i as i64);
        let t = Instant::now();
        let step = step(i);
        let keys: Vec<String> = rate::applicable(&effective, &step.action, access.org_id(), project, &principal_value)
            .into_iter()
            .map(|a| a.key(Phase::Propose))
            .collect();
        let mut snap = Snapshot { phase: Phase::Propose, ..Default::default() };
        for k in &keys {
            let q = hits.entry(k.clone()).or_default();
            while q.front().is_some_and(|t| *t + chrono::Duration::seconds(rate::LONGEST) <= now) {
                q.pop_front();
            }
            snap.rates.insert(k.clone(), q.iter().copied().collect());
        }
        snap.budgets = vec![ledger(&effective, spent, now)];
        let d = decide(&access, project, &state, now, &policy, &principal_value, &snap, &step).await;
        if d.verdict == Verdict::Allowed {
            allowed += 1;
            spent += d.cost;
            for k in keys {
                hits.entry(k).or_default().push_back(now);
            }
        }
        times.push(t.elapsed());
    }
    let wall = wall.elapsed();
    out.push(line("in process (one core)", &mut times, wall));
    out.push(format!("    {allowed} of {decisions} admitted"));

    // Through the database, concurrently: decisions on shared state, admissions recording
    // their rate-limit hits, and admissions that also hold the cost on the budget ledgers.
    for mode in [Mode::Decide, Mode::Admit, Mode::AdmitAndHold] {
        let per = db_decisions.div_ceil(concurrency.max(1));
        let wall = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..concurrency.max(1) {
            let app = app.clone();
            let access = access.clone();
            let policy = policy.clone();
            let principal_value = principal_value.clone();
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::with_capacity(per);
                for i in 0..per {
                    let t = Instant::now();
                    through_db(&app, &access, project, &policy, &principal_value, &step(c * per + i), mode).await?;
                    times.push(t.elapsed());
                }
                Ok::<_, Error>(times)
            }));
        }
        let mut db_times = Vec::new();
        for t in tasks {
            db_times.extend(t.await.map_err(Error::internal)??);
        }
        let wall = wall.elapsed();
        let name = format!("{} ({backend}, {})", mode.name(), concurrency.max(1));
        out.push(line(&name, &mut db_times, wall));
    }
    Ok(Figures { lines: out })
}

fn ledger(effective: &Effective, spent: f64, now: DateTime<Utc>) -> praetor_domain::snapshot::BudgetState {
    let (_, spec) = budget::specs(effective);
    let tz = spec.as_ref().map(|s| s.tz).unwrap_or(chrono_tz::UTC);
    let (day, start, next) = budget::local_day(tz, now);
    praetor_domain::snapshot::BudgetState {
        level: "org".into(),
        policy: "bench".into(),
        limit: spec.map(|s| s.limit).unwrap_or(f64::MAX),
        unit: "credits".into(),
        timezone: tz.name().into(),
        day,
        spent,
        reserved: 0.0,
        alert_at: vec![],
        day_start: start,
        resets_at: next,
    }
}

#[allow(clippy::too_many_arguments)]
async fn decide(
    access: &OrgAccess,
    project: praetor_store::ProjectId,
    state: &Value,
    now: DateTime<Utc>,
    policy: &Arc<praetor::governance::policy::Loaded>,
    principal: &Value,
    gov: &Snapshot,
    step: &Step,
) -> pipeline::PlanDecision {
    let steps = std::slice::from_ref(step);
    let rights = pipeline::rights_of(access, project, steps);
    let ctx = DecisionContext {
        org: access.org_id(),
        project,
        state,
        now,
        policy: policy.clone(),
        principal: principal.clone(),
        rights: &rights,
        gov,
        plan: None,
    };
    pipeline::decide_plan(&ctx, steps)
}

#[derive(Clone, Copy)]
enum Mode {
    /// Snapshot read from the database (kill switch, hits, ledgers, plan counts) and a decision:
    /// what a preview, a simulation or an explanation costs.
    Decide,
    /// An execution's admission: per-key lock, hits read, decision, hit recorded, commit.
    Admit,
    /// A proposal's admission: the above plus the plan's cost held on the project's and the
    /// organization's ledger rows (which every admission of the org then queues on).
    AdmitAndHold,
}

impl Mode {
    fn name(&self) -> &'static str {
        match self {
            Mode::Decide => "decisions on shared state",
            Mode::Admit => "admissions, rate limits recorded",
            Mode::AdmitAndHold => "admissions + budget held",
        }
    }
}

/// One decision or admission through the database, as the product makes it.
async fn through_db(
    app: &AppState,
    access: &OrgAccess,
    project: praetor_store::ProjectId,
    policy: &Arc<praetor::governance::policy::Loaded>,
    principal: &Value,
    step: &Step,
    mode: Mode,
) -> Result<()> {
    let now = app.clock.now();
    let steps = std::slice::from_ref(step);
    let phase = if matches!(mode, Mode::Admit) { Phase::Execute } else { Phase::Propose };
    let request =
        load::For { tenant: access.tenant(), project, effective: &policy.effective, principal, steps, phase, now };
    if matches!(mode, Mode::Decide) {
        let gov = load::snapshot(&app.db, Some(&app.kills), &request).await?;
        decide(access, project, &json!({}), now, policy, principal, &gov, step).await;
        return Ok(());
    }
    let txn = praetor::db::begin_write(&app.db).await?;
    let keys = load::rate_keys(&request);
    rate::lock(&txn, &keys).await?;
    let gov = load::snapshot(&txn, Some(&app.kills), &request).await?;
    let d = decide(access, project, &json!({}), now, policy, principal, &gov, step).await;
    if d.verdict == Verdict::Allowed {
        rate::record(&txn, access.org_id(), &keys, now).await?;
        if matches!(mode, Mode::AdmitAndHold)
            && let Err(x) = budget::hold(&txn, access.tenant(), project, &policy.effective, d.cost, now).await?
        {
            return Err(x.into());
        }
    }
    txn.commit().await?;
    Ok(())
}
