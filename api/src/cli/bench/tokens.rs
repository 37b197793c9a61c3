//! `praetor bench tokens`: checking identity-provider tokens with the provider's keys cached,
//! the check every API request with `Authorization: Bearer <JWT>` makes the first time it sees
//! a token (the authentication cache answers repeats).
//!
//! The provider is the real one the integration tests use (`tests/idp/idp.mjs`, oidc-provider
//! on Node): it signs the tokens (RS256, 2048-bit key) and serves its discovery document and
//! keys, fetched once before the clock starts. Each token is distinct, so nothing is answered
//! from a cache of results. One task checks them one after another on one core, then one task
//! per core shares them out.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{Figures, percentile};
use praetor::config::IdentityConfig;
use praetor::error::{Error, Result};
use praetor::oidc::Oidc;

const AUDIENCE: &str = "praetor-api";

struct Idp {
    issuer: String,
    _child: tokio::process::Child,
}

/// Starts the test identity provider from `dir` (installing its npm packages if needed).
async fn start_idp(dir: &PathBuf) -> Result<Idp> {
    if !dir.join("idp.mjs").exists() {
        return Err(Error::validation(
            "--idp-dir",
            format!("{} has no idp.mjs (run from the repository root)", dir.display()),
        ));
    }
    if !dir.join("node_modules/oidc-provider").exists() {
        let out = tokio::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .output()
            .await
            .map_err(|e| Error::internal(format!("npm: {e}")))?;
        if !out.status.success() {
            return Err(Error::internal(format!(
                "npm ci in {}: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
    }
    let mut child = tokio::process::Command::new("node")
        .arg("idp.mjs")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::internal(format!("node: {e}")))?;
    let stdout = child.stdout.take().ok_or_else(|| Error::internal("no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let port = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(p) = line.strip_prefix("listening ") {
                return p.trim().parse::<u16>().ok();
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .ok_or_else(|| Error::internal("the identity provider did not start"))?;
    Ok(Idp { issuer: format!("http://127.0.0.1:{port}"), _child: child })
}

pub async fn run(tokens: usize, idp_dir: PathBuf) -> Result<Figures> {
    let idp = start_idp(&idp_dir).await?;
    let client = reqwest::Client::new();
    let mut minted = Vec::with_capacity(tokens);
    for i in 0..tokens {
        let claims = json!({"sub": format!("user-{i}"), "aud": AUDIENCE, "email": format!("user{i}@bench.test"),
            "groups": ["sre", "dev"], "exp": 4_000_000_000i64});
        let resp: Value = client
            .post(format!("{}/test/mint", idp.issuer))
            .json(&json!({"claims": claims, "mode": "rs256"}))
            .send()
            .await
            .map_err(Error::internal)?
            .json()
            .await
            .map_err(Error::internal)?;
        minted.push(resp["token"].as_str().unwrap_or_default().to_string());
    }
    let oidc = Arc::new(Oidc::new(&IdentityConfig { allow_private_networks: true, ..Default::default() }));
    let now = praetor::clock::Clock::now(&praetor::clock::SystemClock);
    // The discovery document and keys are fetched here, before anything is timed.
    oidc.verify(&idp.issuer, &minted[0], AUDIENCE, None, now).await?;

    let mut lines =
        vec![format!("tokens: {tokens} distinct RS256 access tokens from a real OIDC provider, keys cached")];
    // One core: one check after another.
    let mut latencies = Vec::with_capacity(tokens);
    let started = Instant::now();
    for t in &minted {
        let at = Instant::now();
        oidc.verify(&idp.issuer, t, AUDIENCE, None, now).await?;
        latencies.push(at.elapsed());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    lines.push(format!(
        "one core: {:.0} checks/s, p50 {} µs, p99 {} µs, max {} µs",
        tokens as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_micros(),
        percentile(&latencies, 0.99).as_micros(),
        latencies.last().copied().unwrap_or_default().as_micros(),
    ));

    // Every core: the tokens shared out among one task per core, each on the blocking pool's
    // threads so the cores really run them at once.
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let minted = Arc::new(minted);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..cores {
        let (oidc, minted, issuer) = (oidc.clone(), minted.clone(), idp.issuer.clone());
        let handle = tokio::runtime::Handle::current();
        tasks.push(tokio::task::spawn_blocking(move || {
            handle.block_on(async move {
                for t in minted.iter().skip(c).step_by(cores) {
                    oidc.verify(&issuer, t, AUDIENCE, None, now).await?;
                }
                Ok::<_, Error>(())
            })
        }));
    }
    for t in tasks {
        t.await.map_err(Error::internal)??;
    }
    lines.push(format!("{cores} cores: {:.0} checks/s", tokens as f64 / started.elapsed().as_secs_f64()));
    Ok(Figures { lines })
}
