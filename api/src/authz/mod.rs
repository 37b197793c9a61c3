//! May they: RBAC with domains on casbin, one enforcer per organization.
//!
//! Each organization gets its own enforcer loaded with only its rules (the built-in role
//! permissions plus its bindings and group memberships), so a decision costs the same however
//! many tenants there are. The enforcer is tagged with the org's `rbac_version`; every change to
//! bindings or memberships bumps that version in the same transaction, and the next request that
//! reads the org row sees the new version and reloads. That keeps every node of a cluster
//! correct without a separate invalidation channel. Decisions are cached per enforcer, so the
//! cache dies with the version it was computed under.
//!
//! A successful check hands out a [`Permit`] typed by its operation ([`ops`]); privileged
//! service functions take one for the operation they perform, so a path that skipped the check
//! — or checked another operation — does not compile.
//!
//! An [`OrgAccess`] is also where the tenant capability comes from (`OrgAccess::tenant()`,
//! made only by [`authorized`]); [`proposer`] answers who a principal is beyond its bindings:
//! its groups, an agent's identity, a plan's proposer's access now.

mod adapter;
pub mod ops;
pub mod proposer;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use casbin::{CoreApi, DefaultModel, Enforcer};
use chrono::{DateTime, Utc};
use praetor_store::DatabaseConnection;
use praetor_store::{OrgId, ProjectId, Tenant, org};

use crate::auth::{AgentIdentity, Principal, Subject};
use crate::clock::SharedClock;
use crate::error::{Error, Result};

pub use adapter::OrgRuleAdapter;

/// The casbin model, also shipped in `policies/` for reference and review.
pub const MODEL: &str = include_str!("../../../policies/rbac_model.conf");
/// Built-in role permissions.
pub const BUILTIN_RULES: &str = include_str!("../../../policies/rbac_roles.csv");

/// Roles that can be bound.
pub const BUILTIN_ROLES: &[&str] = &["org_admin", "org_member", "project_admin", "operator", "approver", "viewer"];

/// Where an operation happens: the organization itself, or one of its projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    Org,
    Project(ProjectId),
}

impl Domain {
    pub fn rbac(&self) -> String {
        match self {
            Domain::Org => "org".to_string(),
            Domain::Project(p) => p.to_string(),
        }
    }
}

const DECISION_CACHE_LIMIT: usize = 50_000;

/// One organization's loaded rules.
pub struct OrgRbac {
    version: i64,
    /// When a time-boxed grant starts or ends: from then on these rules are stale.
    valid_until: Option<DateTime<Utc>>,
    enforcer: Enforcer,
    /// Subjects with at least one binding or group membership: the org's members.
    members: HashSet<String>,
    decisions: Mutex<HashMap<(String, String, String), bool>>,
}

impl OrgRbac {
    pub async fn load(db: &DatabaseConnection, org: OrgId, version: i64, now: DateTime<Utc>) -> Result<Self> {
        let adapter = OrgRuleAdapter::for_org(db.clone(), org, now).fetch().await?;
        Self::from_adapter(adapter, version).await
    }

    pub async fn from_adapter(adapter: OrgRuleAdapter, version: i64) -> Result<Self> {
        let model = DefaultModel::from_str(MODEL).await.map_err(Error::internal)?;
        let members = adapter.members();
        let valid_until = adapter.valid_until();
        let mut enforcer = Enforcer::new_raw(model, adapter).await.map_err(Error::internal)?;
        // A binding in domain "*" (org-wide) applies in every domain of the org.
        enforcer.get_role_manager().write().matching_fn(None, Some(casbin::function_map::key_match));
        enforcer.load_policy().await.map_err(Error::internal)?;
        Ok(Self { version, valid_until, enforcer, members, decisions: Mutex::new(HashMap::new()) })
    }

    pub fn is_member(&self, subject: &str) -> bool {
        self.members.contains(subject)
    }

    /// Whether `subject` may perform `op` in `domain`. Cached until the rules change.
    pub fn allows(&self, subject: &str, domain: &str, op: &str) -> bool {
        let key = (subject.to_string(), domain.to_string(), op.to_string());
        if let Ok(cache) = self.decisions.lock()
            && let Some(hit) = cache.get(&key)
        {
            return *hit;
        }
        let decision = self.enforcer.enforce((subject, domain, op)).unwrap_or_else(|e| {
            // An evaluation error denies (fail closed); it is logged because it means the
            // model or a rule is malformed.
            tracing::error!(%subject, %domain, %op, "RBAC evaluation failed: {e}");
            false
        });
        if let Ok(mut cache) = self.decisions.lock() {
            if cache.len() >= DECISION_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, decision);
        }
        decision
    }
}

