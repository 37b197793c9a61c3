//! The transactional outbox. A [`crate::write::Write`] hands every audit entry whose kind is a
//! webhook event to [`Outbox::add`]; when the write commits, [`Outbox::stage`] writes one
//! delivery row per subscribed endpoint in the same transaction, so an event that rolls back
//! is never sent and one that commits is never lost (a worker on any node sends it later).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use praetor_store::{OrgId, ProjectId, Tenant, WebhookDeliveryId, audit_event, webhook_delivery, webhook_endpoint};
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

/// Each organization's enabled endpoints as of a version of them (`audit_heads`'
/// `webhooks_version`), so a write whose organization has no endpoint, or the same ones as
/// before, reads none.
#[derive(Default)]
pub struct EndpointCache(Mutex<HashMap<OrgId, (i64, Endpoints)>>);

/// An organization's enabled endpoints, shared.
type Endpoints = Arc<Vec<webhook_endpoint::Model>>;

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
    event: audit_event::Model,
}

/// The webhook events of one write, waiting for it to commit.
#[derive(Default)]
pub struct Outbox {
    pending: Vec<Pending>,
}

impl Outbox {
    /// Keeps `event` for delivery if its kind is a webhook event.
    pub fn add(&mut self, tenant: Tenant, project: Option<ProjectId>, event: &audit_event::Model) {
        if let Some(event_type) = super::event_type(&event.kind) {
            self.pending.push(Pending { tenant, project, event_type, event: event.clone() });
        }
    }

    /// Writes a delivery for every enabled endpoint subscribed to each kept event, in `txn`.
    /// Answers how many it wrote. `version` tells, per organization, the version of its
    /// endpoints this transaction sees (read under the audit chain head's lock) and whether
    /// the transaction changed them: endpoints of an unchanged version come from `cache`.
    pub async fn stage<C: praetor_store::Conn>(
        &mut self,
        txn: &C,
        now: DateTime<Utc>,
        version: impl Fn(OrgId) -> Option<(i64, bool)>,
        cache: &EndpointCache,
    ) -> Result<usize> {
        if self.pending.is_empty() {
            return Ok(0);
        }
        let mut by_org: BTreeMap<Tenant, Vec<Pending>> = BTreeMap::new();
        for p in std::mem::take(&mut self.pending) {
            by_org.entry(p.tenant).or_default().push(p);
        }
        let mut rows = Vec::new();
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
            if endpoints.is_empty() {
                continue;
            }
            let subscribed: Vec<(&webhook_endpoint::Model, Vec<String>)> =
                endpoints.iter().map(|e| Ok((e, events_of(e)?))).collect::<Result<_>>()?;
            for p in &events {
                let mut body = None;
                for (endpoint, kinds) in &subscribed {
                    let project_matches = endpoint.project_id.is_none() || endpoint.project_id == p.project;
                    if !project_matches || !kinds.iter().any(|k| k == p.event_type) {
                        continue;
                    }
                    if body.is_none() {
                        body = Some(event_body(p)?);
                    }
                    rows.push(delivery(endpoint, p.event_type, body.clone().unwrap_or_default(), now));
                }
            }
        }
        let n = rows.len();
        for chunk in rows.chunks(500) {
            praetor_store::insert_many(txn, chunk.to_vec()).await?;
        }
        Ok(n)
    }
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
fn event_body(p: &Pending) -> Result<String> {
    let e = &p.event;
    let mut data = match serde_json::from_str::<Value>(&e.payload) {
        Ok(Value::Object(m)) => m,
        Ok(other) => Map::from_iter([("value".to_string(), other)]),
        Err(err) => return Err(Error::internal(format!("audit payload unreadable: {err}"))),
    };
    data.insert("org".into(), json!(e.org_id.to_string()));
    data.insert("project".into(), json!(p.project.map(|p| p.to_string())));
    data.insert("subject".into(), json!(e.subject));
    data.insert(
        "actor".into(),
        crate::error::stored::<Value>(format_args!("the actor of audit entry {}", e.id), &e.actor)?,
    );
    data.insert("auditEventId".into(), json!(e.id.to_string()));
    body(p.event_type, e.occurred_at, Value::Object(data))
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
