//! `praetor bench audit`: how fast an organization's audit chain verifies, and what a signed
//! checkpoint and an inclusion proof cost over it.
//!
//! `entries` entries are appended (1,000 to a transaction), then:
//! - verify: the whole chain read and checked as `praetor audit verify` does (`verify_org`),
//!   and the hashing alone over entries already in memory (what one core does per second);
//! - Merkle root over every entry's hash, in memory;
//! - the first checkpoint (the whole chain verified, every hash read, the root, the signature),
//!   then one more after 1,000 new entries (only those verified; every hash read again);
//! - an inclusion proof of an entry in the middle, `samples` times: p50 and p99.

use std::time::{Duration, Instant};

use praetor::audit::{Entry, model_hash};
use praetor::auth::ActorRef;
use praetor::error::{Error, Result};
use praetor::services::checkpoints;
use praetor_domain::merkle;
use praetor_store::{Housekeeping, Tenant, audit_event};
use serde_json::json;

use super::{Figures, Target, cleanup, percentile, prepare};

pub async fn run(target: Target, entries: usize, samples: usize) -> Result<Figures> {
    let (app, _dir, drop_db) = prepare(&target, 1).await?;
    let result = measure(&app, entries.max(2), samples.max(1)).await;
    drop(app);
    cleanup(drop_db).await;
    result
}

async fn append(app: &praetor::AppState, tenant: Tenant, n: usize) -> Result<()> {
    let actor = vec![ActorRef::system("bench", "bench audit")];
    let mut written = 0;
    while written < n {
        let mut w = app.write(actor.clone()).await?;
        for _ in 0..1000.min(n - written) {
            let entry =
                Entry::new("project.updated", "prj_bench", json!({"name": format!("p{written}"), "n": written}));
            w.audit(tenant, entry).await?;
            written += 1;
        }
        w.commit().await?;
    }
    Ok(())
}

fn rate(n: usize, took: Duration) -> String {
    format!("{:.0}/s", n as f64 / took.as_secs_f64().max(1e-9))
}

async fn measure(app: &std::sync::Arc<praetor::AppState>, n: usize, samples: usize) -> Result<Figures> {
    let backend = praetor::db::backend_name(&app.db);
    let (boot, access) = super::bench_org(app).await?;
    let tenant = Tenant::housekeeping(boot.org.id, Housekeeping::Setup);
    let t = Instant::now();
    append(app, tenant, n).await?;
    let appended = t.elapsed();
    let total = praetor_store::audit_head::of(&app.db, tenant).await?.map_or(0, |h| h.seq) as usize;

    let t = Instant::now();
    let report = praetor::audit::verify::verify_org(&app.db, tenant).await?;
    let verified = t.elapsed();
    if let Some(b) = report.first_broken {
        return Err(Error::internal(format!("the bench chain is broken at {}: {}", b.seq, b.reason)));
    }

    // Hashing alone, one core, over entries read beforehand.
    let rows = audit_event::after(&app.db, tenant, 0, total as u64).await?;
    let (hashed, mismatches) = tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        let bad = rows.iter().filter(|e| model_hash(e) != e.hash).count();
        (t.elapsed(), bad)
    })
    .await
    .map_err(Error::internal)?;
    if mismatches > 0 {
        return Err(Error::internal(format!("{mismatches} entries do not hash as stored")));
    }

    let hashes = audit_event::hashes(&app.db, tenant, 1, total as i64).await?;
    let root_took = tokio::task::spawn_blocking(move || -> Result<Duration> {
        let leaves = praetor::audit::checkpoint::leaves(&hashes).map_err(Error::internal)?;
        let t = Instant::now();
        let _ = merkle::root(&leaves);
        Ok(t.elapsed())
    })
    .await
    .map_err(Error::internal)??;

    let t = Instant::now();
    let first = checkpoints::create(app, &access).await?.ok_or_else(|| Error::internal("no checkpoint"))?;
    let first_took = t.elapsed();
    append(app, tenant, 1000).await?;
    let t = Instant::now();
    let next = checkpoints::create(app, &access).await?.ok_or_else(|| Error::internal("no checkpoint"))?;
    let next_took = t.elapsed();

    let middle = (first.seq / 2).max(1);
    let mut took = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        let proof = checkpoints::proof(app, &access, middle, Some(next.seq)).await?;
        took.push(t.elapsed());
        if proof.path.is_empty() && next.seq > 1 {
            return Err(Error::internal("an empty proof"));
        }
    }
    took.sort();

    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    Ok(Figures {
        lines: vec![
            format!("bench audit on {backend}: one organization's chain of {total} entries"),
            format!("  appended               {} ({} in transactions of 1,000)", rate(n, appended), ms(appended)),
            format!("  verify (read + check)  {} ({}), as praetor audit verify", rate(total, verified), ms(verified)),
            format!("  hashing alone          {} per core ({})", rate(total, hashed), ms(hashed)),
            format!("  Merkle root alone      {} leaves ({})", rate(total, root_took), ms(root_took)),
            format!(
                "  first checkpoint       {} (whole chain verified, {} hashes read, root, signed)",
                ms(first_took),
                first.seq
            ),
            format!(
                "  next checkpoint        {} (1,000 new entries verified, {} hashes read)",
                ms(next_took),
                next.seq
            ),
            format!(
                "  inclusion proof        p50 {}  p99 {} ({} samples, entry {middle} of {})",
                ms(percentile(&took, 0.5)),
                ms(percentile(&took, 0.99)),
                samples,
                next.seq
            ),
        ],
    })
}
