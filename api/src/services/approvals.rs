//! Approvals: approve or reject a plan's current stage (signing its hash, with separation of
//! duties), the approver's inbox, what the viewer could approve now, and the expiry of requests
//! past their TTL.

use praetor_store::{Owned, PlanId, approval, plan};

use super::plans::{groups_of, lock};
use crate::AppState;
use crate::auth::Principal;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::engine::store::stages_of;
use crate::engine::{queue, store};
use crate::error::{Error, Result, conflict_means};
use crate::governance::{autonomy, budget};
use praetor_domain::ApprovalDecision;
use praetor_domain::plan::{PlanEvent, PlanStatus, Stage};

/// The earlier stages of `p` that `subject` approved, by number: a person's approval counts
/// for one stage of a plan, so these bar them from a later stage unless it allows earlier
/// approvers.
async fn stages_approved_by<C: praetor_store::Conn>(db: &C, p: &plan::Model, subject: &str) -> Result<Vec<i32>> {
    let decided =
        approval::stages_decided_by(db, p.tenant(), [p.id], subject, ApprovalDecision::Approve.as_str()).await?;
    Ok(decided.into_iter().map(|(_, stage)| stage).collect())
}

/// Why someone who approved `approved` stages may not approve stage `stage_no`, if not.
fn approved_earlier(stage: &Stage, stage_no: i32, approved: &[i32]) -> Option<String> {
    let earlier = approved.iter().filter(|s| **s < stage_no).min()?;
    (!stage.allow_earlier_approvers).then(|| {
        format!(
            "you approved stage {} of this plan; stage `{}` needs someone else (each person's approval counts for one stage)",
            earlier + 1,
            stage.name
        )
    })
}

/// Why `principal` may not approve `p` (separation of duties), if it may not.
fn separation_of_duties(principal: &Principal, p: &plan::Model) -> Option<&'static str> {
    if principal.user().is_none() {
        return Some("only a person can approve; service accounts and agents never do");
    }
    if !principal.on_behalf_of.is_empty() {
        return Some("an approval cannot be given on someone else's behalf");
    }
    let me = principal.rbac_subject();
    if me == p.proposer_subject {
        return Some("the proposer of a plan cannot approve it");
    }
    if p.on_behalf_of.as_deref().is_some_and(|h| h == principal.actor().id) {
        return Some("the person a plan was proposed for cannot approve it");
    }
    None
}

/// Approves the current stage of a plan. The approval signs `plan_hash`, which must be the
/// plan's; the approver must be in one of the stage's groups and must not be the proposer (or
/// whoever the proposer acted for). Needs `plan.approve`.
pub async fn approve(
    app: &AppState,
    access: &OrgAccess,
    id: PlanId,
    signed_hash: &str,
    comment: &str,
) -> Result<plan::Model> {
    decide_approval(app, access, id, signed_hash, comment, true).await
}

/// Rejects a plan waiting for approval; the plan ends. Needs `plan.reject`.
pub async fn reject(app: &AppState, access: &OrgAccess, id: PlanId, comment: &str) -> Result<plan::Model> {
    decide_approval(app, access, id, "", comment, false).await
}