/// The registry of per-org enforcers.
pub struct Authz {
    db: DatabaseConnection,
    clock: SharedClock,
    orgs: RwLock<HashMap<OrgId, Arc<OrgRbac>>>,
    /// Org rows recently read for [`Authz::enter_recent`], with when they were read.
    recent: Mutex<HashMap<OrgId, (org::Model, std::time::Instant)>>,
    /// One reader at a time per org refreshes `recent`: a thousand subscribers whose check
    /// falls due together wait for one read instead of queueing a thousand on the pool.
    refreshing: Mutex<HashMap<OrgId, Arc<tokio::sync::Mutex<()>>>>,
    /// Organizations' rows by slug, as of their last change.
    pub rows: OrgRows,
}

impl Authz {
    pub fn new(db: DatabaseConnection, clock: SharedClock) -> Self {
        // One node on SQLite: it sees every change. On PostgreSQL the fan-out listener says
        // when it hears the other nodes.
        let rows = OrgRows::new(!crate::db::is_postgres(&db));
        Self {
            db,
            clock,
            orgs: RwLock::new(HashMap::new()),
            recent: Mutex::new(HashMap::new()),
            refreshing: Mutex::new(HashMap::new()),
            rows,
        }
    }

    /// Like [`Authz::enter`] with the org row read at most `max_age` ago. For checks repeated
    /// by many long-lived streams (every subscriber re-checks its right as events flow): one
    /// read of the row per org and period instead of one per subscriber and event, so a changed
    /// binding takes effect within `max_age`.
    pub async fn enter_recent(
        &self,
        principal: &Principal,
        org: OrgId,
        max_age: std::time::Duration,
    ) -> Result<OrgAccess> {
        let cached = || {
            self.recent
                .lock()
                .ok()
                .and_then(|m| m.get(&org).filter(|(_, at)| at.elapsed() < max_age).map(|(row, _)| row.clone()))
        };
        if let Some(row) = cached() {
            return self.enter(principal, row).await;
        }
        let gate = match self.refreshing.lock() {
            Ok(mut m) => {
                m.retain(|_, g| Arc::strong_count(g) > 1);
                m.entry(org).or_default().clone()
            }
            Err(_) => Arc::default(),
        };
        let one_reader = gate.lock().await;
        let row = match cached() {
            // Read by whoever held the gate before.
            Some(row) => row,
            None => {
                let row = org::of(&self.db, authorized(org)).await?.ok_or_else(|| Error::not_found("organization"))?;
                if let Ok(mut m) = self.recent.lock() {
                    if m.len() > 10_000 {
                        m.clear();
                    }
                    m.insert(org, (row.clone(), std::time::Instant::now()));
                }
                row
            }
        };
        drop(one_reader);
        self.enter(principal, row).await
    }

    /// The enforcer for `org` at the version recorded on the (freshly read) org row, reloaded
    /// when a time-boxed grant has started or ended since it was loaded.
    pub async fn org_rbac(&self, org: &org::Model) -> Result<Arc<OrgRbac>> {
        let now = self.clock.now();
        if let Ok(map) = self.orgs.read()
            && let Some(rbac) = map.get(&org.id)
            && rbac.version >= org.rbac_version
            && rbac.valid_until.is_none_or(|t| now < t)
        {
            return Ok(rbac.clone());
        }
        let loaded = Arc::new(OrgRbac::load(&self.db, org.id, org.rbac_version, now).await?);
        if let Ok(mut map) = self.orgs.write() {
            let keep_existing =
                map.get(&org.id).is_some_and(|e| e.version > loaded.version && e.valid_until.is_none_or(|t| now < t));
            if !keep_existing {
                map.insert(org.id, loaded.clone());
            }
        }
        Ok(loaded)
    }

