//! Signed audit checkpoints (see [`crate::audit::checkpoint`]): made every hour by the
//! scheduler's `audit.checkpoint` for each organization whose chain moved, on demand by anyone
//! who may read the audit log (`createAuditCheckpoint`, `praetor audit checkpoint`), listed and
//! exported for keeping elsewhere, and checked against the chain (`praetor audit verify
//! --checkpoints`). An entry's inclusion proof under a checkpoint is checked offline with
//! SHA-256 alone.
//!
//! Before signing, the entries since the previous checkpoint are verified link by link, and the
//! entries it covered must still hash to its root: a checkpoint never vouches for a chain that
//! was tampered with since the last one.

use chrono::{DateTime, Utc};
use praetor_domain::merkle;
use praetor_store::{Housekeeping, Tenant, audit_checkpoint, audit_event, audit_head};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::audit::checkpoint::{self, signed_text};
use crate::audit::verify::{self, Verified};
use crate::audit::{Entry, GENESIS};
use crate::auth::ActorRef;
use crate::authz::{Domain, OrgAccess, ops};
use crate::error::{Error, Result};

/// The audit entry a checkpoint someone asked for writes (a checkpoint right after another's
/// entry is not made: nothing else happened).
pub const CHECKPOINTED: &str = "audit.checkpointed";

/// Signs a checkpoint of the tenant's chain at its head, unless the newest one is already
/// there (or only its own entry came since): answers the checkpoint at the head, if the chain
/// has an entry at all. For the operator's command line and the scheduler (the tenant is
/// theirs by housekeeping), which write no audit entry: a checkpoint is derived from the chain
/// as rollups are, and an hourly entry would itself move every quiet chain. People go through
/// [`create`], which audits who asked (`asked_by`).
pub async fn create_in(
    app: &AppState,
    tenant: Tenant,
    asked_by: Option<Vec<ActorRef>>,
) -> Result<Option<audit_checkpoint::Model>> {
    let Some(head) = audit_head::of(&app.db, tenant).await? else { return Ok(None) };
    if head.seq == 0 {
        return Ok(None);
    }
    let prior = audit_checkpoint::newest(&app.db, tenant).await?;
    if let Some(p) = &prior {
        let only_its_own = p.seq + 1 == head.seq
            && audit_event::at_seq(&app.db, tenant, head.seq).await?.is_some_and(|e| e.kind == CHECKPOINTED);
        if p.seq == head.seq || only_its_own {
            return Ok(prior);
        }
    }
    // The entries since the last checkpoint link up to the head as read.
    let from = match &prior {
        Some(p) => Verified { seq: p.seq, hash: p.head_hash.clone() },
        None => Verified { seq: 0, hash: GENESIS.to_string() },
    };
    if let Some(broken) = verify::verify_upto(&app.db, tenant, from, head.seq, &head.hash).await? {
        return Err(Error::Conflict(format!(
            "the audit chain is broken at entry {}: {}; no checkpoint is signed over it",
            broken.seq, broken.reason
        )));
    }
    let hashes = audit_event::hashes(&app.db, tenant, 1, head.seq).await?;
    let prior_root = prior.as_ref().map(|p| (p.seq, p.root.clone()));
    let root = app
        .cpu
        .run(move || -> std::result::Result<String, String> {
            let leaves = checkpoint::leaves(&hashes)?;
            if let Some((seq, root)) = prior_root {
                let again = hex::encode(merkle::root(&leaves[..seq as usize]));
                if again != root {
                    return Err(format!("the entries up to the checkpoint at {seq} no longer hash to its root"));
                }
            }
            Ok(hex::encode(merkle::root(&leaves)))
        })
        .await?
        .map_err(|why| {
            Error::Conflict(format!("the audit chain was changed: {why}; no checkpoint is signed over it"))
        })?;
    let actor = asked_by.clone().unwrap_or_else(|| vec![ActorRef::system("audit", "audit checkpoints")]);
    let mut w = app.write(actor).await?;
    let now = w.now();
    // Two requests for the same head (a person's and the scheduler's) take turns on the chain
    // head's lock: the second finds the first's checkpoint instead of inserting it again.
    audit_head::lock(w.txn(), tenant).await?;
    if let Some(made) = audit_checkpoint::at(w.txn(), tenant, head.seq).await? {
        return Ok(Some(made));
    }
    let signer = checkpoint::signer(w.txn(), &app.secrets, now).await?;
    let text = signed_text(tenant.org(), head.seq, &head.hash, &root, now);
    let row = audit_checkpoint::Model {
        org_id: tenant.org(),
        seq: head.seq,
        head_hash: head.hash.clone(),
        root: root.clone(),
        key_id: signer.key_id.clone(),
        public_key: signer.public_key.clone(),
        signature: signer.sign(&text),
        signed_at: now,
    };
    let row = praetor_store::insert(w.txn(), row).await?;
    if asked_by.is_some() {
        let data = json!({"seq": head.seq, "root": root, "keyId": signer.key_id});
        w.audit(tenant, Entry::new(CHECKPOINTED, tenant.org(), data)).await?;
    }
    w.commit().await?;
    Ok(Some(row))
}

