//! Scheduled plans: a project's plan template proposed on a cron schedule, in a time zone, as a
//! service account — through the one decision pipeline like any proposal, so budgets, windows,
//! rate limits, approvals and kill switches apply, and a run needing approval waits like any
//! plan. Managing schedules needs `schedule.manage` in the project; since a schedule proposes
//! as the service account it names, the built-in roles give it to organization admins only.
//!
//! The scheduler finds what is due ([`due`]), claims each slot once among the nodes and calls
//! [`fire`]; the slot's plan carries the idempotency key `<schedule id>:<slot>`, so a slot taken
//! over from a node that died mid-run never proposes twice. What each slot came to is kept on
//! the schedule and audited in its organization.

use chrono::{DateTime, Utc};
use praetor_domain::schedule::Timing;
use praetor_domain::{Overlap, PlanStatus};
use praetor_store::{Owned, ScheduleId, Tenant, plan, project, schedule, service_account};
use serde_json::{Value, json};

use super::plans::{self, ProposeInput};
use super::validate;
use crate::AppState;
use crate::audit::{Entry, canonical_json};
use crate::auth::{Principal, Subject};
use crate::authz::{Domain, OrgAccess, Permit, ops};
use crate::error::{Error, Result, conflict_means};

/// What a new schedule is made of.
pub struct NewSchedule {
    pub name: String,
    pub cron: String,
    pub timezone: String,
    pub template: String,
    pub args: Value,
    pub overlap: Overlap,
    pub catch_up: bool,
    /// The service account's name: runs propose as it.
    pub service_account: String,
}

/// The schedule's timing as stored (it was checked when the schedule was made).
pub fn timing(s: &schedule::Model) -> Result<Timing> {
    Timing::parse(&s.cron, &s.timezone)
        .map_err(|e| Error::internal(format!("schedule {} is unreadable: {}", s.id, e.message)))
}

pub fn overlap(s: &schedule::Model) -> Result<Overlap> {
    crate::error::stored_value(format_args!("the overlap of schedule {}", s.id), &s.overlap, Overlap::parse)
}

/// Creates a schedule in `project`; its first slot is the next one after now.
pub async fn create(
    app: &AppState,
    permit: &Permit<ops::ScheduleManage>,
    project: &project::Model,
    input: NewSchedule,
) -> Result<schedule::Model> {
    let name = validate::slug("name", &input.name)?;
    let cron = input.cron.split_whitespace().collect::<Vec<_>>().join(" ");
    let timezone = input.timezone.trim().to_string();
    let timing = Timing::parse(&cron, &timezone).map_err(|e| Error::validation(e.field, e.message))?;
    let tenant = permit.tenant();
    let (template, sa) = super::service_accounts::standing_proposal(
        app,
        tenant,
        project,
        &input.template,
        &input.args,
        &input.service_account,
    )
    .await?;
    let mut w = app.write(permit.principal().chain()).await?;
    let now = w.now();
    let s = praetor_store::insert(
        w.txn(),
        schedule::Model {
            id: ScheduleId::generate(),
            org_id: tenant.org(),
            project_id: project.id,
            name,
            cron,
            timezone,
            template,
            args: canonical_json(&input.args),
            overlap: input.overlap.as_str().to_string(),
            catch_up: input.catch_up,
            service_account_id: sa.id,
            paused: false,
            next_run_at: timing.next_after(now),
            last_slot: None,
            last_plan_id: None,
            last_outcome: String::new(),
            created_at: now,
            updated_at: now,
        },
    )
    .await
    .map_err(conflict_means("the project already has a schedule with this name"))?;
    w.audit(
        tenant,
        Entry::new(
            "schedule.created",
            s.id,
            json!({"name": s.name, "project": project.slug, "cron": s.cron, "timezone": s.timezone,
                   "template": s.template, "overlap": s.overlap, "catchUp": s.catch_up, "serviceAccount": sa.name}),
        )
        .in_project(project.id),
    )
    .await?;
    w.commit().await?;
    Ok(s)
}

/// The tenant's schedule `id` read in `db`; NOT_FOUND otherwise.
async fn load<C: praetor_store::Conn>(db: &C, tenant: Tenant, id: ScheduleId) -> Result<schedule::Model> {
    schedule::by_id(db, tenant, id).await?.ok_or_else(|| Error::not_found("schedule"))
}

