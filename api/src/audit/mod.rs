//! The tamper-evident audit log: one hash chain per organization.
//!
//! Each entry's hash is SHA-256 over a canonical encoding of the entry and the previous entry's
//! hash, so editing, deleting or reordering any entry breaks every hash after it. Appends take a
//! row lock on the org's chain head, so concurrent writers of one org line up while different
//! orgs never wait for each other. Actor and payload are stored as the exact canonical JSON that
//! was hashed, so verification never depends on how a database re-encodes JSON.

mod canonical;
pub mod checkpoint;
pub mod export;
pub mod verify;

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use praetor_store::{AuditEventId, OrgId, ProjectId, Tenant, audit_event, audit_head};
use std::collections::HashMap;

use sha2::{Digest, Sha256};

pub use canonical::{canonical_json, redact};

use crate::auth::ActorRef;
use crate::error::Result;

/// The `prev_hash` of an org's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a service wants recorded.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: String,
    pub subject: String,
    pub payload: serde_json::Value,
    /// The project it happened in, if any: which project's webhook endpoints hear of it.
    pub project: Option<ProjectId>,
}

impl Entry {
    pub fn new(kind: &str, subject: impl ToString, payload: serde_json::Value) -> Self {
        Self { kind: kind.to_string(), subject: subject.to_string(), payload, project: None }
    }

    /// The entry happened in `project` (`None`: in the organization itself).
    pub fn in_project(mut self, project: impl Into<Option<ProjectId>>) -> Self {
        self.project = project.into();
        self
    }
}

/// The hash format new entries are written with: version 2 covers the entry's id too.
pub const HASH_VERSION: i32 = 2;

/// The hash of one entry given its fields as stored (format [`HASH_VERSION`]).
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    id: AuditEventId,
    org: OrgId,
    seq: i64,
    occurred_at: DateTime<Utc>,
    request_id: &str,
    actor: &str,
    kind: &str,
    subject: &str,
    payload: &str,
    prev_hash: &str,
) -> String {
    let mut h = Hashing(Sha256::new());
    let _ = write!(h, "praetor-audit-v2\n{id}\n");
    preimage_v1(&mut h, org, seq, occurred_at, request_id, actor, kind, subject, payload, prev_hash);
    hex::encode(h.0.finalize())
}

/// The hash of an entry written before the id was covered (format 1).
#[allow(clippy::too_many_arguments)]
pub fn entry_hash_v1(
    org: OrgId,
    seq: i64,
    occurred_at: DateTime<Utc>,
    request_id: &str,
    actor: &str,
    kind: &str,
    subject: &str,
    payload: &str,
    prev_hash: &str,
) -> String {
    let mut h = Hashing(Sha256::new());
    h.0.update(b"praetor-audit-v1\n");
    preimage_v1(&mut h, org, seq, occurred_at, request_id, actor, kind, subject, payload, prev_hash);
    hex::encode(h.0.finalize())
}

/// A preimage written straight into the hash, piece by piece (the bytes hashed are those of
/// the preimage as one string; nothing is put together in memory first, which made the
/// allocations most of an entry's cost).
struct Hashing(Sha256);

impl std::fmt::Write for Hashing {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn preimage_v1(
    h: &mut Hashing,
    org: OrgId,
    seq: i64,
    occurred_at: DateTime<Utc>,
    request_id: &str,
    actor: &str,
    kind: &str,
    subject: &str,
    payload: &str,
    prev_hash: &str,
) {
    // Every variable-length text field is either JSON-quoted or canonical JSON, neither of which
    // can contain a raw newline, so the newline-joined preimage is unambiguous.
    let quote = |h: &mut Hashing, s: &str| {
        // A string always serializes.
        let _ = serde_json::to_writer(&mut *h, s);
        h.0.update(b"\n");
    };
    // RFC 3339 in UTC with microseconds (`to_rfc3339_opts(Micros, true)`), the format parsed
    // once rather than for every entry.
    static MICROS: std::sync::LazyLock<Vec<chrono::format::Item<'static>>> = std::sync::LazyLock::new(|| {
        chrono::format::StrftimeItems::new("%Y-%m-%dT%H:%M:%S%.6fZ").parse_to_owned().unwrap_or_default()
    });
    let at = occurred_at.format_with_items(MICROS.iter());
    let _ = write!(h, "{org}\n{seq}\n{at}\n");
    quote(h, request_id);
    h.0.update(actor.as_bytes());
    h.0.update(b"\n");
    quote(h, kind);
    quote(h, subject);
    let _ = write!(h, "{payload}\n{prev_hash}");
}

