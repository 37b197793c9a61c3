//! `AuditEvent` and the chain verification result.

use async_graphql::{ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_store::audit_event;

use super::ActorKindGql;
use crate::audit::verify::Report;
use crate::auth::ActorRef;
use crate::error::Error;

pub struct AuditEventObject(pub audit_event::Model);

/// One link of a principal chain.
#[derive(SimpleObject)]
pub struct Actor {
    pub kind: ActorKindGql,
    pub id: String,
    pub name: String,
}

impl Actor {
    /// One stored link; an unknown kind is corrupt data.
    pub fn of(a: &ActorRef) -> Result<Actor, Error> {
        Ok(Actor { kind: a.kind.into(), id: a.id.clone(), name: a.name.clone() })
    }

    /// A principal chain as stored (JSON), outermost first; `what` names it in the error.
    pub fn chain(what: impl std::fmt::Display, stored: &str) -> Result<Vec<Actor>, Error> {
        crate::error::stored::<Vec<ActorRef>>(what, stored)?.iter().map(Actor::of).collect()
    }
}

#[Object(name = "AuditEvent")]
impl AuditEventObject {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Position in the organization's chain, from 1.
    async fn seq(&self) -> i64 {
        self.0.seq
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    async fn request_id(&self) -> &str {
        &self.0.request_id
    }

    /// Who did it: the principal chain, outermost first.
    async fn actor(&self) -> Result<Vec<Actor>, Error> {
        Actor::chain(format_args!("the actor of audit event {}", self.0.id), &self.0.actor)
    }

    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// The id of the object the event is about.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// Event details (secrets are redacted before they are written).
    async fn payload(&self) -> async_graphql::Result<Json<serde_json::Value>> {
        Ok(Json(crate::error::stored(format_args!("audit entry {}", self.0.seq), &self.0.payload)?))
    }

    async fn hash(&self) -> &str {
        &self.0.hash
    }

    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
}

pub struct AuditChainStatus(pub Report);

#[Object]
impl AuditChainStatus {
    /// `true` when every entry's hash and link check out.
    async fn ok(&self) -> bool {
        self.0.ok()
    }

    async fn entries(&self) -> u64 {
        self.0.entries
    }

    async fn head_seq(&self) -> i64 {
        self.0.head_seq
    }

    /// The first entry that does not fit, by sequence number.
    async fn first_broken_seq(&self) -> Option<i64> {
        self.0.first_broken.as_ref().map(|b| b.seq)
    }

    async fn first_broken_id(&self) -> Option<&str> {
        self.0.first_broken.as_ref().map(|b| b.id.as_str())
    }

    async fn reason(&self) -> Option<&str> {
        self.0.first_broken.as_ref().map(|b| b.reason.as_str())
    }
}
