//! Notifications: who is told what, and a person's own notifications and choices.
//!
//! The notifier runs inside `serve` on every node. Like the webhook deliverer, it reads each
//! organization's audit chain from a cursor of its own (`notification_cursors`), so the events'
//! transactions pay nothing for it and nothing rolled back is ever told. For each entry of a
//! kind that may concern someone ([`AUDIT_KINDS`]) it works out who, in the organization as it
//! is now: the members of an approval stage's groups who may approve (never the proposer nor
//! the person an agent acted for), a plan's owner (its proposer, or the person an agent acted
//! for), the people who may decide an access request, the members of a project whose kill
//! switch was engaged. Nobody is told of what they did themselves. The notifications, the
//! e-mails of those who want e-mail for that category (with an SMTP server configured), and the
//! cursor's move are one transaction; the cursor is held by one node at a time (`SKIP LOCKED`)
//! and checked unchanged before writing, so each entry is told once.
//!
//! The mailer sends due e-mails (claimed as webhook deliveries are) through the SMTP server,
//! retrying along `notifications.retry_schedule_seconds`; a server's permanent refusal is not
//! retried.
//!
//! Marking a notification read changes only the reader's own view and is not audited.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use praetor_domain::plan::PlanEvent;
use praetor_domain::{ActorKind, PlanStatus};
use praetor_store::{
    EmailId, Housekeeping, NotificationId, OrgId, PlanId, ProjectId, RoleGrantId, Tenant, UserId, audit_event,
    audit_head, email, group, group_member, notification, notification_cursor, notification_setting, org, plan,
    project, role_binding, role_grant, user,
};
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::page::{Page, PageArgs};
use crate::AppState;
use crate::auth::{ActorRef, Principal, Subject};
use crate::authz::{Domain, OrgAccess, ops};
use crate::engine::store as plan_store;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::notifications::mail::Sent;
use crate::notifications::{AUDIT_KINDS, Category, Kind};

/// Organizations whose chains one pass reads.
const ORGS_PER_PASS: u64 = 16;
/// Entries read from one chain per pass.
const ENTRIES_PER_PASS: u64 = 200;
/// E-mails claimed per statement.
const MAIL_BATCH: u64 = 20;

/// One thing to tell one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub user: UserId,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    /// A path in the web app.
    pub link: String,
}

/// Starts the notifier and the mailer; they stop when `shutdown` is cancelled.
pub fn spawn(app: Arc<AppState>, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(StdDuration::from_millis(app.config.notifications.poll_ms));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut backoff = StdDuration::ZERO;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = app.notifications.wakeup.notified() => {}
                _ = app.notifications.mail_wakeup.notified() => {}
                _ = tick.tick() => {}
            }
            if !backoff.is_zero() {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
            }
            let result = async {
                while pass(&app).await? > 0 && !shutdown.is_cancelled() {}
                while send_due(&app).await? > 0 && !shutdown.is_cancelled() {}
                Ok::<_, Error>(())
            }
            .await;
            match result {
                Ok(()) => backoff = StdDuration::ZERO,
                Err(e) => {
                    backoff = (backoff * 2).clamp(StdDuration::from_millis(100), StdDuration::from_secs(5));
                    tracing::warn!("notifier: {e}; backing off {backoff:?}");
                }
            }
        }
    })
}

/// Reads the chains that moved past their cursors and writes what they tell. Answers how many
/// entries it read (0: nothing was new, or every chain was another node's).
pub async fn pass(app: &AppState) -> Result<usize> {
    let only = app.config.worker.only_org();
    if !notification_cursor::any_behind(&app.db, only).await? {
        return Ok(0);
    }
    if notification_cursor::has_missing(&app.db, only).await? {
        let txn = crate::db::begin_write(&app.db).await?;
        notification_cursor::start_missing(&txn, only).await?;
        txn.commit().await?;
    }
    let mut read = 0;
    for cursor in notification_cursor::behind(&app.db, only, ORGS_PER_PASS).await? {
        read += read_chain(app, cursor).await?;
    }
    Ok(read)
}

