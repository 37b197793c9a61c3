//! The unit of work: one database transaction, the audit entries it appends to each tenant's
//! chain, and the events it publishes once it commits. Every state change in Praetor is made
//! through a [`Write`], so a change and its audit entry commit together or not at all.

use chrono::{DateTime, Utc};
use praetor_store::Txn;
use praetor_store::{ProjectId, Tenant, org};

use crate::AppState;
use crate::audit::{self, Entry};
use crate::auth::ActorRef;
use crate::error::Result;
use crate::events::Event;
use crate::webhooks;

/// A write in progress: one database transaction plus the audit entries it appends. Dropping it
/// without [`Write::commit`] rolls everything back, audit entries included.
pub struct Write<'a> {
    app: &'a AppState,
    txn: Txn,
    actor: Vec<ActorRef>,
    request_id: String,
    now: DateTime<Utc>,
    published: Vec<Event>,
    chain: audit::ChainWriter,
    outbox: webhooks::outbox::Outbox,
    /// Budgets reserved against, whose forecasts are looked at once it commits.
    budgets: Vec<(Tenant, Option<ProjectId>)>,
    /// The transaction's span: from its start to its commit, or its rollback when dropped.
    span: TxnSpan,
}

/// A transaction's span, ending with `outcome` `commit` or, dropped without one, `rollback`.
struct TxnSpan {
    span: tracing::Span,
    committed: bool,
}

impl Drop for TxnSpan {
    fn drop(&mut self) {
        self.span.record("outcome", if self.committed { "commit" } else { "rollback" });
    }
}

impl AppState {
    /// Starts a write on behalf of `actor` (the principal chain recorded in audit entries).
    pub async fn write(&self, actor: Vec<ActorRef>) -> Result<Write<'_>> {
        let span = tracing::info_span!(
            "db.transaction",
            db.system = crate::db::backend_name(&self.db),
            outcome = tracing::field::Empty
        );
        Ok(Write {
            span: TxnSpan { span: span.clone(), committed: false },
            app: self,
            txn: tracing::Instrument::instrument(crate::db::begin_write(&self.db), span).await?,
            actor,
            request_id: crate::request_id::current(),
            now: self.clock.now(),
            published: Vec::new(),
            chain: audit::ChainWriter::default(),
            outbox: Default::default(),
            budgets: Vec::new(),
        })
    }
}

impl<'a> Write<'a> {
    pub fn txn(&self) -> &Txn {
        &self.txn
    }

    pub fn app(&self) -> &'a AppState {
        self.app
    }

    /// The time of this write: every row and audit entry it makes carries the same instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Appends `entry` to the tenant's audit chain, in this write's transaction; if it is an
    /// event webhook endpoints subscribe to, the deliverer reads it there once it commits.
    pub async fn audit(&mut self, tenant: Tenant, entry: Entry) -> Result<()> {
        let project = entry.project;
        let started = std::time::Instant::now();
        let event = self.chain.append(&self.txn, tenant, &self.actor, self.now, &self.request_id, entry).await?;
        crate::metrics::audit_append(started.elapsed());
        self.outbox.add(tenant, project, &event);
        self.published.push(Event::Audit(event));
        Ok(())
    }

    /// Queues an event for subscribers, delivered only if the transaction commits.
    pub fn publish(&mut self, event: Event) {
        self.published.push(event);
    }

    /// The sequence number of the last entry this write appended to the tenant's chain.
    pub fn audit_seq(&self, tenant: Tenant) -> Option<i64> {
        self.chain.seq(tenant.org())
    }

    /// Marks the organization's webhook endpoints as changed (after this write audited the
    /// change), so every node's outbox reads them again.
    pub fn webhooks_changed(&mut self, tenant: Tenant) -> Result<()> {
        self.chain.webhooks_changed(tenant.org())
    }

    /// Says this write reserved against `project`'s budget (`None`: the organization's): once
    /// it commits, the budget's forecast is looked at again.
    pub fn budget_reserved(&mut self, tenant: Tenant, project: Option<ProjectId>) {
        self.budgets.push((tenant, project));
    }

    /// Marks the org's RBAC rules as changed so every node reloads its enforcer.
    pub async fn bump_rbac_version(&mut self, tenant: Tenant) -> Result<()> {
        org::bump_rbac_version(&self.txn, tenant).await?;
        self.org_changed(tenant);
        Ok(())
    }

    /// Says this write changed the organization's row: once it commits, every node reads the
    /// row again.
    pub fn org_changed(&mut self, tenant: Tenant) {
        let org = tenant.org();
        if !self.published.iter().any(|e| matches!(e, Event::OrgChanged { org: o } if *o == org)) {
            self.published.push(Event::OrgChanged { org });
        }
    }

    pub async fn commit(mut self) -> Result<()> {
        self.chain.flush(&self.txn).await?;
        let chain = &self.chain;
        let heard =
            self.outbox.wanted(&self.txn, |org| chain.webhooks_version(org), &self.app.webhooks.endpoints).await?;
        // Other nodes learn of these events with the commit itself (PostgreSQL only).
        crate::events::fanout::notify(&self.txn, self.app.bus.node(), &self.published).await?;
        tracing::Instrument::instrument(self.txn.commit(), self.span.span.clone()).await?;
        self.span.committed = true;
        if heard {
            self.app.webhooks.wakeup.notify_one();
        }
        if self.published.iter().any(|e| matches!(e, Event::Audit(a) if crate::notifications::notifies(&a.kind))) {
            self.app.notifications.wakeup.notify_one();
        }
        if !self.budgets.is_empty() {
            for (tenant, project) in self.budgets {
                self.app.budgets_touched.mark(tenant, project);
            }
            self.app.budgets_touched.wakeup.notify_one();
        }
        for event in self.published {
            match &event {
                Event::Plan { event: e, status, .. }
                    if status.is_terminal() && e.kind.eq_ignore_ascii_case(status.as_str()) =>
                {
                    crate::metrics::plan_finished(*status)
                }
                Event::Chat(e) => crate::metrics::chat_event(&e.kind),
                _ => {}
            }
            match event {
                Event::CredentialEnded { hash } => self.app.live.end(&hash),
                Event::ProviderEnded { provider } => self.app.live.end_provider(provider),
                Event::OrgChanged { org } => self.app.authz.rows.forget(org),
                other => self.app.bus.publish(other),
            }
        }
        Ok(())
    }
}
