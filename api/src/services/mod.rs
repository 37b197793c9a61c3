//! Use cases. A service function owns its transaction, its authorization check (it takes a
//! [`crate::authz::Permit`] or proves membership itself) and its audit entries, all in that one
//! transaction; resolvers and CLI commands stay thin.

pub mod agents;
pub mod api_keys;
pub mod approvals;
pub mod audit_log;
pub mod autonomy;
pub mod chat;
pub mod governance;
pub mod grants;
pub mod groups;
pub mod kill_switches;
pub mod locate;
pub mod members;
pub mod orgs;
pub mod page;
pub mod plans;
pub mod policies;
pub mod projects;
pub mod roles;
pub mod service_accounts;
pub mod setup;
pub mod users;
pub mod validate;

use chrono::{DateTime, Utc};
use praetor_entities::{Tenant, TenantScoped, org};
use sea_orm::DatabaseTransaction;
use sea_orm::sea_query::{Expr, ExprTrait};

use crate::AppState;
use crate::audit::{self, Entry};
use crate::auth::ActorRef;
use crate::error::Result;
use crate::events::Event;

/// A write in progress: one database transaction plus the audit entries it appends. Dropping it
/// without [`Write::commit`] rolls everything back, audit entries included.
pub struct Write<'a> {
    app: &'a AppState,
    txn: DatabaseTransaction,
    actor: Vec<ActorRef>,
    request_id: String,
    now: DateTime<Utc>,
    published: Vec<Event>,
    chain: audit::ChainWriter,
}

impl AppState {
    /// Starts a write on behalf of `actor` (the principal chain recorded in audit entries).
    pub async fn write(&self, actor: Vec<ActorRef>) -> Result<Write<'_>> {
        Ok(Write {
            app: self,
            txn: crate::db::begin_write(&self.db).await?,
            actor,
            request_id: crate::request_id::current(),
            now: self.clock.now(),
            published: Vec::new(),
            chain: audit::ChainWriter::default(),
        })
    }
}

impl<'a> Write<'a> {
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn app(&self) -> &'a AppState {
        self.app
    }

    /// The time of this write: every row and audit entry it makes carries the same instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Appends `entry` to the tenant's audit chain, in this write's transaction.
    pub async fn audit(&mut self, tenant: Tenant, entry: Entry) -> Result<()> {
        let event = self.chain.append(&self.txn, tenant, &self.actor, self.now, &self.request_id, entry).await?;
        self.published.push(Event::Audit(event));
        Ok(())
    }

    /// Queues an event for subscribers, delivered only if the transaction commits.
    pub fn publish(&mut self, event: Event) {
        self.published.push(event);
    }

    /// Marks the org's RBAC rules as changed so every node reloads its enforcer.
    pub async fn bump_rbac_version(&self, tenant: Tenant) -> Result<()> {
        org::Entity::update_in_org(tenant)
            .col_expr(org::Column::RbacVersion, Expr::col(org::Column::RbacVersion).add(1))
            .exec(&self.txn)
            .await?;
        Ok(())
    }

    pub async fn commit(mut self) -> Result<()> {
        self.chain.flush(&self.txn).await?;
        // Other nodes learn of these events with the commit itself (PostgreSQL only).
        crate::events::fanout::notify(&self.txn, self.app.bus.node(), &self.published).await?;
        self.txn.commit().await?;
        for event in self.published {
            if let Event::CredentialEnded { hash } = &event {
                self.app.live.end(hash);
                continue;
            }
            self.app.bus.publish(event);
        }
        Ok(())
    }
}