    /// Enters an organization: NOT_FOUND unless the principal belongs to it, so other tenants'
    /// organizations are indistinguishable from ones that do not exist.
    pub async fn enter(&self, principal: &Principal, org: org::Model) -> Result<OrgAccess> {
        let not_found = || Error::not_found("organization");
        // Agents enter through `OrgAccess::acting_as` on the access of whoever they act for.
        if !principal.may_enter(org.id) {
            return Err(not_found());
        }
        let rbac = self.org_rbac(&org).await?;
        let subject = principal.rbac_subject();
        if !rbac.is_member(&subject) {
            return Err(not_found());
        }
        // Told to members only: anyone else has learnt nothing above.
        if principal.via_password() && !org.local_accounts {
            return Err(Error::forbidden(format!(
                "organization {} admits people through its identity provider, not by password: sign in there",
                org.slug
            )));
        }
        Ok(OrgAccess { org: Arc::new(org), principal: Arc::new(principal.clone()), rbac, subject, agent: None })
    }
}

/// Organizations' rows by slug, so entering one by its slug reads nothing from the database.
/// Every write that changes an org row (its RBAC version, its settings) publishes
/// `Event::OrgChanged`, which makes this node forget the row once the write commits and, through
/// the fan-out, every other node. The rows are trusted only while this node hears the others
/// (always on SQLite): when the fan-out's connection drops, everything is forgotten and nothing
/// is kept until it listens again. A row is also read again once it is [`OrgRows::MAX_AGE`] old,
/// which bounds what a change made where no notification is sent (another process on the same
/// SQLite file, a hand-edited row) can go unseen.
pub struct OrgRows {
    inner: Mutex<RowsInner>,
    hearing: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct RowsInner {
    by_slug: HashMap<String, (org::Model, std::time::Instant)>,
    /// Counts what was forgotten: a row read before a change committed is not kept after it.
    epoch: u64,
}

/// When a read of an org row began, for [`OrgRows::keep`].
#[derive(Clone, Copy)]
pub struct RowsEpoch(u64);

impl OrgRows {
    /// The longest a row is used without reading it again.
    pub const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(5);