async fn decide_approval(
    app: &AppState,
    access: &OrgAccess,
    id: PlanId,
    signed_hash: &str,
    comment: &str,
    approve: bool,
) -> Result<plan::Model> {
    let comment = super::validate::text("comment", comment, 2_000)?;
    let principal = access.principal();
    let my_groups = groups_of(app, access, principal).await?;
    let mut w = app.write(principal.chain()).await?;
    let (mut p, mut view) = lock(&w, access, id).await?;
    let domain = Domain::Project(p.project_id);
    if approve {
        access.permit::<ops::PlanApprove>(domain)?;
    } else {
        access.permit::<ops::PlanReject>(domain)?;
    }
    // This approval may queue the plan, reserving its budget: lock the ledgers before anything
    // is audited (the lock order every writer follows).
    // Only an approval of a plan that runs when approved needs the policy (its budgets).
    let policy = match approve && p.run_when_approved {
        true => Some(app.policies.effective(w.txn(), access.tenant(), Some(p.project_id)).await?),
        false => None,
    };
    if let Some(policy) = &policy
        && p.cost > 0.0
    {
        budget::lock_ledgers(w.txn(), access.tenant(), p.project_id, &policy.effective, w.now()).await?;
    }
    if view.status != PlanStatus::PendingApproval {
        return Err(Error::Conflict(format!("the plan is {}, not waiting for approval", view.status.as_str())));
    }
    if p.expires_at.is_some_and(|t| t <= w.now()) && view.open_gate.is_none() {
        return Err(Error::Conflict("the approval request has expired".into()));
    }
    if approve && signed_hash != p.plan_hash {
        return Err(Error::Conflict(
            "the plan changed since you looked at it: the hash you approved is not the plan's".into(),
        ));
    }
    if let Some(why) = separation_of_duties(principal, &p) {
        return Err(Error::forbidden(why));
    }
    let stage_no = view.stages_satisfied;
    let stage =
        stages_of(&p)?.get(stage_no as usize).cloned().ok_or_else(|| Error::internal("approval stage missing"))?;
    if !stage.groups.iter().any(|g| g == autonomy::FALLBACK_GROUP || my_groups.contains(g)) {
        return Err(Error::forbidden(format!(
            "stage `{}` needs a member of {}",
            stage.name,
            stage.groups.join(" or ")
        )));
    }
    if approve
        && let Some(why) = approved_earlier(
            &stage,
            stage_no as i32,
            &stages_approved_by(w.txn(), &p, &principal.rbac_subject()).await?,
        )
    {
        return Err(Error::forbidden(why));
    }
    praetor_store::insert(
        w.txn(),
        approval::Model {
            id: praetor_store::ApprovalId::generate(),
            org_id: p.org_id,
            plan_id: p.id,
            stage: stage_no as i32,
            approver_subject: principal.rbac_subject(),
            approver_name: principal.actor().name,
            decision: if approve { "approve" } else { "reject" }.into(),
            comment: comment.clone(),
            plan_hash: p.plan_hash.clone(),
            created_at: w.now(),
        },
    )
    .await
    .map_err(conflict_means("you already decided on this stage"))?;
    let mut events = Vec::new();
    if approve {
        events.push(PlanEvent::Approved { stage: stage_no, approver: principal.actor(), comment });
        let approvals = approval::count_at_stage(
            w.txn(),
            access.tenant(),
            p.id,
            stage_no as i32,
            ApprovalDecision::Approve.as_str(),
        )
        .await?;
        if approvals >= u64::from(stage.count) {
            events.push(PlanEvent::StageSatisfied { stage: stage_no });
        }
    } else {
        events.push(PlanEvent::Rejected {
            by: Some(principal.actor()),
            reason: "rejected by an approver".into(),
            comment,
        });
    }
    let was_gate = view.open_gate.is_some();
    store::append(&mut w, &mut p, &mut view, events).await?;
    let now = w.now();
    if view.status == PlanStatus::Queued && was_gate {
        queue::enqueue(w.txn(), p.org_id, p.id, now, now).await?;
    } else if view.status == PlanStatus::Approved
        && let Some(policy) = &policy
    {
        match budget::reserve(&mut w, &p, &policy.effective).await? {
            budget::Reserved::Yes => {
                store::append(&mut w, &mut p, &mut view, vec![PlanEvent::Queued { by: principal.actor() }]).await?;
                queue::enqueue(w.txn(), p.org_id, p.id, now, now).await?;
            }
            // The approval stands; the plan waits, approved, until someone runs it.
            budget::Reserved::No(x) => {
                let body = serde_json::to_value(&x).map_err(Error::internal)?;
                w.audit(access.tenant(), crate::audit::Entry::new("plan.queue_refused", p.id, body)).await?;
            }
        }
    }
    w.commit().await?;
    app.wakeup.notify_one();
    Ok(p)
}

