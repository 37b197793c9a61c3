//! Kill switches: which one is in force for a project, with a short-lived in-process cache.
//!
//! The executor asks before every step and while a handler runs, so the answer must be cheap
//! and fresh: a process that changed a switch forgets its cache at once, and other processes
//! sharing the database see the change within [`FRESH_FOR`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use praetor_store::{OrgId, ProjectId, kill_switch};

use crate::auth::ActorRef;
use crate::error::Result;
use praetor_domain::KillScope;
use praetor_domain::snapshot::KillInfo;

/// How long a cached answer is trusted: well under the one second in which a switch must stop
/// new steps everywhere.
pub const FRESH_FOR: Duration = Duration::from_millis(250);

pub fn scope_key(org: Option<OrgId>, project: Option<ProjectId>) -> String {
    match (org, project) {
        (_, Some(p)) => format!("project:{p}"),
        (Some(o), None) => format!("org:{o}"),
        (None, None) => "global".to_string(),
    }
}

fn info(row: &kill_switch::Model) -> Result<KillInfo> {
    let chain: Vec<ActorRef> = crate::error::stored("the actor of a kill switch", &row.actor)?;
    Ok(KillInfo {
        scope: crate::error::stored_value(
            format_args!("the scope of kill switch {}", row.id),
            &row.scope,
            KillScope::parse,
        )?,
        reason: row.reason.clone(),
        by: chain.last().map(|a| a.name.clone()).unwrap_or_else(|| "unknown".into()),
        at: row.engaged_at,
    })
}

/// The engaged switch that covers `project` (or the organization), broadest first: the
/// instance's, then the organization's, then the project's.
pub async fn in_force<C: praetor_store::Conn>(
    db: &C,
    org: OrgId,
    project: Option<ProjectId>,
) -> Result<Option<KillInfo>> {
    let mut keys = vec![scope_key(None, None), scope_key(Some(org), None)];
    if let Some(p) = project {
        keys.push(scope_key(Some(org), Some(p)));
    }
    let rows = kill_switch::engaged_among(db, keys).await?;
    let rank = |s: &str| match s {
        "global" => 0,
        "org" => 1,
        _ => 2,
    };
    rows.iter().min_by_key(|r| rank(&r.scope)).map(info).transpose()
}

/// When an answer was read, and the answer.
type Cached = (Instant, Option<KillInfo>);

#[derive(Default)]
pub struct Cache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<(OrgId, Option<ProjectId>), Cached>,
    /// Bumped by every invalidation: an answer read from the database while a switch changed
    /// is not kept (it may predate the change and would otherwise be served as fresh).
    generation: u64,
}

impl Cache {
    /// The switch in force for `project`, at most [`FRESH_FOR`] old.
    pub async fn get<C: praetor_store::Conn>(
        &self,
        db: &C,
        org: OrgId,
        project: Option<ProjectId>,
    ) -> Result<Option<KillInfo>> {
        let generation = {
            let Ok(e) = self.entries.lock() else { return in_force(db, org, project).await };
            if let Some((at, hit)) = e.map.get(&(org, project))
                && at.elapsed() < FRESH_FOR
            {
                return Ok(hit.clone());
            }
            e.generation
        };
        // Its age counts from before the read: the answer is at least that old.
        let asked = Instant::now();
        let fresh = in_force(db, org, project).await?;
        if let Ok(mut e) = self.entries.lock()
            && e.generation == generation
        {
            if e.map.len() > 10_000 {
                e.map.clear();
            }
            e.map.insert((org, project), (asked, fresh.clone()));
        }
        Ok(fresh)
    }

    /// Forgets everything (after this process changed a switch).
    pub fn invalidate(&self) {
        if let Ok(mut e) = self.entries.lock() {
            e.map.clear();
            e.generation += 1;
        }
    }
}