/// The service account `s` proposes as.
pub async fn service_account_of(app: &AppState, s: &schedule::Model) -> Result<service_account::Model> {
    super::service_accounts::proposing_as(app, s.tenant(), s.service_account_id, &format!("schedule {}", s.id)).await
}

/// Schedule `id`, for someone who may read its project's plans (NOT_FOUND otherwise).
pub async fn find(app: &AppState, access: &OrgAccess, id: ScheduleId) -> Result<schedule::Model> {
    let s = load(&app.db, access.tenant(), id).await?;
    access.read_permit::<ops::PlanRead>(Domain::Project(s.project_id), "schedule")?;
    Ok(s)
}

/// A project's schedules, by name.
pub async fn list(app: &AppState, permit: &Permit<ops::PlanRead>) -> Result<Vec<schedule::Model>> {
    let Domain::Project(project) = permit.domain() else {
        return Err(Error::internal("schedules are listed per project"));
    };
    Ok(schedule::of_project(&app.db, permit.tenant(), project).await?)
}

/// Schedule `id` with the permit to manage it (FORBIDDEN without one; NOT_FOUND when it is not
/// the organization's).
pub async fn manage(
    app: &AppState,
    access: &OrgAccess,
    id: ScheduleId,
) -> Result<(schedule::Model, Permit<ops::ScheduleManage>)> {
    let s = find(app, access, id).await?;
    let permit = access.permit::<ops::ScheduleManage>(Domain::Project(s.project_id))?;
    Ok((s, permit))
}

/// Pauses (no slot runs) or resumes a schedule. Resuming starts from the next slot after now:
/// slots that passed while paused are not run.
pub async fn set_paused(
    app: &AppState,
    permit: &Permit<ops::ScheduleManage>,
    id: ScheduleId,
    paused: bool,
) -> Result<schedule::Model> {
    let mut w = app.write(permit.principal().chain()).await?;
    let s = load(w.txn(), permit.tenant(), id).await?;
    if s.paused == paused {
        return Ok(s);
    }
    let now = w.now();
    let next = if paused { None } else { timing(&s)?.next_after(now) };
    let mut row = s.clone();
    row.paused = paused;
    row.next_run_at = next;
    row.updated_at = now;
    let s = praetor_store::update(w.txn(), &s, row).await?;
    let kind = if paused { "schedule.paused" } else { "schedule.resumed" };
    w.audit(permit.tenant(), Entry::new(kind, s.id, json!({"name": s.name})).in_project(s.project_id)).await?;
    w.commit().await?;
    Ok(s)
}

pub async fn delete(app: &AppState, permit: &Permit<ops::ScheduleManage>, id: ScheduleId) -> Result<()> {
    let mut w = app.write(permit.principal().chain()).await?;
    let s = load(w.txn(), permit.tenant(), id).await?;
    schedule::delete(w.txn(), permit.tenant(), s.id).await?;
    w.audit(permit.tenant(), Entry::new("schedule.deleted", s.id, json!({"name": s.name})).in_project(s.project_id))
        .await?;
    w.commit().await?;
    Ok(())
}

/// Schedules of every organization with a slot due at `now`, oldest slot first.
pub async fn due(app: &AppState, now: DateTime<Utc>, at_most: u64) -> Result<Vec<schedule::Model>> {
    Ok(schedule::due(&app.db, now, app.config.worker.only_org(), at_most).await?)
}

/// Moves a schedule's next slot on to the first after `after`, unless someone already did (or
/// it was paused, or changed): only a row still due at `slot` or before moves.
pub async fn advance(app: &AppState, s: &schedule::Model, slot: DateTime<Utc>, after: DateTime<Utc>) -> Result<()> {
    let next = timing(s)?.next_after(after);
    schedule::advance(&app.db, s.tenant(), s.id, slot, next).await?;
    Ok(())
}

/// Praetor's scheduler, as audit entries name it when no service account acted.
fn scheduler_actor() -> crate::auth::ActorRef {
    crate::auth::ActorRef::system("scheduler", "praetor scheduler")
}