/// The hash a stored entry must carry, in the format it says it was written with. Any other
/// format number is answered with a hash no entry can have, so it fails verification.
pub fn model_hash(e: &audit_event::Model) -> String {
    let (at, rid, actor, kind) = (e.occurred_at, &e.request_id, &e.actor, &e.kind);
    match e.hash_version {
        1 => entry_hash_v1(e.org_id, e.seq, at, rid, actor, kind, &e.subject, &e.payload, &e.prev_hash),
        2 => entry_hash(e.id, e.org_id, e.seq, at, rid, actor, kind, &e.subject, &e.payload, &e.prev_hash),
        other => format!("unknown hash format {other}"),
    }
}

/// Appends to organizations' chains inside one transaction. The first entry for an org takes
/// the row lock on its chain head; later entries of the same transaction reuse the head in
/// memory, and [`ChainWriter::flush`] writes all entries in one statement and each head once.
/// This is the group commit that keeps audit from serialising every writer on a round trip per
/// entry, without weakening anything: entries and head still commit with the change they record.
#[derive(Default)]
pub struct ChainWriter {
    heads: HashMap<OrgId, Head>,
    rows: Vec<audit_event::Model>,
}

struct Head {
    existed: bool,
    seq: i64,
    hash: String,
    dirty: bool,
    webhooks_version: i64,
    /// This transaction changed the organization's webhook endpoints.
    webhooks_changed: bool,
}

impl ChainWriter {
    /// Adds `entry` to `org`'s chain and returns the entry as it will be stored.
    pub async fn append<C: praetor_store::Conn>(
        &mut self,
        txn: &C,
        tenant: Tenant,
        actor: &[ActorRef],
        now: DateTime<Utc>,
        request_id: &str,
        entry: Entry,
    ) -> Result<audit_event::Model> {
        let org = tenant.org();
        if let std::collections::hash_map::Entry::Vacant(slot) = self.heads.entry(org) {
            let head = audit_head::lock(txn, tenant).await?;
            slot.insert(match head {
                Some(h) => Head {
                    existed: true,
                    seq: h.seq,
                    hash: h.hash,
                    dirty: false,
                    webhooks_version: h.webhooks_version,
                    webhooks_changed: false,
                },
                None => Head {
                    existed: false,
                    seq: 0,
                    hash: GENESIS.to_string(),
                    dirty: false,
                    webhooks_version: 0,
                    webhooks_changed: false,
                },
            });
        }
        let Some(head) = self.heads.get_mut(&org) else {
            return Err(crate::error::Error::internal("audit head vanished"));
        };
        let seq = head.seq + 1;
        let prev_hash = head.hash.clone();
        let actor_json = canonical_json(&serde_json::to_value(actor).unwrap_or_default());
        let payload_json = canonical_json(&redact(entry.payload));
        let id = AuditEventId::generate();
        let hash = entry_hash(
            id,
            org,
            seq,
            now,
            request_id,
            &actor_json,
            &entry.kind,
            &entry.subject,
            &payload_json,
            &prev_hash,
        );
        let model = audit_event::Model {
            id,
            org_id: org,
            seq,
            occurred_at: now,
            request_id: request_id.to_string(),
            actor: actor_json,
            kind: entry.kind,
            subject: entry.subject,
            payload: payload_json,
            prev_hash,
            hash: hash.clone(),
            hash_version: HASH_VERSION,
            project_id: entry.project,
        };
        head.seq = seq;
        head.hash = hash;
        head.dirty = true;
        self.rows.push(model.clone());
        Ok(model)
    }