/// Reads one organization's chain after `cursor` and writes what it tells, unless another
/// node holds or moved the cursor meanwhile. The people are worked out before the write, from
/// plain reads: the write itself is short.
async fn read_chain(app: &AppState, cursor: notification_cursor::Model) -> Result<usize> {
    let tenant = Tenant::housekeeping(cursor.org_id, Housekeeping::Notifications);
    let Some(head) = audit_head::of(&app.db, tenant).await? else { return Ok(0) };
    let Some(org) = org::of(&app.db, tenant).await? else { return Ok(0) };
    let kinds = AUDIT_KINDS.iter().map(|k| k.to_string());
    let entries =
        audit_event::of_kinds_between(&app.db, tenant, cursor.audit_seq, head.seq, kinds, ENTRIES_PER_PASS).await?;
    let to = match entries.last() {
        Some(last) if entries.len() as u64 == ENTRIES_PER_PASS => last.seq,
        _ => head.seq,
    };
    let mut people = People::new(app, &org);
    let mut notes: Vec<(i64, Note)> = Vec::new();
    for entry in &entries {
        match tell(&mut people, entry).await {
            Ok(found) => notes.extend(found.into_iter().map(|n| (entry.seq, n))),
            // One entry that cannot be read must not stop the chain behind it.
            Err(e) => {
                tracing::warn!(org = %org.slug, seq = entry.seq, kind = %entry.kind, "notifier skipped an entry: {e}")
            }
        }
    }
    let now = app.clock.now();
    let users: BTreeSet<UserId> = notes.iter().map(|(_, n)| n.user).collect();
    let emails = match &app.notifications.mailer {
        Some(_) => e_mail_wanted(app, &users).await?,
        None => HashMap::new(),
    };
    let txn = crate::db::begin_write(&app.db).await?;
    match notification_cursor::lock(&txn, tenant).await? {
        Some(c) if c.audit_seq == cursor.audit_seq => {}
        // Another node holds it, or read these entries already.
        _ => return Ok(0),
    }
    let link_base = public_url(app);
    let mut rows = Vec::with_capacity(notes.len());
    let mut mails = Vec::new();
    for (seq, note) in &notes {
        let row = notification::Model {
            id: NotificationId::generate(),
            org_id: org.id,
            user_id: note.user,
            audit_seq: *seq,
            kind: note.kind.as_str().into(),
            category: note.kind.category().as_str().into(),
            title: note.title.clone(),
            body: note.body.clone(),
            link: note.link.clone(),
            created_at: now,
            read_at: None,
        };
        if let Some(address) = emails.get(&(note.user, note.kind.category())) {
            mails.push(email::Model {
                id: EmailId::generate(),
                org_id: org.id,
                user_id: note.user,
                notification_id: row.id,
                to_address: address.clone(),
                subject: note.title.clone(),
                body: email_body(note, &org.name, &link_base),
                status: "pending".into(),
                attempts: 0,
                next_attempt_at: now,
                locked_until: None,
                last_error: None,
                created_at: now,
                finished_at: None,
            });
        }
        rows.push(row);
    }
    for chunk in rows.chunks(500) {
        praetor_store::insert_many(&txn, chunk.to_vec()).await?;
    }
    for chunk in mails.chunks(500) {
        praetor_store::insert_many(&txn, chunk.to_vec()).await?;
    }
    notification_cursor::set(&txn, tenant, to).await?;
    let told: Vec<Event> = users.iter().map(|u| Event::Notified { org: org.id, user: *u }).collect();
    crate::events::fanout::notify(&txn, app.bus.node(), &told).await?;
    txn.commit().await?;
    for event in told {
        app.bus.publish(event);
    }
    for (_, note) in &notes {
        crate::metrics::notified(note.kind.category().as_str(), 1);
    }
    if !mails.is_empty() {
        app.notifications.mail_wakeup.notify_one();
    }
    Ok(entries.len().max(1))
}

/// The address of each of `users` who wants e-mail, by category.
async fn e_mail_wanted(app: &AppState, users: &BTreeSet<UserId>) -> Result<HashMap<(UserId, Category), String>> {
    let settings: HashMap<UserId, BTreeSet<Category>> = notification_setting::of_users(&app.db, users.iter().copied())
        .await?
        .into_iter()
        .map(|s| Ok((s.user_id, email_off(&s)?)))
        .collect::<Result<_>>()?;
    let mut out = HashMap::new();
    for u in user::by_ids(&app.db, users.iter().copied()).await? {
        if !u.email.contains('@') {
            continue;
        }
        let off = settings.get(&u.id);
        for c in Category::ALL {
            if off.is_none_or(|off| !off.contains(&c)) {
                out.insert((u.id, c), u.email.clone());
            }
        }
    }
    Ok(out)
}