/// A checkpoint of the organization's chain now, on a caller's request. Needs `audit.read`.
pub async fn create(app: &AppState, access: &OrgAccess) -> Result<Option<audit_checkpoint::Model>> {
    access.permit::<ops::AuditRead>(Domain::Org)?;
    create_in(app, access.tenant(), Some(access.principal().chain())).await
}

/// A checkpoint of every organization's chain that moved (of the node's organization only, on
/// a node dedicated to one): the scheduler's `audit.checkpoint`, and `praetor audit
/// checkpoint`. A chain that cannot be checkpointed is logged and the others go on. Answers
/// how many were signed and how many refused.
pub async fn create_all(app: &AppState) -> Result<(usize, usize)> {
    let (mut signed, mut refused) = (0, 0);
    for org in super::orgs::served_here(app, Housekeeping::Checkpoints).await? {
        let tenant = Tenant::housekeeping(org, Housekeeping::Checkpoints);
        let before = audit_checkpoint::newest(&app.db, tenant).await?.map(|c| c.seq);
        match create_in(app, tenant, None).await {
            Ok(Some(c)) if Some(c.seq) != before => signed += 1,
            Ok(_) => {}
            Err(e) => {
                refused += 1;
                tracing::error!(%org, "no audit checkpoint: {e}");
            }
        }
    }
    Ok((signed, refused))
}

/// The organization's checkpoints, newest first, below `before` if given. Needs `audit.read`.
pub async fn list(
    app: &AppState,
    access: &OrgAccess,
    before: Option<i64>,
    first: u64,
) -> Result<Vec<audit_checkpoint::Model>> {
    access.permit::<ops::AuditRead>(Domain::Org)?;
    Ok(audit_checkpoint::page(&app.db, access.tenant(), before, first).await?)
}

/// A checkpoint as kept outside Praetor (`praetor audit checkpoints` writes one per line).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    pub org_id: String,
    pub seq: i64,
    pub head_hash: String,
    pub root: String,
    pub key_id: String,
    pub public_key: String,
    pub signature: String,
    pub signed_at: DateTime<Utc>,
}

impl From<&audit_checkpoint::Model> for Published {
    fn from(c: &audit_checkpoint::Model) -> Self {
        Published {
            org_id: c.org_id.to_string(),
            seq: c.seq,
            head_hash: c.head_hash.clone(),
            root: c.root.clone(),
            key_id: c.key_id.clone(),
            public_key: c.public_key.clone(),
            signature: c.signature.clone(),
            signed_at: c.signed_at,
        }
    }
}

impl Published {
    /// The text the signature is over.
    pub fn signed_text(&self) -> Result<String> {
        let org = self
            .org_id
            .parse()
            .map_err(|_| Error::validation("orgId", format!("`{}` is no organization id", self.org_id)))?;
        Ok(signed_text(org, self.seq, &self.head_hash, &self.root, self.signed_at))
    }
}

