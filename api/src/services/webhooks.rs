//! Outbound webhook endpoints: org administrators (`webhook.manage`) subscribe a URL to some of
//! the organization's event kinds, for the whole organization or one project. The endpoint's
//! signing secret is made here, kept encrypted with the organization's secrets and shown once;
//! rotating it keeps the previous one signing alongside for `webhooks.previous_secret_hours`.
//! Deliveries are written from the organization's audit chain (`webhooks::outbox`) and sent
//! by [`super::webhook_delivery`].

use chrono::Duration;
use praetor_store::{
    Owned, Tenant, WebhookDeliveryId, WebhookEndpointId, project, secret, webhook_attempt, webhook_cursor,
    webhook_delivery, webhook_endpoint,
};
use serde_json::json;

use super::page::{Page, PageArgs};
use super::validate;
use crate::AppState;
use crate::audit::{Entry, canonical_json};
use crate::authz::{Permit, ops};
use crate::error::{Error, Result};
use crate::secrets::{self, SecretValue};
use crate::webhooks::{self, outbox};

/// Most endpoints an organization may have.
const MAX_ENDPOINTS: usize = 50;

/// What an endpoint is to receive.
pub struct EndpointSpec {
    pub url: String,
    pub events: Vec<String>,
    pub description: String,
}

fn events(list: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = list.iter().map(|e| e.trim().to_string()).collect();
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(Error::validation("events", "subscribe to at least one event kind"));
    }
    if let Some(bad) = out.iter().find(|e| !webhooks::is_event_type(e)) {
        let known: Vec<&str> = webhooks::EVENT_TYPES.iter().map(|(n, _, _)| *n).collect();
        return Err(Error::validation("events", format!("`{bad}` is not an event kind (known: {})", known.join(", "))));
    }
    Ok(out)
}

/// An endpoint URL as audit entries and logs show it: without query or credentials, which may
/// carry a token.
pub fn redacted_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!("{}://{}{}", u.scheme(), u.host_str().unwrap_or_default(), u.path()),
        Err(_) => "(unparsable)".into(),
    }
}

async fn checked_url(app: &AppState, url: &str) -> Result<String> {
    let url = url.trim();
    if url.len() > 2_000 {
        return Err(Error::validation("url", "at most 2000 characters"));
    }
    app.webhooks.sender.check(url).await.map_err(|why| Error::validation("url", why))?;
    Ok(url.to_string())
}

/// Creates an endpoint; answers it and its signing secret (the only time the secret is shown).
pub async fn create(
    app: &AppState,
    permit: &Permit<ops::WebhookManage>,
    project: Option<&project::Model>,
    spec: EndpointSpec,
) -> Result<(webhook_endpoint::Model, SecretValue)> {
    let events = events(&spec.events)?;
    let description = validate::text("description", &spec.description, 500)?;
    let url = checked_url(app, &spec.url).await?;
    let tenant = permit.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let count = webhook_endpoint::count(w.txn(), tenant).await?;
    if count >= MAX_ENDPOINTS as u64 {
        return Err(Error::validation("org", format!("an organization has at most {MAX_ENDPOINTS} endpoints")));
    }
    let endpoint = praetor_store::insert(
        w.txn(),
        webhook_endpoint::Model {
            id: WebhookEndpointId::generate(),
            org_id: tenant.org(),
            project_id: project.map(|p| p.id),
            url,
            description,
            events: canonical_json(&json!(events)),
            enabled: true,
            disabled_reason: None,
            failing_since: None,
            previous_secret_until: None,
            created_at: w.now(),
            updated_at: w.now(),
            from_seq: 0,
        },
    )
    .await?;
    let secret = webhooks::new_signing_secret();
    let set_by = permit.principal().chain_json()?;
    let stored = secrets::put(
        w.txn(),
        &app.secrets,
        tenant,
        &webhooks::secret_name(&endpoint.id.to_string()),
        &secret,
        set_by,
        w.now(),
    )
    .await?;
    w.audit(
        tenant,
        Entry::new(
            "webhook.endpoint_created",
            endpoint.id,
            json!({"url": redacted_url(&endpoint.url), "events": events, "project": project.map(|p| p.slug.clone()), "fingerprint": stored.fingerprint}),
        )
        .in_project(endpoint.project_id),
    )
    .await?;
    let endpoint = hears_from_here(&mut w, endpoint).await?;
    w.webhooks_changed(tenant)?;
    w.commit().await?;
    Ok((endpoint, secret))
}