/// Expires approval requests past their TTL (run periodically by the worker).
pub async fn expire_due(app: &AppState) -> Result<u64> {
    let now = app.clock.now();
    // The sweep spans organizations; every plan it touches is then handled inside its own.
    let due =
        plan::expired(&app.db, PlanStatus::PendingApproval.as_str(), now, app.config.worker.only_org(), 100).await?;
    let mut n = 0;
    for candidate in due {
        let actor = vec![crate::auth::ActorRef::engine()];
        let mut w = app.write(actor).await?;
        let Some(mut p) = plan::lock(w.txn(), candidate.tenant(), candidate.id).await? else {
            continue;
        };
        let mut view = store::view(w.txn(), &p).await?;
        if view.status != PlanStatus::PendingApproval || view.open_gate.is_some() {
            continue;
        }
        store::append(&mut w, &mut p, &mut view, vec![PlanEvent::Expired]).await?;
        w.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// Plans waiting for a stage the caller could approve now.
pub async fn approval_requests(app: &AppState, access: &OrgAccess) -> Result<Vec<plan::Model>> {
    let principal = access.principal();
    let my_groups = groups_of(app, access, principal).await?;
    let pending = plan::with_status(&app.db, access.tenant(), PlanStatus::PendingApproval.as_str(), 200).await?;
    let candidates: Vec<(plan::Model, Stage)> = pending
        .into_iter()
        .filter(|p| access.may::<ops::PlanApprove>(Domain::Project(p.project_id)))
        .filter(|p| separation_of_duties(principal, p).is_none())
        .map(|p| Ok(stages_of(&p)?.get(p.current_stage as usize).cloned().map(|s| (p, s))))
        .filter_map(Result::transpose)
        .filter(|r| {
            r.as_ref()
                .map_or(true, |(_, s)| s.groups.iter().any(|g| g == autonomy::FALLBACK_GROUP || my_groups.contains(g)))
        })
        .collect::<Result<_>>()?;
    // One read of what the caller approved on any of them.
    let ids: Vec<PlanId> = candidates.iter().map(|(p, _)| p.id).collect();
    let mine: Vec<(PlanId, i32)> = approval::stages_decided_by(
        &app.db,
        access.tenant(),
        ids,
        &principal.rbac_subject(),
        ApprovalDecision::Approve.as_str(),
    )
    .await?;
    Ok(candidates
        .into_iter()
        .filter(|(p, s)| {
            let approved: Vec<i32> = mine.iter().filter(|(id, _)| *id == p.id).map(|(_, st)| *st).collect();
            approved_earlier(s, p.current_stage, &approved).is_none()
        })
        .map(|(p, _)| p)
        .collect())
}

/// Whether the caller could approve the plan's current stage right now, and if not, why.
pub async fn ability(app: &AppState, access: &OrgAccess, p: &plan::Model) -> Result<(bool, Option<String>)> {
    if !may_need_reads(p) {
        return ability_with(app.clock.now(), access, p, &[], &[]);
    }
    let groups = groups_of(app, access, access.principal()).await?;
    let approvals = approval::of_plan(&app.db, p.tenant(), p.id).await?;
    ability_with(app.clock.now(), access, p, &groups, &approvals)
}

/// Whether answering [`ability_with`] may need the viewer's groups and the plan's approvals (a
/// plan not waiting for approval is answered without them).
pub fn may_need_reads(p: &plan::Model) -> bool {
    p.status == PlanStatus::PendingApproval.as_str()
}

/// [`ability`] from what it reads: the viewer's group names in the plan's organization and the
/// decisions given on the plan so far (read in batches for a list of plans).
pub fn ability_with(
    now: chrono::DateTime<chrono::Utc>,
    access: &OrgAccess,
    p: &plan::Model,
    my_groups: &[String],
    approvals: &[approval::Model],
) -> Result<(bool, Option<String>)> {
    let principal = access.principal();
    if p.status != PlanStatus::PendingApproval.as_str() {
        return Ok((false, Some(format!("the plan is {}, not waiting for approval", p.status))));
    }
    if p.expires_at.is_some_and(|t| t <= now) {
        return Ok((false, Some("the approval request has expired".into())));
    }
    if !access.may::<ops::PlanApprove>(Domain::Project(p.project_id)) {
        return Ok((false, Some("missing permission `plan.approve` in the project".into())));
    }
    if let Some(why) = separation_of_duties(principal, p) {
        return Ok((false, Some(why.into())));
    }
    let Some(stage) = stages_of(p)?.get(p.current_stage as usize).cloned() else {
        return Ok((false, Some("no approval stage is open".into())));
    };
    if !stage.groups.iter().any(|g| g == autonomy::FALLBACK_GROUP || my_groups.contains(g)) {
        return Ok((false, Some(format!("stage `{}` needs a member of {}", stage.name, stage.groups.join(" or ")))));
    }
    let subject = principal.rbac_subject();
    let approved: Vec<i32> = approvals
        .iter()
        .filter(|a| {
            a.plan_id == p.id && a.approver_subject == subject && a.decision == ApprovalDecision::Approve.as_str()
        })
        .map(|a| a.stage)
        .collect();
    Ok(match approved_earlier(&stage, p.current_stage, &approved) {
        Some(why) => (false, Some(why)),
        None => (true, None),
    })
}