/// Checks a kept checkpoint against the chain as stored now: its signature (by `key` when
/// given, else by the key it names), that the chain still holds its entry with its hash, and
/// that entries 1..=seq still hash to its root. Answers the problem, if any.
pub async fn check(app: &AppState, tenant: Tenant, kept: &Published, key: Option<&str>) -> Result<Option<String>> {
    if key.is_some_and(|k| k != kept.public_key) {
        return Ok(Some(format!("it is signed by key {}, not the key given", kept.key_id)));
    }
    if !checkpoint::signature_holds(&kept.public_key, &kept.signed_text()?, &kept.signature) {
        return Ok(Some("its signature does not hold (the checkpoint itself was altered)".into()));
    }
    let head = audit_head::of(&app.db, tenant).await?.map_or(0, |h| h.seq);
    match audit_event::at_seq(&app.db, tenant, kept.seq).await? {
        None if head < kept.seq => {
            return Ok(Some(format!(
                "the chain ends at entry {head}, before entry {} that this checkpoint covers: entries were removed",
                kept.seq
            )));
        }
        None => return Ok(Some(format!("entry {} that this checkpoint covers is missing", kept.seq))),
        Some(e) if e.hash != kept.head_hash => {
            return Ok(Some(format!(
                "entry {} is not the entry this checkpoint signed (history was rewritten)",
                kept.seq
            )));
        }
        Some(_) => {}
    }
    let hashes = audit_event::hashes(&app.db, tenant, 1, kept.seq).await?;
    let root = kept.root.clone();
    let seq = kept.seq;
    let problem = app
        .cpu
        .run(move || match checkpoint::leaves(&hashes) {
            Err(why) => Some(format!("{why}: entries this checkpoint covers were removed")),
            Ok(leaves) if hex::encode(merkle::root(&leaves)) != root => {
                Some(format!("entries 1..={seq} no longer hash to this checkpoint's root (history was rewritten)"))
            }
            Ok(_) => None,
        })
        .await?;
    Ok(problem)
}

/// An entry's inclusion proof under a checkpoint.
pub struct Proof {
    pub entry: audit_event::Model,
    /// 0-based: the entry's `seq` - 1.
    pub leaf_index: i64,
    pub leaf_hash: String,
    /// From the leaf's sibling up to the root's child (hex).
    pub path: Vec<String>,
    pub checkpoint: audit_checkpoint::Model,
}

/// The proof that entry `seq` is in checkpoint `at` (the first checkpoint covering it when not
/// given). Needs `audit.read`; NOT_FOUND for an entry or checkpoint the organization does not
/// have, VALIDATION for an entry the checkpoint does not cover.
pub async fn proof(app: &AppState, access: &OrgAccess, seq: i64, at: Option<i64>) -> Result<Proof> {
    access.permit::<ops::AuditRead>(Domain::Org)?;
    let tenant = access.tenant();
    let entry = audit_event::at_seq(&app.db, tenant, seq).await?.ok_or_else(|| Error::not_found("audit entry"))?;
    let cp = match at {
        Some(at) => {
            audit_checkpoint::at(&app.db, tenant, at).await?.ok_or_else(|| Error::not_found("audit checkpoint"))?
        }
        None => audit_checkpoint::covering(&app.db, tenant, seq)
            .await?
            .ok_or_else(|| Error::validation("seq", format!("no checkpoint covers entry {seq} yet")))?,
    };
    if seq > cp.seq {
        return Err(Error::validation("seq", format!("the checkpoint at entry {} does not cover entry {seq}", cp.seq)));
    }
    let hashes = audit_event::hashes(&app.db, tenant, 1, cp.seq).await?;
    let index = (seq - 1) as usize;
    let (leaf, path) = app
        .cpu
        .run(move || -> std::result::Result<(String, Vec<String>), String> {
            let leaves = checkpoint::leaves(&hashes)?;
            let path = merkle::inclusion_proof(index, &leaves).ok_or("the entry is not a leaf")?;
            Ok((hex::encode(leaves[index]), path.iter().map(hex::encode).collect()))
        })
        .await?
        .map_err(|why| Error::Conflict(format!("the audit chain was changed: {why}")))?;
    Ok(Proof { entry, leaf_index: seq - 1, leaf_hash: leaf, path, checkpoint: cp })
}