    fn new(hearing: bool) -> Self {
        Self { inner: Mutex::new(RowsInner::default()), hearing: std::sync::atomic::AtomicBool::new(hearing) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RowsInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The row of the organization `slug` names, if known and trusted.
    pub fn get(&self, slug: &str) -> Option<org::Model> {
        if !self.hearing.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        self.lock().by_slug.get(slug).filter(|(_, at)| at.elapsed() < Self::MAX_AGE).map(|(row, _)| row.clone())
    }

    /// Taken before reading a row from the database, to [`OrgRows::keep`] it after.
    pub fn epoch(&self) -> RowsEpoch {
        RowsEpoch(self.lock().epoch)
    }

    /// Keeps `row`, read after `since`, unless a change was forgotten in between (the row may
    /// predate it).
    pub fn keep(&self, since: RowsEpoch, row: &org::Model) {
        let mut inner = self.lock();
        if inner.epoch != since.0 || !self.hearing.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        if inner.by_slug.len() >= 10_000 {
            inner.by_slug.clear();
        }
        inner.by_slug.insert(row.slug.clone(), (row.clone(), std::time::Instant::now()));
    }

    /// `org`'s row changed.
    pub fn forget(&self, org: OrgId) {
        let mut inner = self.lock();
        inner.epoch += 1;
        inner.by_slug.retain(|_, (r, _)| r.id != org);
    }

    /// Whether changes on other nodes are heard; either way, what was kept is forgotten.
    pub fn set_hearing(&self, hearing: bool) {
        let mut inner = self.lock();
        inner.epoch += 1;
        inner.by_slug.clear();
        self.hearing.store(hearing, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The one place a tenant capability is made from a bare organization id: authorization
/// itself, which reads the organization and its role bindings to decide whether a principal
/// has access at all, and hands the capability on only inside an [`OrgAccess`].
#[allow(clippy::disallowed_methods)]
pub(crate) fn authorized(org: OrgId) -> Tenant {
    Tenant::authorized(org)
}

/// Proof that a principal belongs to an organization; the starting point of every tenant read.
#[derive(Clone)]
pub struct OrgAccess {
    org: Arc<org::Model>,
    principal: Arc<Principal>,
    rbac: Arc<OrgRbac>,
    /// The RBAC subject whose rights apply: for an agent, the one it acts for.
    subject: String,
    /// An agent's role, narrowing those rights (see [`agent_allows`]).
    agent: Option<Arc<AgentIdentity>>,
}

/// What an agent's role lets it do on top of the rights of whoever it acts for: read, propose,
/// and invoke the actions its globs cover. Never approve, reject, execute, cancel or administer.
pub fn agent_allows(agent: &AgentIdentity, op: &str) -> bool {
    if let Some(action) = op.strip_prefix("action.invoke:") {
        return agent.may_invoke(action);
    }
    op == "plan.propose" || op.ends_with(".read")
}

impl OrgAccess {
    /// The same access with `agent` acting for this principal: the principal chain becomes
    /// this principal's chain followed by the agent, and every check needs both this
    /// principal's right and the agent's role.
    pub fn acting_as(&self, agent: AgentIdentity) -> OrgAccess {
        let human = self.principal.as_ref();
        let principal = Principal {
            subject: Subject::Agent(agent.clone()),
            key_org: human.key_org,
            credential: human.credential.clone(),
            on_behalf_of: human.chain(),
        };
        OrgAccess {
            org: self.org.clone(),
            principal: Arc::new(principal),
            rbac: self.rbac.clone(),
            subject: self.subject.clone(),
            agent: Some(Arc::new(agent)),
        }
    }

    pub fn org(&self) -> &org::Model {
        &self.org
    }

    pub fn org_id(&self) -> OrgId {
        self.org.id
    }

    /// The capability to query this organization's rows: held because this access exists.
    pub fn tenant(&self) -> Tenant {
        authorized(self.org.id)
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    fn allows(&self, domain: Domain, op: &str) -> bool {
        self.rbac.allows(&self.subject, &domain.rbac(), op) && self.agent.as_ref().is_none_or(|a| agent_allows(a, op))
    }

    /// Whether the caller may perform `O` in `domain` (for filtering what to show; a privileged
    /// path takes a [`Permit`] instead).
    pub fn may<O: ops::Operation>(&self, domain: Domain) -> bool {
        self.allows(domain, O::NAME)
    }

    /// Whether the caller may invoke `action` in `domain` (`action.invoke:<action>`).
    pub fn may_invoke(&self, domain: Domain, action: &str) -> bool {
        self.allows(domain, &format!("action.invoke:{action}"))
    }

    /// Whether the caller may perform an operation named by a client (`viewerCan`), so a UI
    /// shows only what will work. Never a gate for anything privileged.
    pub fn may_named(&self, domain: Domain, op: &str) -> bool {
        self.allows(domain, op)
    }

    /// A permit for `O` in `domain`, or FORBIDDEN naming what was missing.
    pub fn permit<O: ops::Operation>(&self, domain: Domain) -> Result<Permit<O>> {
        if self.may::<O>(domain) {
            Ok(Permit { access: self.clone(), domain, op: std::marker::PhantomData })
        } else {
            Err(Error::forbidden(format!("missing permission `{}` in {}", O::NAME, domain_label(domain))))
        }
    }

    /// Like [`OrgAccess::permit`] for reads, where a missing permission answers NOT_FOUND so
    /// that what cannot be read is not revealed either.
    pub fn read_permit<O: ops::Operation>(&self, domain: Domain, what: &str) -> Result<Permit<O>> {
        self.permit::<O>(domain).map_err(|_| Error::not_found(what))
    }
}

fn domain_label(domain: Domain) -> String {
    match domain {
        Domain::Org => "the organization".to_string(),
        Domain::Project(p) => format!("project {p}"),
    }
}

/// A granted operation `O`. Only [`OrgAccess::permit`] makes one.
pub struct Permit<O: ops::Operation> {
    access: OrgAccess,
    domain: Domain,
    op: std::marker::PhantomData<fn() -> O>,
}

impl<O: ops::Operation> Clone for Permit<O> {
    fn clone(&self) -> Self {
        Self { access: self.access.clone(), domain: self.domain, op: std::marker::PhantomData }
    }
}

impl<O: ops::Operation> Permit<O> {
    pub fn org_id(&self) -> OrgId {
        self.access.org_id()
    }

    pub fn tenant(&self) -> Tenant {
        self.access.tenant()
    }

    pub fn org(&self) -> &org::Model {
        self.access.org()
    }

    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// The operation granted, as RBAC names it.
    pub fn op(&self) -> &'static str {
        O::NAME
    }

    pub fn principal(&self) -> &Principal {
        self.access.principal()
    }

    pub fn access(&self) -> &OrgAccess {
        &self.access
    }
}

/// Proof that the caller is an instance administrator (may create organizations).
pub struct InstanceAdmin {
    principal: Principal,
}

impl InstanceAdmin {
    pub fn check(principal: &Principal) -> Result<Self> {
        if principal.is_instance_admin() {
            Ok(Self { principal: principal.clone() })
        } else {
            Err(Error::forbidden("only an instance administrator may do this"))
        }
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }
}

#[cfg(test)]
mod tests;
