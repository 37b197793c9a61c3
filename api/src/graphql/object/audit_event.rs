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

/// A signed checkpoint of the organization's audit chain: entry `seq` and its hash, and the
/// Merkle root over entries 1..=`seq`, signed with the instance's Ed25519 key. Kept outside
/// Praetor (`praetor audit checkpoints`), it lets `praetor audit verify --checkpoints` find a
/// chain truncated or rewritten since.
pub struct AuditCheckpointObject(pub praetor_store::audit_checkpoint::Model);

#[Object(name = "AuditCheckpoint")]
impl AuditCheckpointObject {
    /// The last entry covered: the tree holds entries 1..=seq.
    async fn seq(&self) -> i64 {
        self.0.seq
    }

    /// The chain hash of entry `seq` (hex).
    async fn head_hash(&self) -> &str {
        &self.0.head_hash
    }

    /// The Merkle root over entries 1..=seq (hex; RFC 6962 over their chain hashes).
    async fn root(&self) -> &str {
        &self.0.root
    }

    /// The first 16 hex digits of the SHA-256 of the public key.
    async fn key_id(&self) -> &str {
        &self.0.key_id
    }

    /// The instance's Ed25519 public key (base64, 32 bytes).
    async fn public_key(&self) -> &str {
        &self.0.public_key
    }

    /// The Ed25519 signature over `signedText` (base64).
    async fn signature(&self) -> &str {
        &self.0.signature
    }

    async fn signed_at(&self) -> DateTime<Utc> {
        self.0.signed_at
    }

    /// Exactly the text the signature is over.
    async fn signed_text(&self) -> String {
        let c = &self.0;
        crate::audit::checkpoint::signed_text(c.org_id, c.seq, &c.head_hash, &c.root, c.signed_at)
    }
}

/// The proof that an entry is among those a checkpoint signed: hash `leafHash` with each hash
/// of `path` in turn (RFC 9162, section 2.1.3.2) and the result is the checkpoint's root.
pub struct AuditInclusionProofObject(pub crate::services::checkpoints::Proof);

#[Object(name = "AuditInclusionProof")]
impl AuditInclusionProofObject {
    async fn entry(&self) -> AuditEventObject {
        AuditEventObject(self.0.entry.clone())
    }

    /// The entry's place among the leaves, from 0 (its `seq` - 1).
    async fn leaf_index(&self) -> i64 {
        self.0.leaf_index
    }

    /// How many leaves the checkpoint's tree has (its `seq`).
    async fn tree_size(&self) -> i64 {
        self.0.checkpoint.seq
    }

    /// SHA-256 of 0x00 and the bytes of the entry's hash (hex).
    async fn leaf_hash(&self) -> &str {
        &self.0.leaf_hash
    }

    /// The audit path, from the leaf's sibling up (hex).
    async fn path(&self) -> &[String] {
        &self.0.path
    }

    async fn checkpoint(&self) -> AuditCheckpointObject {
        AuditCheckpointObject(self.0.checkpoint.clone())
    }
}
