//! JSON Lines export of an org's chain: one entry per line, actor and payload as JSON, with the
//! hashes, so an auditor can re-verify the file without access to Praetor.

use std::io::Write;

use praetor_store::{Tenant, audit_event};
use serde_json::{Value, json};

use crate::error::{Error, Result};

/// One entry as exported. Its actor and payload are the canonical JSON that was hashed; one
/// that does not parse is an error naming the entry.
pub fn entry_json(e: &audit_event::Model) -> crate::error::Result<Value> {
    let actor: Value = crate::error::stored(format_args!("the actor of audit entry {}", e.seq), &e.actor)?;
    let payload: Value = crate::error::stored(format_args!("the payload of audit entry {}", e.seq), &e.payload)?;
    Ok(json!({
        "id": e.id.to_string(),
        "org_id": e.org_id.to_string(),
        "seq": e.seq,
        "occurred_at": e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "request_id": e.request_id,
        "actor": actor,
        "kind": e.kind,
        "subject": e.subject,
        "payload": payload,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }))
}

/// Writes `org`'s entries to `out`, returning how many were written.
pub async fn export_org<C: praetor_store::Conn>(db: &C, tenant: Tenant, out: &mut dyn Write) -> Result<u64> {
    let mut after = 0i64;
    let mut count = 0u64;
    loop {
        let page = audit_event::after(db, tenant, after, 1_000).await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            writeln!(out, "{}", entry_json(e)?)
                .map_err(|err| Error::internal(format!("export write failed: {err}")))?;
            after = e.seq;
            count += 1;
        }
    }
    Ok(count)
}