/// The categories a person turned e-mail off for (a stored value that does not read is an
/// INTERNAL error naming it).
fn email_off(s: &notification_setting::Model) -> Result<BTreeSet<Category>> {
    let names: Vec<String> =
        crate::error::stored(format_args!("the notification settings of {}", s.user_id), &s.email_off)?;
    Ok(names.iter().filter_map(|c| Category::parse(c)).collect())
}

/// Where e-mails link to: `notifications.public_url`, else `identity.public_url`.
fn public_url(app: &AppState) -> String {
    let n = app.config.notifications.public_url.trim();
    let base = if n.is_empty() { app.config.identity.public_url.trim() } else { n };
    base.trim_end_matches('/').to_string()
}

/// The plain-text body of a notification's e-mail.
fn email_body(note: &Note, org_name: &str, base: &str) -> String {
    let link = if base.is_empty() { note.link.clone() } else { format!("{base}{}", note.link) };
    format!(
        "{}\n\n{}\n\nOpen it: {link}\n\n--\nPraetor, organization {org_name}. You get this e-mail for \"{}\"; \
         change that under Account > Notifications.\n",
        note.title,
        note.body,
        note.kind.category().label(),
    )
}

/// What the organization looks like to the notifier during one pass: its people, what each
/// may do, its groups, kept as they are asked for.
struct People<'a> {
    app: &'a AppState,
    org: &'a org::Model,
    users: HashMap<UserId, Option<user::Model>>,
    access: HashMap<UserId, Option<OrgAccess>>,
    members: Option<BTreeSet<UserId>>,
    group_members: Option<Vec<group_member::Model>>,
}

impl<'a> People<'a> {
    fn new(app: &'a AppState, org: &'a org::Model) -> Self {
        Self { app, org, users: HashMap::new(), access: HashMap::new(), members: None, group_members: None }
    }

    fn tenant(&self) -> Tenant {
        Tenant::housekeeping(self.org.id, Housekeeping::Notifications)
    }

    async fn user(&mut self, id: UserId) -> Result<Option<user::Model>> {
        if let Some(u) = self.users.get(&id) {
            return Ok(u.clone());
        }
        let u = user::by_id(&self.app.db, id).await?;
        self.users.insert(id, u.clone());
        Ok(u)
    }

