//! `praetor bench api`: the GraphQL read path over real HTTP. A server is started on a local
//! port over a throwaway database with an organization of 20 projects; concurrent connections
//! then read `/healthz` (the server's own ceiling: routing, middleware, no database) and an
//! organization's first 20 projects with an API key, in alternating rounds. Printed: requests
//! per second, p50/p99, the read's share of `/healthz`'s rate, and the database statements each
//! read ran (what caches leave to the database).

use std::sync::Arc;

use praetor::AppState;
use praetor::authz::ops;
use praetor::error::{Error, Result};
use praetor::services::projects;
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Figures, Load, Target, cleanup, load, median, percentile, prepare};

/// The read: an organization's first 20 projects.
const PROJECTS: &str =
    "query Projects { org(slug: \"bench\") { projects(first: 20) { edges { node { id slug name } } } } }";

/// A server for the benchmark's organization (`bench`, 20 projects), on a local port.
pub(crate) struct Served {
    app: Arc<AppState>,
    base: String,
    key: String,
    client: reqwest::Client,
    stop: CancellationToken,
    server: JoinHandle<Result<()>>,
}

impl Served {
    /// Seeds `app` and serves it.
    pub(crate) async fn start(app: &Arc<AppState>) -> Result<Served> {
        let (boot, access) = super::bench_org(app).await?;
        for i in 0..20 {
            let permit = access.permit::<ops::ProjectCreate>(praetor::authz::Domain::Org)?;
            projects::create(app, &permit, &format!("p{i}"), &format!("P{i}"), "").await?;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(Error::internal)?;
        let addr = listener.local_addr().map_err(Error::internal)?;
        let stop = CancellationToken::new();
        let server = tokio::spawn(praetor::serve(app.clone(), listener, stop.clone()));
        let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().map_err(Error::internal)?;
        Ok(Served { app: app.clone(), base: format!("http://{addr}"), key: boot.api_key, client, stop, server })
    }

    /// One read of the 20 projects, failing on any GraphQL error.
    pub(crate) fn projects_read(
        &self,
    ) -> impl Fn() -> futures_util::future::BoxFuture<'static, Result<()>> + Clone + use<> {
        let (client, url, key) = (self.client.clone(), format!("{}/graphql", self.base), self.key.clone());
        let body = json!({ "query": PROJECTS });
        move || {
            let (client, url, key, body) = (client.clone(), url.clone(), key.clone(), body.clone());
            Box::pin(async move {
                let r = client.post(url).bearer_auth(key).json(&body).send().await.map_err(Error::internal)?;
                let v: serde_json::Value = r.json().await.map_err(Error::internal)?;
                if v.get("errors").is_some()
                    || v["data"]["org"]["projects"]["edges"].as_array().map(Vec::len) != Some(20)
                {
                    return Err(Error::internal(format!("the read failed: {v}")));
                }
                Ok(())
            })
        }
    }

    /// One `/healthz`, failing unless it answers 200.
    fn healthz(&self) -> impl Fn() -> futures_util::future::BoxFuture<'static, Result<()>> + Clone + use<> {
        let (client, url) = (self.client.clone(), format!("{}/healthz", self.base));
        move || {
            let (client, url) = (client.clone(), url.clone());
            Box::pin(async move {
                let r = client.get(url).send().await.map_err(Error::internal)?;
                if !r.status().is_success() {
                    return Err(Error::internal(format!("/healthz answered {}", r.status())));
                }
                r.bytes().await.map_err(Error::internal)?;
                Ok(())
            })
        }
    }

    pub(crate) async fn stop(self) {
        self.stop.cancel();
        let _ = self.server.await;
    }
}

/// One figure line: rate, p50 and p99.
fn line(what: &str, l: &Load) -> String {
    format!(
        "    {what:<26} {:>9.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms",
        l.rate,
        percentile(&l.latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&l.latencies, 0.99).as_secs_f64() * 1e3
    )
}

pub async fn run(target: Target, requests: usize, connections: Vec<usize>, rounds: usize) -> Result<Figures> {
    let backend = target.name();
    let mut lines = vec![format!(
        "bench api on {backend}: {requests} requests per round, {rounds} alternating rounds of /healthz and the read, medians"
    )];
    let (app, _dir, drop_db) = prepare(&target, 1).await?;
    let served = Served::start(&app).await?;
    let measured = async {
        for &c in &connections {
            let (mut health, mut reads, mut statements) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..rounds.max(1) {
                health.push(load(c, requests, served.healthz()).await?);
                let before = served.app.queries.get();
                reads.push(load(c, requests, served.projects_read()).await?);
                // The 64 warm-up reads ran statements too.
                statements.push((served.app.queries.get() - before) as f64 / (requests + 64) as f64);
            }
            let pick = |runs: Vec<Load>| {
                let rates: Vec<f64> = runs.iter().map(|l| l.rate).collect();
                let m = median(&rates);
                runs.into_iter().find(|l| l.rate == m).unwrap_or(Load { rate: 0.0, latencies: Vec::new() })
            };
            let (h, r) = (pick(health), pick(reads));
            lines.push(format!("  {c} connections:"));
            lines.push(line("/healthz", &h));
            lines.push(line("20 projects (API key)", &r));
            lines.push(format!(
                "    the read at {:.1}% of /healthz's rate; {:.2} database statements per read",
                r.rate / h.rate * 100.0,
                median(&statements)
            ));
        }
        Ok::<(), Error>(())
    }
    .await;
    served.stop().await;
    drop(app);
    cleanup(drop_db).await;
    measured?;
    Ok(Figures { lines })
}
