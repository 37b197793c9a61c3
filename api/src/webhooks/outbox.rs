//! The outbox is each organization's audit chain. A write's webhook events are entries of it,
//! committed with the change they report; the deliverer reads each chain from a cursor of its
//! own ([`stage`]) and writes the deliveries in batches, so the events' transactions write
//! nothing for webhooks. An event that rolls back is never sent and one that commits is never
//! lost: the cursor moves in the transaction that writes its deliveries. A write only tells
//! its node's deliverer, once it commits, that an endpoint listens ([`Outbox::wanted`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use praetor_store::{
    Housekeeping, OrgId, ProjectId, Tenant, WebhookDeliveryId, audit_event, audit_head, webhook_cursor,
    webhook_delivery, webhook_endpoint,
};
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

/// Each organization's enabled endpoints as of a version of them (`audit_heads`'
/// `webhooks_version`), so a write whose organization has no endpoint, or the same ones as
/// before, reads none.
#[derive(Default)]
pub struct EndpointCache(Mutex<HashMap<OrgId, (i64, Endpoints)>>);

/// An organization's enabled endpoints, shared.
pub type Endpoints = Arc<Vec<webhook_endpoint::Model>>;

impl EndpointCache {
    fn get(&self, org: OrgId, version: i64) -> Option<Endpoints> {
        let map = self.0.lock().ok()?;
        map.get(&org).filter(|(v, _)| *v == version).map(|(_, e)| e.clone())
    }

    fn put(&self, org: OrgId, version: i64, endpoints: Endpoints) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() > 100_000 {
                map.clear();
            }
            map.insert(org, (version, endpoints));
        }
    }
}

/// Delivery states.
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

struct Pending {
    tenant: Tenant,
    project: Option<ProjectId>,
    event_type: &'static str,
}

/// The webhook events of one write, waiting for it to commit: once it has, the deliverer is
/// woken if an endpoint listens for one of them.
#[derive(Default)]
pub struct Outbox {
    pending: Vec<Pending>,
}

impl Outbox {
    /// Keeps `event` if its kind is a webhook event.
    pub fn add(&mut self, tenant: Tenant, project: Option<ProjectId>, event: &audit_event::Model) {
        if let Some(event_type) = super::event_type(&event.kind) {
            self.pending.push(Pending { tenant, project, event_type });
        }
    }