    /// The person's access to the organization as it is now; none once they left it.
    async fn access(&mut self, id: UserId) -> Result<Option<OrgAccess>> {
        if let Some(a) = self.access.get(&id) {
            return Ok(a.clone());
        }
        let access = match self.user(id).await? {
            Some(u) => match self.app.authz.enter(&Principal::new(Subject::User(u)), self.org.clone()).await {
                Ok(a) => Some(a),
                Err(Error::NotFound(_)) | Err(Error::Forbidden(_)) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        self.access.insert(id, access.clone());
        Ok(access)
    }

    /// Whether the person may do `O` in `domain` now.
    async fn may<O: ops::Operation>(&mut self, id: UserId, domain: Domain) -> Result<bool> {
        Ok(self.access(id).await?.is_some_and(|a| a.may::<O>(domain)))
    }

    /// The organization's group memberships, read once per pass.
    async fn group_members(&mut self) -> Result<Vec<group_member::Model>> {
        if let Some(m) = &self.group_members {
            return Ok(m.clone());
        }
        let m = group_member::all(&self.app.db, self.tenant()).await?;
        self.group_members = Some(m.clone());
        Ok(m)
    }

    /// Everyone with a role binding or a group membership in the organization.
    async fn members(&mut self) -> Result<BTreeSet<UserId>> {
        if let Some(m) = &self.members {
            return Ok(m.clone());
        }
        let mut ids: BTreeSet<UserId> =
            role_binding::of_users(&self.app.db, self.tenant()).await?.iter().map(|b| UserId(b.subject_id)).collect();
        ids.extend(self.group_members().await?.iter().map(|m| m.user_id));
        self.members = Some(ids.clone());
        Ok(ids)
    }

    /// The members of the groups named `names`.
    async fn in_groups(&mut self, names: &[String]) -> Result<BTreeSet<UserId>> {
        let groups: BTreeSet<_> = group::all(&self.app.db, self.tenant())
            .await?
            .into_iter()
            .filter(|g| names.contains(&g.name))
            .map(|g| g.id)
            .collect();
        Ok(self
            .group_members()
            .await?
            .into_iter()
            .filter(|m| groups.contains(&m.group_id))
            .map(|m| m.user_id)
            .collect())
    }

    async fn project_slug(&self, id: ProjectId) -> Result<String> {
        Ok(project::by_id(&self.app.db, self.tenant(), id).await?.map(|p| p.slug).unwrap_or_else(|| id.to_string()))
    }
}

/// The users named by an RBAC subject (`user:<uuid>`) or a prefixed user id (`usr_…`).
fn user_of(subject: &str) -> Option<UserId> {
    if let Some(id) = subject.strip_prefix("user:") {
        return uuid::Uuid::try_parse(id).ok().map(UserId);
    }
    subject.parse().ok()
}

/// The person a plan is for: whoever an agent acted for, else its proposer if a person.
fn owner_of(p: &plan::Model) -> Option<UserId> {
    p.on_behalf_of.as_deref().and_then(user_of).or_else(|| user_of(&p.proposer_subject))
}

/// The people who did what an entry records (the chain's humans), who are not told of it, and
/// the name of who did it.
fn doers(entry: &audit_event::Model) -> Result<(BTreeSet<UserId>, String)> {
    let chain: Vec<ActorRef> =
        crate::error::stored(format_args!("the actor of audit entry {}", entry.seq), &entry.actor)?;
    let users = chain.iter().filter(|a| a.kind == ActorKind::User).filter_map(|a| a.id.parse().ok()).collect();
    let name = chain.first().map(|a| a.name.clone()).unwrap_or_else(|| "Praetor".into());
    Ok((users, name))
}

/// What one audit entry tells, and whom.
async fn tell(people: &mut People<'_>, entry: &audit_event::Model) -> Result<Vec<Note>> {
    let payload: Value = crate::error::stored(format_args!("audit entry {}", entry.seq), &entry.payload)?;
    let (doers, actor) = doers(entry)?;
    let notes = if entry.kind.starts_with("plan.") {
        tell_plan(people, entry, &payload, &actor).await?
    } else if entry.kind.starts_with("role.grant_") {
        tell_grant(people, entry, &payload, &actor).await?
    } else if entry.kind == "killswitch.engaged" {
        tell_kill(people, entry, &payload, &actor).await?
    } else if entry.kind.starts_with("policy_pack.") {
        tell_pack(people, entry, &payload).await?
    } else {
        Vec::new()
    };
    // What Praetor did on a plan's behalf (it ran, failed, expired) is recorded as its
    // proposer's doing, yet is news to them.
    let by_praetor = ["plan.succeeded", "plan.failed", "plan.killed", "plan.expired"].contains(&entry.kind.as_str());
    let mut seen = BTreeSet::new();
    Ok(notes.into_iter().filter(|n| (by_praetor || !doers.contains(&n.user)) && seen.insert(n.user)).collect())
}

async fn tell_plan(
    people: &mut People<'_>,
    entry: &audit_event::Model,
    payload: &Value,
    actor: &str,
) -> Result<Vec<Note>> {
    let tenant = people.tenant();
    let Ok(id) = entry.subject.parse::<PlanId>() else { return Ok(Vec::new()) };
    let Some(p) = plan::by_id(&people.app.db, tenant, id).await? else { return Ok(Vec::new()) };
    let seq = payload["seq"].as_u64().unwrap_or(0) as usize;
    let events = plan_store::load(&people.app.db, tenant, p.id)
        .await?
        .iter()
        .map(plan_store::decode)
        .collect::<Result<Vec<_>>>()?;
    let steps = plan_store::steps_of(&p)?.len();
    let fold = |upto: usize| {
        praetor_domain::reducer::fold(steps, &events[..upto.min(events.len())])
            .map_err(|(at, why)| Error::internal(format!("plan {} log does not fold at event {at}: {why}", p.id)))
    };
    let now_view = fold(events.len())?;
    let link = format!("/orgs/{}/plans/{}", people.org.slug, p.id);
    let title = if p.title.is_empty() { p.id.to_string() } else { p.title.clone() };
    let owner = owner_of(&p);
    let project = Domain::Project(p.project_id);
    let to_owner = |kind: Kind, head: &str, body: String| {
        owner.map(|user| Note { user, kind, title: format!("{head}: {title}"), body, link: link.clone() })
    };
    let note = match &entry.kind[..] {
        "plan.approval_requested" | "plan.stage_satisfied" => {
            let at = fold(seq)?;
            // The stage this entry opened, if any: the first one asked for (at proposal or by
            // a gate), or the next once one was satisfied.
            let opened = match events.get(seq.saturating_sub(1)) {
                Some(PlanEvent::ApprovalRequested { stage, .. }) => {
                    let after_gate = seq >= 2 && matches!(events.get(seq - 2), Some(PlanEvent::GateOpened { .. }));
                    (*stage == 0 || after_gate).then_some(*stage)
                }
                Some(PlanEvent::StageSatisfied { .. }) if at.status == PlanStatus::PendingApproval => {
                    Some(at.stages_satisfied)
                }
                Some(PlanEvent::StageSatisfied { .. }) if at.status == PlanStatus::Approved => {
                    return Ok(to_owner(
                        Kind::PlanApproved,
                        "Approved",
                        format!("{actor} gave the last approval it needed."),
                    )
                    .into_iter()
                    .collect());
                }
                _ => None,
            };
            // Only while that stage is still the one waiting.
            let Some(stage) =
                opened.filter(|s| now_view.status == PlanStatus::PendingApproval && now_view.stages_satisfied == *s)
            else {
                return Ok(Vec::new());
            };
            let Some((name, groups)) = events.iter().find_map(|e| match e {
                PlanEvent::ApprovalRequested { stage: s, name, groups, .. } if *s == stage => {
                    Some((name.clone(), groups.clone()))
                }
                _ => None,
            }) else {
                return Ok(Vec::new());
            };
            let proposer = match owner {
                Some(o) => people.user(o).await?.map(|u| display(&u)).unwrap_or_else(|| "Someone".into()),
                None => "An agent".into(),
            };
            // Who could approve it now, by the one check approving makes (permission,
            // separation of duties, the stage's groups, approvals given to earlier stages).
            let candidates = if groups.iter().any(|g| g == crate::governance::autonomy::FALLBACK_GROUP) {
                people.members().await?
            } else {
                people.in_groups(&groups).await?
            };
            let mut out = Vec::new();
            for user in candidates {
                let Some(access) = people.access(user).await? else { continue };
                if !super::approvals::ability(people.app, &access, &p).await?.0 {
                    continue;
                }
                out.push(Note {
                    user,
                    kind: Kind::ApprovalWaiting,
                    title: format!("Approval waiting: {title}"),
                    body: match groups.join(" or ") {
                        who if who == name => format!("{proposer} asks {who} to approve it."),
                        who => format!("{proposer} asks {who} to approve it (stage \"{name}\")."),
                    },
                    link: link.clone(),
                });
            }
            return Ok(out);
        }
        "plan.rejected" => {
            let why =
                payload["event"]["comment"].as_str().filter(|c| !c.is_empty()).or(payload["event"]["reason"].as_str());
            to_owner(
                Kind::PlanRejected,
                "Rejected",
                match why {
                    Some(why) => format!("{actor} rejected it: {why}"),
                    None => format!("{actor} rejected it."),
                },
            )
        }
        "plan.expired" => to_owner(Kind::PlanExpired, "Expired", "Nobody approved it in time.".into()),
        "plan.succeeded" => to_owner(Kind::PlanSucceeded, "Succeeded", "It ran to completion.".into()),
        "plan.failed" => to_owner(
            Kind::PlanFailed,
            "Failed",
            format!("It failed: {}", payload["event"]["error"].as_str().unwrap_or("see the plan")),
        ),
        "plan.killed" => to_owner(
            Kind::PlanKilled,
            "Killed",
            format!("A kill switch stopped it: {}", payload["event"]["reason"].as_str().unwrap_or("no reason given")),
        ),
        _ => None,
    };
    // The owner is told only while they may still read the plan.
    match note {
        Some(n) if people.may::<ops::PlanRead>(n.user, project).await? => Ok(vec![n]),
        _ => Ok(Vec::new()),
    }
}

fn display(u: &user::Model) -> String {
    if u.display_name.trim().is_empty() { u.email.clone() } else { u.display_name.clone() }
}

async fn tell_grant(
    people: &mut People<'_>,
    entry: &audit_event::Model,
    payload: &Value,
    actor: &str,
) -> Result<Vec<Note>> {
    let Ok(id) = entry.subject.parse::<RoleGrantId>() else { return Ok(Vec::new()) };
    let Some(g) = role_grant::by_id(&people.app.db, people.tenant(), id).await? else { return Ok(Vec::new()) };
    let link = format!("/orgs/{}/approvals", people.org.slug);
    let role = &g.role;
    let until = g.valid_until.format("%Y-%m-%d %H:%M UTC");
    match &entry.kind[..] {
        "role.grant_requested" => {
            let now = people.app.clock.now();
            let mut out = Vec::new();
            for user in people.members().await? {
                let Some(access) = people.access(user).await? else { continue };
                if !super::grants::may_decide(&access, &g, now) {
                    continue;
                }
                out.push(Note {
                    user,
                    kind: Kind::AccessRequested,
                    title: format!("Access requested: {role} for {}", g.subject_label),
                    body: format!("{actor} asks for it until {until}: {}", g.reason),
                    link: link.clone(),
                });
            }
            Ok(out)
        }
        "role.grant_approved" | "role.grant_rejected" => {
            let granted = entry.kind == "role.grant_approved";
            let comment = payload["comment"].as_str().filter(|c| !c.is_empty());
            let body = match (granted, comment) {
                (true, _) => format!("{actor} granted {} the role {role} until {until}.", g.subject_label),
                (false, Some(c)) => format!("{actor} turned the request down: {c}"),
                (false, None) => format!("{actor} turned the request down."),
            };
            let (kind, head) =
                if granted { (Kind::AccessGranted, "Access granted") } else { (Kind::AccessDenied, "Access denied") };
            // The person who asked, and the person who gets the role if that is someone else.
            let mut users: BTreeSet<UserId> = user_of(&g.requested_by_subject).into_iter().collect();
            if g.subject_kind == "user" {
                users.insert(UserId(g.subject_id));
            }
            Ok(users
                .into_iter()
                .map(|user| Note {
                    user,
                    kind,
                    title: format!("{head}: {role}"),
                    body: body.clone(),
                    link: link.clone(),
                })
                .collect())
        }
        _ => Ok(Vec::new()),
    }
}

/// A pack version published for the organization, or in force in it: told to the members who
/// may change its policy (`policy.write` in the organization).
async fn tell_pack(people: &mut People<'_>, entry: &audit_event::Model, payload: &Value) -> Result<Vec<Note>> {
    let pack = payload["pack"].as_str().unwrap_or_default();
    let version = payload["version"].as_i64().unwrap_or_default();
    let (kind, title, body) = match &entry.kind[..] {
        "policy_pack.published" => {
            let at = payload["effective_at"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            let notes =
                payload["notes"].as_str().filter(|n| !n.is_empty()).map(|n| format!(" Notes: {n}")).unwrap_or_default();
            let body = match payload["follows_latest"].as_bool() {
                Some(true) => format!(
                    "It takes effect here at {at}. Look at what it changes and how it would decide your recorded decisions before then.{notes}"
                ),
                Some(false) => format!("You stay on the version you pinned until you choose this one.{notes}"),
                None => format!("It takes effect for organizations following the pack at {at}.{notes}"),
            };
            (Kind::PolicyPackPublished, format!("Policy pack {pack} version {version} published"), body)
        }
        "policy_pack.version_in_force" => (
            Kind::PolicyPackInForce,
            format!("Policy pack {pack} version {version} in force"),
            format!(
                "Decisions here are now made under version {version} (it was version {}).",
                payload["previous_version"].as_i64().unwrap_or_default()
            ),
        ),
        _ => return Ok(Vec::new()),
    };
    let link = format!("/orgs/{}/admin#policy-packs", people.org.slug);
    let mut out = Vec::new();
    for user in people.members().await? {
        if !people.may::<ops::PolicyWrite>(user, Domain::Org).await? {
            continue;
        }
        out.push(Note { user, kind, title: title.clone(), body: body.clone(), link: link.clone() });
    }
    Ok(out)
}

async fn tell_kill(
    people: &mut People<'_>,
    entry: &audit_event::Model,
    payload: &Value,
    actor: &str,
) -> Result<Vec<Note>> {
    let project = entry.project_id;
    let scope = match payload["scope"].as_str() {
        Some("instance") => "the whole instance".to_string(),
        _ => match project {
            Some(p) => format!("project {}", people.project_slug(p).await?),
            None => format!("organization {}", people.org.slug),
        },
    };
    let link = match project {
        Some(p) => format!("/orgs/{}/projects/{}/limits", people.org.slug, people.project_slug(p).await?),
        None => format!("/orgs/{}", people.org.slug),
    };
    let reason = payload["reason"].as_str().filter(|r| !r.is_empty()).unwrap_or("no reason given");
    let domain = project.map(Domain::Project).unwrap_or(Domain::Org);
    let mut out = Vec::new();
    for user in people.members().await? {
        // Those who work there: who may read its plans.
        if !people.may::<ops::PlanRead>(user, domain).await? {
            continue;
        }
        out.push(Note {
            user,
            kind: Kind::KillSwitchEngaged,
            title: format!("Kill switch engaged: {scope}"),
            body: format!("{actor} stopped every plan there: {reason}"),
            link: link.clone(),
        });
    }
    Ok(out)
}

/// Sends the e-mails due now. Answers how many it tried.
pub async fn send_due(app: &AppState) -> Result<usize> {
    let Some(mailer) = &app.notifications.mailer else { return Ok(0) };
    let cfg = &app.config.notifications;
    let now = app.clock.now();
    let until = now + Duration::milliseconds(cfg.smtp_timeout_ms as i64) + Duration::seconds(30);
    let txn = crate::db::begin_write(&app.db).await?;
    let due = email::claim_due(&txn, app.config.worker.only_org(), now, until, MAIL_BATCH).await?;
    txn.commit().await?;
    for m in &due {
        let sent = mailer.send(&m.to_address, &m.subject, &m.body).await;
        let at = app.clock.now();
        let (status, next, error) = match sent {
            Sent::Yes => ("sent", at, None),
            Sent::Refused(why) => ("failed", at, Some(why)),
            Sent::Failed(why) => match cfg.retry_schedule_seconds.get(m.attempts as usize + 1) {
                Some(secs) => ("pending", at + Duration::seconds(*secs as i64), Some(why)),
                None => ("failed", at, Some(why)),
            },
        };
        crate::metrics::email(match status {
            "pending" => "retry",
            "sent" => "sent",
            _ => "failed",
        });
        if status != "sent" {
            tracing::warn!(email = %m.id, attempts = m.attempts + 1, status, "an e-mail was not sent: {}", error.as_deref().unwrap_or(""));
        }
        email::record(&app.db, m, status, next, error, at).await?;
    }
    Ok(due.len())
}

/// Deletes read notifications older than `notifications.retention_days`, unread ones four
/// times as old, and finished e-mails (the scheduler's `notifications.prune`). Answers how
/// many notifications and e-mails went.
pub async fn prune(app: &AppState) -> Result<(u64, u64)> {
    let now = app.clock.now();
    let days = i64::from(app.config.notifications.retention_days);
    let read = notification::delete_old(&app.db, now - Duration::days(days), now - Duration::days(4 * days)).await?;
    let mails = email::delete_finished_before(&app.db, now - Duration::days(days)).await?;
    Ok((read, mails))
}

// A person's own notifications and choices.

/// The organizations a person's notifications are shown from: those they belong to now.
async fn orgs_of(app: &AppState, user: UserId) -> Result<Vec<OrgId>> {
    Ok(super::orgs::memberships(&app.db, user).await?.into_iter().collect())
}

/// A page of the person's notifications, newest first, each with its organization's slug;
/// only unread ones if asked.
pub async fn list(
    app: &AppState,
    user: UserId,
    unread_only: bool,
    args: PageArgs<NotificationId>,
) -> Result<Page<(notification::Model, String)>> {
    let orgs = orgs_of(app, user).await?;
    let rows = notification::newest(&app.db, user, &orgs, unread_only, args.after, args.fetch_limit()).await?;
    let slugs = org_slugs(app, rows.iter().map(|r| r.org_id)).await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let slug = slugs.get(&r.org_id).cloned().unwrap_or_default();
            (r, slug)
        })
        .collect();
    Ok(Page::from_overfetch(rows, args.first))
}

/// How many of the person's notifications are unread, and their newest one with its
/// organization's slug (what a live update says), from one read of their memberships.
pub async fn latest(app: &AppState, user: UserId) -> Result<(u64, Option<(notification::Model, String)>)> {
    let orgs = orgs_of(app, user).await?;
    let unread = notification::unread(&app.db, user, &orgs).await?;
    let Some(newest) = notification::newest(&app.db, user, &orgs, false, None, 1).await?.into_iter().next() else {
        return Ok((unread, None));
    };
    let slug = org_slugs(app, [newest.org_id]).await?.remove(&newest.org_id).unwrap_or_default();
    Ok((unread, Some((newest, slug))))
}

/// The slugs of these organizations.
pub async fn org_slugs(app: &AppState, ids: impl IntoIterator<Item = OrgId>) -> Result<BTreeMap<OrgId, String>> {
    let ids: BTreeSet<OrgId> = ids.into_iter().collect();
    Ok(org::with_ids(&app.db, Housekeeping::Notifications, ids).await?.into_iter().map(|o| (o.id, o.slug)).collect())
}

/// How many of the person's notifications are unread.
pub async fn unread(app: &AppState, user: UserId) -> Result<u64> {
    let orgs = orgs_of(app, user).await?;
    Ok(notification::unread(&app.db, user, &orgs).await?)
}

/// Marks the person's notifications read (`ids`, or all when `None`) and answers how many are
/// still unread. Their other tabs and devices hear of it.
pub async fn mark_read(app: &AppState, user: UserId, ids: Option<Vec<NotificationId>>) -> Result<u64> {
    let orgs = orgs_of(app, user).await?;
    let marked = notification::mark_read(&app.db, user, &orgs, ids, app.clock.now()).await?;
    if marked > 0 {
        // Any organization will do: the event is the person's, and only they hear it.
        if let Some(org) = orgs.first() {
            let event = Event::Notified { org: *org, user };
            crate::events::fanout::notify(&app.db, app.bus.node(), std::slice::from_ref(&event)).await?;
            app.bus.publish(event);
        }
    }
    Ok(notification::unread(&app.db, user, &orgs).await?)
}

/// The person's e-mail choice for each category.
pub async fn settings(app: &AppState, user: UserId) -> Result<Vec<(Category, bool)>> {
    let off = notification_setting::of(&app.db, user).await?.map(|s| email_off(&s)).transpose()?.unwrap_or_default();
    Ok(Category::ALL.into_iter().map(|c| (c, !off.contains(&c))).collect())
}

/// Sets whether the person is e-mailed about `category`; audited.
pub async fn set_email(
    app: &AppState,
    principal: &Principal,
    category: Category,
    on: bool,
) -> Result<(Category, bool)> {
    let user = principal.user().ok_or_else(|| Error::forbidden("only people have notification settings"))?;
    let mut w = app.write(principal.chain()).await?;
    let mut off =
        notification_setting::of(w.txn(), user.id).await?.map(|s| email_off(&s)).transpose()?.unwrap_or_default();
    if on {
        off.remove(&category);
    } else {
        off.insert(category);
    }
    let list: Vec<&str> = off.iter().map(|c| c.as_str()).collect();
    let email_off = serde_json::to_string(&list).map_err(Error::internal)?;
    notification_setting::put(
        w.txn(),
        notification_setting::Model { user_id: user.id, email_off, updated_at: w.now() },
    )
    .await?;
    // The change is the person's own, recorded in each organization they belong to.
    for org in super::orgs::memberships(w.txn(), user.id).await? {
        let tenant = Tenant::housekeeping(org, Housekeeping::Notifications);
        w.audit(
            tenant,
            crate::audit::Entry::new(
                "user.notification_settings_changed",
                user.id,
                serde_json::json!({"category": category.as_str(), "email": on}),
            ),
        )
        .await?;
    }
    w.commit().await?;
    Ok((category, on))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_and_subjects() {
        let u = UserId::generate();
        assert_eq!(user_of(&format!("user:{}", u.0.simple())), Some(u));
        assert_eq!(user_of(&u.to_string()), Some(u));
        assert_eq!(user_of("sa:0190aa"), None);
        assert_eq!(user_of("agent:builtin"), None);
    }

    #[test]
    fn emails_link_to_the_app_and_say_why_they_came() {
        let note = Note {
            user: UserId::generate(),
            kind: Kind::ApprovalWaiting,
            title: "Approval waiting: Deploy web v1 to prod".into(),
            body: "bob asks sre-leads to approve it (stage \"leads\").".into(),
            link: "/orgs/demo/plans/pln_1".into(),
        };
        let body = email_body(&note, "Demo", "https://praetor.example.com");
        assert!(body.starts_with("Approval waiting: Deploy web v1 to prod\n\nbob asks"), "{body}");
        assert!(body.contains("Open it: https://praetor.example.com/orgs/demo/plans/pln_1"), "{body}");
        assert!(body.contains("\"Plans waiting for my approval\""), "{body}");
        assert!(email_body(&note, "Demo", "").contains("Open it: /orgs/demo/plans/pln_1"));
    }
}