/// The tenant's endpoint `id` read in `db`, row-locked for the transaction when `lock`;
/// NOT_FOUND otherwise.
async fn load_endpoint<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    id: WebhookEndpointId,
    lock: bool,
) -> Result<webhook_endpoint::Model> {
    let found = if lock {
        webhook_endpoint::lock(db, tenant, id).await?
    } else {
        webhook_endpoint::by_id(db, tenant, id).await?
    };
    found.ok_or_else(|| Error::not_found("webhook endpoint"))
}

/// The organization's endpoint `id`; NOT_FOUND otherwise.
pub async fn find(
    app: &AppState,
    permit: &Permit<ops::WebhookManage>,
    id: WebhookEndpointId,
) -> Result<webhook_endpoint::Model> {
    load_endpoint(&app.db, permit.tenant(), id, false).await
}

/// The organization's delivery `id`; NOT_FOUND otherwise.
pub async fn find_delivery(
    app: &AppState,
    permit: &Permit<ops::WebhookManage>,
    id: WebhookDeliveryId,
) -> Result<webhook_delivery::Model> {
    webhook_delivery::by_id(&app.db, permit.tenant(), id).await?.ok_or_else(|| Error::not_found("webhook delivery"))
}

/// The organization's endpoints, oldest first.
pub async fn list(app: &AppState, permit: &Permit<ops::WebhookManage>) -> Result<Vec<webhook_endpoint::Model>> {
    Ok(webhook_endpoint::all(&app.db, permit.tenant()).await?)
}

/// What an update changes (`None`: unchanged).
#[derive(Default)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    /// Re-enabling clears the reason it was disabled and its failure streak.
    pub enabled: Option<bool>,
}

pub async fn update(
    app: &AppState,
    permit: &Permit<ops::WebhookManage>,
    id: WebhookEndpointId,
    change: EndpointChange,
) -> Result<webhook_endpoint::Model> {
    let url = match &change.url {
        Some(u) => Some(checked_url(app, u).await?),
        None => None,
    };
    let events = change.events.as_deref().map(events).transpose()?;
    let description = change.description.as_deref().map(|d| validate::text("description", d, 500)).transpose()?;
    let mut w = app.write(permit.principal().chain()).await?;
    let current = load_endpoint(w.txn(), permit.tenant(), id, true).await?;
    let active_before = current.clone();
    let mut active = current.clone();
    if let Some(u) = url {
        active.url = u;
    }
    if let Some(e) = &events {
        active.events = canonical_json(&json!(e));
    }
    if let Some(d) = description {
        active.description = d;
    }
    match change.enabled {
        Some(true) if !current.enabled => {
            active.enabled = true;
            active.disabled_reason = None;
            active.failing_since = None;
        }
        Some(false) if current.enabled => {
            active.enabled = false;
            active.disabled_reason = Some("disabled by an administrator".into());
        }
        _ => {}
    }
    active.updated_at = w.now();
    let updated = praetor_store::update(w.txn(), &active_before, active).await?;
    if !updated.enabled && current.enabled {
        fail_pending(&w, &updated).await?;
    }
    w.audit(
        permit.tenant(),
        Entry::new(
            "webhook.endpoint_updated",
            updated.id,
            json!({"url": redacted_url(&updated.url), "events": outbox::events_of(&updated)?, "enabled": updated.enabled}),
        )
        .in_project(updated.project_id),
    )
    .await?;
    let updated = if updated.enabled && !current.enabled { hears_from_here(&mut w, updated).await? } else { updated };
    w.webhooks_changed(permit.tenant())?;
    w.commit().await?;
    Ok(updated)
}