    /// Whether an enabled endpoint subscribes to one of the kept events. `version` tells, per
    /// organization, the version of its endpoints this transaction sees (read under the audit
    /// chain head's lock) and whether the transaction changed them: endpoints of an unchanged
    /// version come from `cache`, so a write whose organization has none reads nothing.
    pub async fn wanted<C: praetor_store::Conn>(
        &mut self,
        txn: &C,
        version: impl Fn(OrgId) -> Option<(i64, bool)>,
        cache: &EndpointCache,
    ) -> Result<bool> {
        if self.pending.is_empty() {
            return Ok(false);
        }
        let mut by_org: BTreeMap<Tenant, Vec<Pending>> = BTreeMap::new();
        for p in std::mem::take(&mut self.pending) {
            by_org.entry(p.tenant).or_default().push(p);
        }
        for (tenant, events) in by_org {
            let seen = version(tenant.org());
            let cached = match seen {
                Some((v, false)) => cache.get(tenant.org(), v),
                _ => None,
            };
            let endpoints = match cached {
                Some(e) => e,
                None => {
                    let loaded = Arc::new(webhook_endpoint::enabled(txn, tenant).await?);
                    // Only a committed version is cached: one this transaction made may roll
                    // back, and its number be used again for other endpoints.
                    if let Some((v, false)) = seen {
                        cache.put(tenant.org(), v, loaded.clone());
                    }
                    loaded
                }
            };
            for endpoint in endpoints.iter() {
                let kinds = events_of(endpoint)?;
                let heard = events.iter().any(|p| hears(endpoint, &kinds, p.project, p.event_type));
                if heard {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}

/// Organizations whose chains one [`stage`] reads, at most.
const ORGS_PER_STAGE: u64 = 16;

/// What one [`stage`] did.
#[derive(Debug, Default)]
pub struct Staged {
    /// The deliveries written claimed by the caller.
    pub claimed: Vec<webhook_delivery::Model>,
    /// Each organization read, with its head's version of its endpoints and the endpoints the
    /// deliveries were written for (so sending them reads none again).
    pub endpoints: Vec<(OrgId, i64, Endpoints)>,
    /// Whether more may be waiting: a chain was read up to the limit, or as many
    /// organizations as one stage reads were behind.
    pub more: bool,
}

/// Reads the audit chains that moved past their cursors (up to `entries` entries of each, of
/// up to [`ORGS_PER_STAGE`] organizations; only `only_org`'s when given), writes a delivery for
/// each event to each enabled endpoint subscribed to it, and moves the cursors past what was
/// read, in one transaction. The deliveries `claim` takes (it is asked in order) are written
/// claimed by the caller until `until` and answered; the others are left due for any node.
///
/// On SQLite a plain read first looks whether any chain moved, so an idle node's polling
/// takes no write lock; on PostgreSQL the locking read that finds nothing costs the same as
/// that look (a transaction that writes nothing), so none is made.
///
/// Each organization's chain is appended in commit order under its head's row lock, so the
/// entries after a cursor are exactly the committed ones not yet read: an event that rolled
/// back is never read, and one that committed is read once. A cursor is held (`SKIP LOCKED`)
/// by one node at a time.
pub async fn stage(
    db: &praetor_store::DatabaseConnection,
    cache: &EndpointCache,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    only_org: Option<OrgId>,
    entries: u64,
    mut claim: impl FnMut(&webhook_delivery::Model) -> bool,
) -> Result<Staged> {
    if !praetor_store::db::is_postgres(db) && !webhook_cursor::any_behind(db, only_org).await? {
        return Ok(Staged::default());
    }
    let entries = entries.max(1);
    let txn = crate::db::begin_write(db).await?;
    let cursors = webhook_cursor::lock_behind(&txn, only_org, ORGS_PER_STAGE).await?;
    let mut staged = Staged { more: cursors.len() as u64 == ORGS_PER_STAGE, ..Default::default() };
    let mut rows = Vec::new();
    for cursor in cursors {
        let tenant = Tenant::housekeeping(cursor.org_id, Housekeeping::Webhooks);
        let Some(head) = audit_head::of(&txn, tenant).await? else { continue };
        // The endpoints as of the head's version (writes keep them the same way).
        let endpoints = match cache.get(tenant.org(), head.webhooks_version) {
            Some(e) => e,
            None => {
                let loaded = Arc::new(webhook_endpoint::enabled(&txn, tenant).await?);
                cache.put(tenant.org(), head.webhooks_version, loaded.clone());
                loaded
            }
        };
        let subscribed: Vec<(&webhook_endpoint::Model, Vec<String>)> =
            endpoints.iter().map(|e| Ok((e, events_of(e)?))).collect::<Result<_>>()?;
        // Only the kinds someone listens for are read; the cursor moves past the rest.
        let kinds: std::collections::BTreeSet<String> = subscribed
            .iter()
            .flat_map(|(_, names)| names.iter().filter_map(|n| super::audit_kind(n)).map(str::to_string))
            .collect();
        let read = if kinds.is_empty() {
            Vec::new()
        } else {
            audit_event::of_kinds_between(&txn, tenant, cursor.audit_seq, head.seq, kinds, entries).await?
        };
        for entry in &read {
            let Some(event_type) = super::event_type(&entry.kind) else {
                continue;
            };
            let mut body = None;
            for (endpoint, kinds) in &subscribed {
                if entry.seq <= endpoint.from_seq || !hears(endpoint, kinds, entry.project_id, event_type) {
                    continue;
                }
                if body.is_none() {
                    body = Some(event_body(entry, event_type)?);
                }
                let mut row = delivery(endpoint, event_type, body.clone().unwrap_or_default(), now);
                if claim(&row) {
                    row.locked_until = Some(until);
                }
                rows.push(row);
            }
        }
        // A full read stops at its last entry; a shorter one read everything up to the head.
        let to = match read.last() {
            Some(last) if read.len() as u64 == entries => {
                staged.more = true;
                last.seq
            }
            _ => head.seq,
        };
        webhook_cursor::set(&txn, tenant, to).await?;
        staged.endpoints.push((tenant.org(), head.webhooks_version, endpoints));
    }
    for chunk in rows.chunks(500) {
        praetor_store::insert_many(&txn, chunk.to_vec()).await?;
    }
    txn.commit().await?;
    staged.claimed = rows.into_iter().filter(|r| r.locked_until.is_some()).collect();
    Ok(staged)
}

/// Whether `endpoint`, subscribed to `kinds`, hears an event of `event_type` in `project`
/// (`None`: the organization's own): its project's or, with none, any.
fn hears(endpoint: &webhook_endpoint::Model, kinds: &[String], project: Option<ProjectId>, event_type: &str) -> bool {
    (endpoint.project_id.is_none() || endpoint.project_id == project) && kinds.iter().any(|k| k == event_type)
}

/// An endpoint's subscribed event types.
pub fn events_of(endpoint: &webhook_endpoint::Model) -> Result<Vec<String>> {
    crate::error::stored(format_args!("the events of webhook endpoint {}", endpoint.id), &endpoint.events)
}

/// A new pending delivery of `body` to `endpoint`, due now.
pub fn delivery(
    endpoint: &webhook_endpoint::Model,
    event_type: &str,
    body: String,
    now: DateTime<Utc>,
) -> webhook_delivery::Model {
    webhook_delivery::Model {
        id: WebhookDeliveryId::generate(),
        org_id: endpoint.org_id,
        endpoint_id: endpoint.id,
        event_type: event_type.to_string(),
        payload: body,
        status: PENDING.to_string(),
        attempts: 0,
        next_attempt_at: now,
        locked_until: None,
        created_at: now,
        finished_at: None,
    }
}

/// The body endpoints receive: `{"type", "timestamp", "data"}`, where `data` is the audit
/// entry's payload (already free of secrets) with the organization, project, subject, actor
/// and the audit entry's id beside it.
fn event_body(e: &audit_event::Model, event_type: &str) -> Result<String> {
    let mut data = match serde_json::from_str::<Value>(&e.payload) {
        Ok(Value::Object(m)) => m,
        Ok(other) => Map::from_iter([("value".to_string(), other)]),
        Err(err) => return Err(Error::internal(format!("audit payload unreadable: {err}"))),
    };
    data.insert("org".into(), json!(e.org_id.to_string()));
    data.insert("project".into(), json!(e.project_id.map(|p| p.to_string())));
    data.insert("subject".into(), json!(e.subject));
    data.insert(
        "actor".into(),
        crate::error::stored::<Value>(format_args!("the actor of audit entry {}", e.id), &e.actor)?,
    );
    data.insert("auditEventId".into(), json!(e.id.to_string()));
    body(event_type, e.occurred_at, Value::Object(data))
}

/// A webhook body.
pub fn body(event_type: &str, at: DateTime<Utc>, data: Value) -> Result<String> {
    serde_json::to_string(&json!({
        "type": event_type,
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    }))
    .map_err(Error::internal)
}
