//! JSON Lines export of an org's chain: one entry per line, actor and payload as JSON, with the
//! hashes, so an auditor can re-verify the file without access to Praetor.

use std::io::Write;

use praetor_entities::{OrgId, TenantScoped, audit_event};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use crate::error::{Error, Result};

pub fn entry_json(e: &audit_event::Model) -> Value {
    json!({
        "id": e.id.to_string(),
        "org_id": e.org_id.to_string(),
        "seq": e.seq,
        "occurred_at": e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "request_id": e.request_id,
        "actor": serde_json::from_str::<Value>(&e.actor).unwrap_or(Value::Null),
        "kind": e.kind,
        "subject": e.subject,
        "payload": serde_json::from_str::<Value>(&e.payload).unwrap_or(Value::Null),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    })
}

/// Writes `org`'s entries to `out`, returning how many were written.
pub async fn export_org<C: ConnectionTrait>(db: &C, org: OrgId, out: &mut dyn Write) -> Result<u64> {
    let mut after = 0i64;
    let mut count = 0u64;
    loop {
        let page = audit_event::Entity::find_in_org(org)
            .filter(audit_event::Column::Seq.gt(after))
            .order_by_asc(audit_event::Column::Seq)
            .limit(1_000)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            writeln!(out, "{}", entry_json(e)).map_err(|err| Error::internal(format!("export write failed: {err}")))?;
            after = e.seq;
            count += 1;
        }
    }
    Ok(count)
}
