//! Human override of autonomous mode: an approver pauses a project's autonomy (unattended plans
//! then wait for a person, whatever policy allows) and resumes it later. Both are audited.

use praetor_store::{ProjectId, project};
use serde_json::json;

use crate::AppState;
use crate::audit::{Entry, canonical_json};
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::error::{Error, Result};

/// Pauses (`paused`) or resumes the project's autonomy. Needs `plan.approve` in the project:
/// whoever may approve plans may take unattended running away.
pub async fn set_paused(
    app: &AppState,
    access: &OrgAccess,
    project: ProjectId,
    paused: bool,
    reason: &str,
) -> Result<project::Model> {
    let reason = super::validate::text("reason", reason, 2_000)?;
    let p = super::projects::find_by_id(app, access, project).await?;
    let permit = access.permit::<ops::PlanApprove>(Domain::Project(p.id))?;
    if paused && reason.trim().is_empty() {
        return Err(Error::validation("reason", "say why autonomy is paused"));
    }
    if paused == p.autonomy_paused_at.is_some() {
        let now = if paused { "already paused" } else { "not paused" };
        return Err(Error::Conflict(format!("the project's autonomy is {now}")));
    }
    let actor = permit.principal().actor();
    let mut w = app.write(permit.principal().chain()).await?;
    let mut next = p.clone();
    if paused {
        next.autonomy_paused_at = Some(w.now());
        next.autonomy_pause = Some(canonical_json(&json!({"by": actor.name, "reason": reason})));
    } else {
        next.autonomy_paused_at = None;
        next.autonomy_pause = None;
    }
    let p = praetor_store::update(w.txn(), &p, next).await?;
    let kind = if paused { "autonomy.paused" } else { "autonomy.resumed" };
    w.audit(access.tenant(), Entry::new(kind, p.id, json!({"project": p.slug, "reason": reason}))).await?;
    w.commit().await?;
    Ok(p)
}