/// Says `endpoint`, just made or enabled by `w`, hears of the events after `w`'s audit entry
/// only, and makes its organization's webhook cursor there if it has none yet.
async fn hears_from_here(
    w: &mut crate::write::Write<'_>,
    mut endpoint: webhook_endpoint::Model,
) -> Result<webhook_endpoint::Model> {
    let tenant = endpoint.tenant();
    let seq = w.audit_seq(tenant).ok_or_else(|| Error::internal("an endpoint enabled before its audit entry"))?;
    webhook_endpoint::start_at(w.txn(), tenant, endpoint.id, seq).await?;
    webhook_cursor::start(w.txn(), tenant, seq).await?;
    endpoint.from_seq = seq;
    Ok(endpoint)
}

/// Gives up the endpoint's pending deliveries (it was disabled).
pub(super) async fn fail_pending(w: &crate::write::Write<'_>, endpoint: &webhook_endpoint::Model) -> Result<()> {
    webhook_delivery::give_up_pending_of(
        w.txn(),
        endpoint.tenant(),
        endpoint.id,
        outbox::PENDING,
        outbox::FAILED,
        w.now(),
    )
    .await?;
    Ok(())
}

/// Deletes an endpoint with its deliveries and signing secrets.
pub async fn delete(app: &AppState, permit: &Permit<ops::WebhookManage>, id: WebhookEndpointId) -> Result<()> {
    let mut w = app.write(permit.principal().chain()).await?;
    let tenant = permit.tenant();
    let endpoint = load_endpoint(w.txn(), tenant, id, false).await?;
    let names = [webhooks::secret_name(&id.to_string()), webhooks::previous_secret_name(&id.to_string())];
    secret::delete_with_names(w.txn(), tenant, names).await?;
    webhook_attempt::delete_of_endpoint(w.txn(), tenant, id).await?;
    webhook_delivery::delete_of_endpoint(w.txn(), tenant, id).await?;
    webhook_endpoint::delete(w.txn(), tenant, id).await?;
    w.audit(
        tenant,
        Entry::new("webhook.endpoint_deleted", id, json!({"url": redacted_url(&endpoint.url)}))
            .in_project(endpoint.project_id),
    )
    .await?;
    w.webhooks_changed(tenant)?;
    w.commit().await?;
    Ok(())
}

/// A new signing secret for the endpoint, answered once; the previous one signs alongside it
/// until `webhooks.previous_secret_hours` have passed, so receivers can switch without loss.
pub async fn rotate_secret(
    app: &AppState,
    permit: &Permit<ops::WebhookManage>,
    id: WebhookEndpointId,
) -> Result<(webhook_endpoint::Model, SecretValue)> {
    let tenant = permit.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let endpoint = load_endpoint(w.txn(), tenant, id, true).await?;
    let set_by = permit.principal().chain_json()?;
    let current = secrets::get(w.txn(), &app.secrets, tenant, &webhooks::secret_name(&id.to_string())).await?;
    if let Some(old) = current {
        secrets::put(
            w.txn(),
            &app.secrets,
            tenant,
            &webhooks::previous_secret_name(&id.to_string()),
            &old,
            set_by.clone(),
            w.now(),
        )
        .await?;
    }
    let secret = webhooks::new_signing_secret();
    let stored =
        secrets::put(w.txn(), &app.secrets, tenant, &webhooks::secret_name(&id.to_string()), &secret, set_by, w.now())
            .await?;
    let until = w.now() + Duration::hours(app.config.webhooks.previous_secret_hours as i64);
    let active_before = endpoint.clone();
    let mut active = endpoint.clone();
    active.previous_secret_until = Some(until);
    active.updated_at = w.now();
    let updated = praetor_store::update(w.txn(), &active_before, active).await?;
    w.audit(
        tenant,
        Entry::new(
            "webhook.secret_rotated",
            id,
            json!({"fingerprint": stored.fingerprint, "previousSignsUntil": until.to_rfc3339()}),
        )
        .in_project(updated.project_id),
    )
    .await?;
    // Deliverers keep signing secrets by the version of the endpoints.
    w.webhooks_changed(tenant)?;
    w.commit().await?;
    Ok((updated, secret))
}