    /// The sequence number of the last entry this transaction appended to `org`'s chain.
    pub fn seq(&self, org: OrgId) -> Option<i64> {
        self.heads.get(&org).map(|h| h.seq)
    }

    /// The version of `org`'s webhook endpoints as this transaction sees them, with whether
    /// this transaction changed them; `None` if it appended nothing to `org`'s chain.
    pub fn webhooks_version(&self, org: OrgId) -> Option<(i64, bool)> {
        self.heads.get(&org).map(|h| (h.webhooks_version, h.webhooks_changed))
    }

    /// Records that this transaction changes `org`'s webhook endpoints (after an entry was
    /// appended to its chain, which holds the head's lock).
    pub fn webhooks_changed(&mut self, org: OrgId) -> Result<()> {
        let head = self
            .heads
            .get_mut(&org)
            .ok_or_else(|| crate::error::Error::internal("webhook endpoints changed before their audit entry"))?;
        if !head.webhooks_changed {
            head.webhooks_version += 1;
            head.webhooks_changed = true;
            head.dirty = true;
        }
        Ok(())
    }

    /// Writes the pending entries and heads. Call before committing.
    pub async fn flush<C: praetor_store::Conn>(&mut self, txn: &C) -> Result<()> {
        let rows = std::mem::take(&mut self.rows);
        for chunk in rows.chunks(500) {
            praetor_store::insert_many(txn, chunk.to_vec()).await?;
        }
        for (org, head) in &mut self.heads {
            if !head.dirty {
                continue;
            }
            let row = audit_head::Model {
                org_id: *org,
                seq: head.seq,
                hash: head.hash.clone(),
                webhooks_version: head.webhooks_version,
            };
            audit_head::save(txn, row, head.existed).await?;
            head.existed = true;
            head.dirty = false;
        }
        Ok(())
    }
}