/// Records a slot that was due but not run (too old, or the schedule does not catch up).
pub async fn record_skip(app: &AppState, s: &schedule::Model, slot: DateTime<Utc>, reason: &str) -> Result<()> {
    let entry = Entry::new("schedule.slot_skipped", s.id, json!({"name": s.name, "slot": slot, "reason": reason}));
    record_slot(app, vec![scheduler_actor()], s, slot, &format!("skipped: {reason}"), None, entry).await
}

/// Keeps what slot `slot` of `s` came to on the schedule (and the plan it proposed, if any) and
/// audits it, in one write by `actor`.
async fn record_slot(
    app: &AppState,
    actor: Vec<crate::auth::ActorRef>,
    s: &schedule::Model,
    slot: DateTime<Utc>,
    outcome: &str,
    plan: Option<praetor_store::PlanId>,
    entry: Entry,
) -> Result<()> {
    let mut w = app.write(actor).await?;
    schedule::record_slot(w.txn(), s.tenant(), s.id, slot, outcome, plan).await?;
    w.audit(s.tenant(), entry.in_project(s.project_id)).await?;
    w.commit().await
}

/// Runs slot `slot` of `s`: as its service account, with the previous run's overlap rule, its
/// template proposed through the one pipeline. Answers what it came to, in words; a refused
/// proposal is an outcome (recorded and audited), not a failure of the slot.
pub async fn fire(app: &AppState, s: &schedule::Model, slot: DateTime<Utc>) -> Result<String> {
    let sa = service_account_of(app, s).await?;
    let mut principal = Principal::new(Subject::ServiceAccount(sa));
    principal.key_org = Some(s.org_id);
    let outcome = run_slot(app, s, slot, &principal).await;
    let (text, plan, entry) = match &outcome {
        Ok(Ran::Proposed(p)) => (
            format!("proposed {} ({})", p.id, p.status),
            Some(p.id),
            Entry::new(
                "schedule.fired",
                s.id,
                json!({"name": s.name, "slot": slot, "plan": p.id.to_string(), "status": p.status}),
            ),
        ),
        Ok(Ran::Overlapped(previous, status)) => (
            format!("skipped: the previous run {previous} is still {status}"),
            None,
            Entry::new(
                "schedule.slot_skipped",
                s.id,
                json!({"name": s.name, "slot": slot, "reason": "overlap", "previous": previous.to_string()}),
            ),
        ),
        Err(e) => (
            format!("refused: {} {e}", e.code()),
            None,
            Entry::new(
                "schedule.refused",
                s.id,
                json!({"name": s.name, "slot": slot, "code": e.code(), "reason": e.to_string()}),
            ),
        ),
    };
    record_slot(app, vec![principal.actor()], s, slot, &text, plan, entry).await?;
    match outcome {
        Err(e @ Error::Internal { .. }) => Err(e),
        _ => Ok(text),
    }
}

enum Ran {
    Proposed(Box<plan::Model>),
    /// The previous run (its id and status) is unfinished and the schedule skips.
    Overlapped(praetor_store::PlanId, String),
}

async fn run_slot(app: &AppState, s: &schedule::Model, slot: DateTime<Utc>, principal: &Principal) -> Result<Ran> {
    let access = super::orgs::enter_by_id(app, principal, s.org_id).await?;
    if let Some(previous) = s.last_plan_id {
        let status = plan::status_of(&app.db, s.tenant(), previous).await?;
        let unfinished = status.as_deref().and_then(PlanStatus::parse).is_some_and(|st| !st.is_terminal());
        if unfinished {
            let status = status.unwrap_or_default();
            match overlap(s)? {
                Overlap::Skip => return Ok(Ran::Overlapped(previous, status)),
                Overlap::Queue => {}
                Overlap::CancelPrevious => {
                    let reason = format!("schedule {} started its run due at {}", s.name, slot.to_rfc3339());
                    match plans::cancel(app, &access, previous, &reason).await {
                        // Finished meanwhile: nothing to cancel.
                        Ok(_) | Err(Error::Conflict(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }
    let args: Value = crate::error::stored(format_args!("the arguments of schedule {}", s.id), &s.args)?;
    let input = ProposeInput {
        template: Some(s.template.clone()),
        args: Some(args),
        idempotency_key: Some(format!("{}:{}", s.id, slot.timestamp())),
        run_when_approved: true,
        ..Default::default()
    };
    Ok(Ran::Proposed(Box::new(plans::propose(app, &access, s.project_id, input).await?)))
}