/// The fingerprint of the endpoint's current signing secret.
pub async fn secret_fingerprint(app: &AppState, endpoint: &webhook_endpoint::Model) -> Result<Option<String>> {
    secrets::fingerprint_of(&app.db, endpoint.tenant(), &webhooks::secret_name(&endpoint.id.to_string())).await
}

/// The endpoint's deliveries, newest first, optionally only those in `status`.
pub async fn deliveries(
    app: &AppState,
    endpoint: &webhook_endpoint::Model,
    status: Option<&str>,
    args: PageArgs<WebhookDeliveryId>,
) -> Result<Page<webhook_delivery::Model>> {
    // Newest first: the page after `after` holds the older deliveries.
    let rows = webhook_delivery::newest_of_endpoint(
        &app.db,
        endpoint.tenant(),
        endpoint.id,
        status,
        args.after,
        args.fetch_limit(),
    )
    .await?;
    Ok(Page::from_overfetch(rows, args.first))
}

/// A delivery's attempts, oldest first.
pub async fn attempts(app: &AppState, delivery: &webhook_delivery::Model) -> Result<Vec<webhook_attempt::Model>> {
    Ok(webhook_attempt::of_delivery(&app.db, delivery.tenant(), delivery.id).await?)
}

/// Sends a delivery again (same `webhook-id`), now, with a fresh set of retries.
pub async fn redeliver(
    app: &AppState,
    permit: &Permit<ops::WebhookManage>,
    id: WebhookDeliveryId,
) -> Result<webhook_delivery::Model> {
    let tenant = permit.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let d = webhook_delivery::lock(w.txn(), tenant, id).await?.ok_or_else(|| Error::not_found("webhook delivery"))?;
    let endpoint = load_endpoint(w.txn(), tenant, d.endpoint_id, false).await?;
    if !endpoint.enabled {
        return Err(Error::Conflict("the endpoint is disabled: enable it first".into()));
    }
    let active_before = d.clone();
    let mut active = d.clone();
    active.status = outbox::PENDING.into();
    active.attempts = 0;
    active.next_attempt_at = w.now();
    active.locked_until = None;
    active.finished_at = None;
    let d = praetor_store::update(w.txn(), &active_before, active).await?;
    w.audit(
        tenant,
        Entry::new("webhook.redelivered", d.id, json!({"endpoint": d.endpoint_id.to_string(), "type": d.event_type}))
            .in_project(endpoint.project_id),
    )
    .await?;
    w.commit().await?;
    app.webhooks.wakeup.notify_one();
    Ok(d)
}

/// Queues a `webhook.test` event for the endpoint alone.
pub async fn send_test(
    app: &AppState,
    permit: &Permit<ops::WebhookManage>,
    id: WebhookEndpointId,
) -> Result<webhook_delivery::Model> {
    let tenant = permit.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let endpoint = load_endpoint(w.txn(), tenant, id, false).await?;
    let body = outbox::body(
        webhooks::TEST_EVENT,
        w.now(),
        json!({"org": tenant.org().to_string(), "endpoint": id.to_string(), "message": "a test delivery from Praetor"}),
    )?;
    let row = outbox::delivery(&endpoint, webhooks::TEST_EVENT, body, w.now());
    let d = praetor_store::insert(w.txn(), row).await?;
    w.audit(
        tenant,
        Entry::new("webhook.test_sent", id, json!({"delivery": d.id.to_string()})).in_project(endpoint.project_id),
    )
    .await?;
    w.commit().await?;
    app.webhooks.wakeup.notify_one();
    Ok(d)
}