/// Appends one entry to `org`'s chain inside the caller's transaction.
pub async fn append<C: praetor_store::Conn>(
    txn: &C,
    tenant: Tenant,
    actor: &[ActorRef],
    now: DateTime<Utc>,
    request_id: &str,
    entry: Entry,
) -> Result<audit_event::Model> {
    let mut w = ChainWriter::default();
    let model = w.append(txn, tenant, actor, now, request_id, entry).await?;
    w.flush(txn).await?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{SecondsFormat, TimeZone};

    /// The preimage as one string, as the hash was first written: the streamed hash must hash
    /// exactly these bytes, or every stored entry would stop verifying.
    #[allow(clippy::too_many_arguments)]
    fn as_one_string(
        version: &str,
        id: Option<AuditEventId>,
        org: OrgId,
        seq: i64,
        at: DateTime<Utc>,
        rid: &str,
        actor: &str,
        kind: &str,
        subject: &str,
        payload: &str,
        prev: &str,
    ) -> String {
        let quote = |s: &str| serde_json::Value::String(s.to_string()).to_string();
        let body = format!(
            "{org}\n{seq}\n{}\n{}\n{actor}\n{}\n{}\n{payload}\n{prev}",
            at.to_rfc3339_opts(SecondsFormat::Micros, true),
            quote(rid),
            quote(kind),
            quote(subject),
        );
        let preimage = match id {
            Some(id) => format!("{version}\n{id}\n{body}"),
            None => format!("{version}\n{body}"),
        };
        hex::encode(Sha256::digest(preimage.as_bytes()))
    }

    #[test]
    fn the_streamed_hash_is_the_hash_of_the_whole_preimage() {
        let org = OrgId::generate();
        let id = AuditEventId::generate();
        let times = [
            Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap(),
            Utc.timestamp_opt(1_764_000_000, 123_456_789).unwrap(),
            Utc.timestamp_opt(1_764_000_001, 1_000).unwrap(),
        ];
        let texts = ["r", "", "quote \" back\\slash \u{7} tab\t é 漢 \u{1F600}", "line\nbreak"];
        for at in times {
            for t in texts {
                let (actor, payload) = (r#"[{"id":"u","kind":"user"}]"#, r#"{"a":"é"}"#);
                assert_eq!(
                    entry_hash(id, org, 7, at, t, actor, t, t, payload, GENESIS),
                    as_one_string("praetor-audit-v2", Some(id), org, 7, at, t, actor, t, t, payload, GENESIS),
                    "{at} {t:?}"
                );
                assert_eq!(
                    entry_hash_v1(org, 7, at, t, actor, t, t, payload, GENESIS),
                    as_one_string("praetor-audit-v1", None, org, 7, at, t, actor, t, t, payload, GENESIS),
                );
            }
        }
    }

    #[test]
    fn hash_depends_on_every_field() {
        let org = OrgId::generate();
        let id = AuditEventId::generate();
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        let base = entry_hash(id, org, 1, at, "r", "[]", "k", "s", "{}", GENESIS);
        let variants = [
            entry_hash(AuditEventId::generate(), org, 1, at, "r", "[]", "k", "s", "{}", GENESIS),
            entry_hash(id, OrgId::generate(), 1, at, "r", "[]", "k", "s", "{}", GENESIS),
            entry_hash(id, org, 2, at, "r", "[]", "k", "s", "{}", GENESIS),
            entry_hash(id, org, 1, at + chrono::Duration::microseconds(1), "r", "[]", "k", "s", "{}", GENESIS),
            entry_hash(id, org, 1, at, "r2", "[]", "k", "s", "{}", GENESIS),
            entry_hash(id, org, 1, at, "r", "[1]", "k", "s", "{}", GENESIS),
            entry_hash(id, org, 1, at, "r", "[]", "k2", "s", "{}", GENESIS),
            entry_hash(id, org, 1, at, "r", "[]", "k", "s2", "{}", GENESIS),
            entry_hash(id, org, 1, at, "r", "[]", "k", "s", "{\"a\":1}", GENESIS),
            entry_hash(id, org, 1, at, "r", "[]", "k", "s", "{}", &"1".repeat(64)),
            entry_hash_v1(org, 1, at, "r", "[]", "k", "s", "{}", GENESIS),
        ];
        for v in variants {
            assert_ne!(v, base);
        }
        // Field boundaries cannot be shifted: "k" + "s2" differs from "k\ns" + "2".
        assert_ne!(
            entry_hash(id, org, 1, at, "r", "[]", "k", "s2", "{}", GENESIS),
            entry_hash(id, org, 1, at, "r", "[]", "k\ns", "2", "{}", GENESIS)
        );
    }

    #[test]
    fn entries_verify_in_the_format_they_were_written_with() {
        let org = OrgId::generate();
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        let mut e = audit_event::Model {
            id: AuditEventId::generate(),
            org_id: org,
            seq: 1,
            occurred_at: at,
            request_id: "r".into(),
            actor: "[]".into(),
            kind: "k".into(),
            subject: "s".into(),
            payload: "{}".into(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
            hash_version: 1,
            project_id: None,
        };
        assert_eq!(model_hash(&e), entry_hash_v1(org, 1, at, "r", "[]", "k", "s", "{}", GENESIS));
        e.hash_version = 2;
        let v2 = model_hash(&e);
        assert_eq!(v2, entry_hash(e.id, org, 1, at, "r", "[]", "k", "s", "{}", GENESIS));
        // A version 2 entry whose id was changed no longer matches its hash.
        e.id = AuditEventId::generate();
        assert_ne!(model_hash(&e), v2);
        e.hash_version = 7;
        assert_ne!(model_hash(&e).len(), 64, "an unknown format never verifies");
    }
}
