//! Inbound triggers: another system POSTs JSON to `/hooks/<trigger id>`, signed the Standard
//! Webhooks way with the trigger's secret, and Praetor proposes a plan from the trigger's
//! template, as its service account, through the one decision pipeline: policy, RBAC, budgets,
//! rate limits, approvals and kill switches all apply as to any proposal.
//!
//! The request's `webhook-id` is the proposal's idempotency key, so a replayed request answers
//! the plan the first one made. Every request is audited in the trigger's organization, the
//! refused ones with why.

use praetor_store::{Owned, Tenant, TriggerId, project, secret, service_account, trigger};
use serde_json::{Value, json};

use super::plans::{self, ProposeInput};
use super::validate;
use crate::AppState;
use crate::audit::{Entry, canonical_json};
use crate::auth::{Principal, Subject};
use crate::authz::{Permit, ops};
use crate::error::{Error, Result, conflict_means};
use crate::secrets::{self, SecretValue};
use crate::webhooks;

/// The name of the organization secret that signs requests to trigger `id`.
pub fn secret_name(id: TriggerId) -> String {
    format!("trigger.{id}")
}

/// Creates a trigger; answers it and its secret (shown this once).
pub async fn create(
    app: &AppState,
    permit: &Permit<ops::TriggerManage>,
    project: &project::Model,
    name: &str,
    template: &str,
    args: Value,
    service_account: &str,
) -> Result<(trigger::Model, SecretValue)> {
    let name = validate::slug("name", name)?;
    let tenant = permit.tenant();
    let (template, sa) =
        super::service_accounts::standing_proposal(app, tenant, project, template, &args, service_account).await?;
    let mut w = app.write(permit.principal().chain()).await?;
    let t = praetor_store::insert(
        w.txn(),
        trigger::Model {
            id: TriggerId::generate(),
            org_id: tenant.org(),
            project_id: project.id,
            name,
            template,
            args: canonical_json(&args),
            service_account_id: sa.id,
            enabled: true,
            created_at: w.now(),
        },
    )
    .await
    .map_err(conflict_means("the project already has a trigger with this name"))?;
    let secret = webhooks::new_signing_secret();
    let set_by = permit.principal().chain_json()?;
    let stored = secrets::put(w.txn(), &app.secrets, tenant, &secret_name(t.id), &secret, set_by, w.now()).await?;
    w.audit(
        tenant,
        Entry::new(
            "trigger.created",
            t.id,
            json!({"name": t.name, "project": project.slug, "template": t.template, "serviceAccount": sa.name, "fingerprint": stored.fingerprint}),
        )
        .in_project(project.id),
    )
    .await?;
    w.commit().await?;
    Ok((t, secret))
}

/// The tenant's trigger `id` read in `db`; NOT_FOUND otherwise.
async fn load_trigger<C: praetor_store::Conn>(db: &C, tenant: Tenant, id: TriggerId) -> Result<trigger::Model> {
    trigger::by_id(db, tenant, id).await?.ok_or_else(|| Error::not_found("trigger"))
}

pub async fn find(app: &AppState, permit: &Permit<ops::TriggerManage>, id: TriggerId) -> Result<trigger::Model> {
    load_trigger(&app.db, permit.tenant(), id).await
}

/// The organization's triggers, oldest first.
pub async fn list(app: &AppState, permit: &Permit<ops::TriggerManage>) -> Result<Vec<trigger::Model>> {
    Ok(trigger::all(&app.db, permit.tenant()).await?)
}

/// The service account a trigger proposes as.
pub async fn service_account_of(app: &AppState, t: &trigger::Model) -> Result<service_account::Model> {
    super::service_accounts::proposing_as(app, t.tenant(), t.service_account_id, &format!("trigger {}", t.id)).await
}

/// The fingerprint of the trigger's secret.
pub async fn secret_fingerprint(app: &AppState, t: &trigger::Model) -> Result<Option<String>> {
    secrets::fingerprint_of(&app.db, t.tenant(), &secret_name(t.id)).await
}

/// Enables or disables a trigger (a disabled one refuses every request).
pub async fn set_enabled(
    app: &AppState,
    permit: &Permit<ops::TriggerManage>,
    id: TriggerId,
    enabled: bool,
) -> Result<trigger::Model> {
    let mut w = app.write(permit.principal().chain()).await?;
    let t = load_trigger(w.txn(), permit.tenant(), id).await?;
    let active_before = t.clone();
    let mut active = t.clone();
    active.enabled = enabled;
    let t = praetor_store::update(w.txn(), &active_before, active).await?;
    let kind = if enabled { "trigger.enabled" } else { "trigger.disabled" };
    w.audit(permit.tenant(), Entry::new(kind, t.id, json!({"name": t.name})).in_project(t.project_id)).await?;
    w.commit().await?;
    Ok(t)
}

/// A new secret for the trigger, shown this once; the old one stops working at once.
pub async fn rotate_secret(
    app: &AppState,
    permit: &Permit<ops::TriggerManage>,
    id: TriggerId,
) -> Result<(trigger::Model, SecretValue)> {
    let tenant = permit.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let t = load_trigger(w.txn(), tenant, id).await?;
    let secret = webhooks::new_signing_secret();
    let set_by = permit.principal().chain_json()?;
    let stored = secrets::put(w.txn(), &app.secrets, tenant, &secret_name(t.id), &secret, set_by, w.now()).await?;
    w.audit(
        tenant,
        Entry::new("trigger.secret_rotated", t.id, json!({"fingerprint": stored.fingerprint})).in_project(t.project_id),
    )
    .await?;
    w.commit().await?;
    Ok((t, secret))
}

pub async fn delete(app: &AppState, permit: &Permit<ops::TriggerManage>, id: TriggerId) -> Result<()> {
    let tenant = permit.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let t = load_trigger(w.txn(), tenant, id).await?;
    secret::delete_named(w.txn(), tenant, &secret_name(id)).await?;
    trigger::delete(w.txn(), tenant, id).await?;
    w.audit(tenant, Entry::new("trigger.deleted", id, json!({"name": t.name})).in_project(t.project_id)).await?;
    w.commit().await?;
    Ok(())
}

/// Why a trigger request was refused: the HTTP status, a code and a message for the caller.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }
}

/// A request to a trigger as it arrived.
pub struct Request<'a> {
    pub webhook_id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
    /// `Err(())` when the body was larger than `triggers.max_body_bytes`.
    pub body: std::result::Result<&'a [u8], ()>,
}

/// What an accepted request made.
pub struct Fired {
    pub plan: praetor_store::plan::Model,
}

/// Finds the trigger a request names (before anything about the request is trusted).
pub async fn locate(app: &AppState, id: &str) -> std::result::Result<trigger::Model, Refusal> {
    let not_found = || Refusal::new(404, "NOT_FOUND", "no such trigger");
    let id: TriggerId = id.parse().map_err(|_| not_found())?;
    trigger::find_anywhere(&app.db, id)
        .await
        .map_err(|e| {
            Refusal::new(500, "INTERNAL", format!("looking up the trigger failed: {}", Error::from(e).code()))
        })?
        .ok_or_else(not_found)
}

/// Checks a request to trigger `t` and proposes its plan. Every outcome is audited.
pub async fn fire(app: &AppState, t: &trigger::Model, req: Request<'_>) -> std::result::Result<Fired, Refusal> {
    let sa = service_account_of(app, t)
        .await
        .map_err(|e| Refusal::new(500, "INTERNAL", format!("the request could not be handled ({})", e.code())))?;
    let mut principal = Principal::new(Subject::ServiceAccount(sa));
    principal.key_org = Some(t.org_id);
    let result = check_and_propose(app, t, &principal, &req).await;
    let webhook_id = req.webhook_id.unwrap_or_default().chars().take(200).collect::<String>();
    let entry = match &result {
        Ok(f) => Entry::new("trigger.fired", t.id, json!({"webhookId": webhook_id, "plan": f.plan.id.to_string()})),
        Err(r) => Entry::new(
            "trigger.request_refused",
            t.id,
            json!({"webhookId": webhook_id, "status": r.status, "code": r.code, "reason": r.message}),
        ),
    };
    let recorded = async {
        let mut w = app.write(vec![principal.actor()]).await?;
        w.audit(t.tenant(), entry.in_project(t.project_id)).await?;
        w.commit().await
    };
    if let Err(e) = recorded.await {
        tracing::warn!(trigger = %t.id, "could not audit a trigger request: {e}");
    }
    result
}

async fn check_and_propose(
    app: &AppState,
    t: &trigger::Model,
    principal: &Principal,
    req: &Request<'_>,
) -> std::result::Result<Fired, Refusal> {
    let internal = |e: Error| Refusal::new(500, "INTERNAL", format!("the request could not be handled ({})", e.code()));
    let (Some(id), Some(ts), Some(sig)) = (req.webhook_id, req.timestamp, req.signature) else {
        return Err(Refusal::new(
            400,
            "MISSING_HEADERS",
            "sign the request: webhook-id, webhook-timestamp and webhook-signature are required",
        ));
    };
    if id.is_empty() || id.len() > 200 {
        return Err(Refusal::new(400, "BAD_WEBHOOK_ID", "webhook-id must be 1 to 200 characters"));
    }
    let body = req.body.map_err(|_| {
        Refusal::new(413, "PAYLOAD_TOO_LARGE", format!("the body is over {} bytes", app.config.triggers.max_body_bytes))
    })?;
    let timestamp: i64 =
        ts.trim().parse().map_err(|_| Refusal::new(400, "BAD_TIMESTAMP", "webhook-timestamp must be Unix seconds"))?;
    let now = app.clock.now().timestamp();
    if (now - timestamp).abs() > app.config.triggers.tolerance_seconds {
        return Err(Refusal::new(
            401,
            "STALE_TIMESTAMP",
            format!("webhook-timestamp is more than {} seconds from now", app.config.triggers.tolerance_seconds),
        ));
    }
    let row = secret::by_name(&app.db, t.tenant(), &secret_name(t.id)).await.map_err(|e| internal(e.into()))?;
    let Some(row) = row else {
        return Err(Refusal::new(401, "BAD_SIGNATURE", "the signature does not match"));
    };
    // Decrypted once per value and kept (like endpoints' signing secrets), not per request.
    let secret = app.webhooks.secret(&app.db, &app.secrets, &row).await.map_err(internal)?;
    if !webhooks::signer(&secret).is_some_and(|s| s.verify(id, timestamp, body, sig)) {
        return Err(Refusal::new(401, "BAD_SIGNATURE", "the signature does not match"));
    }
    if !t.enabled {
        return Err(Refusal::new(409, "DISABLED", "the trigger is disabled"));
    }
    let request: Value = serde_json::from_slice(body)
        .map_err(|e| Refusal::new(400, "MALFORMED_JSON", format!("the body is not JSON: {e}")))?;
    let Value::Object(request) = request else {
        return Err(Refusal::new(400, "MALFORMED_JSON", "the body must be a JSON object (the template's arguments)"));
    };
    let mut args: serde_json::Map<String, Value> =
        crate::error::stored(format_args!("the arguments of trigger {}", t.id), &t.args).map_err(internal)?;
    args.extend(request);
    let access = super::orgs::enter_by_id(app, principal, t.org_id).await.map_err(refusal_of)?;
    let input = ProposeInput {
        template: Some(t.template.clone()),
        args: Some(Value::Object(args)),
        idempotency_key: Some(format!("{}:{id}", t.id)),
        run_when_approved: true,
        ..Default::default()
    };
    let plan = plans::propose(app, &access, t.project_id, input).await.map_err(refusal_of)?;
    Ok(Fired { plan })
}

/// A refused proposal as the caller sees it: the error's code and message, no internals.
fn refusal_of(e: Error) -> Refusal {
    let status = match &e {
        Error::Validation { .. } => 422,
        Error::Forbidden(_) | Error::Unauthenticated(_) => 403,
        Error::NotFound(_) => 404,
        Error::Conflict(_) => 409,
        Error::Internal { .. } => 500,
        _ => 422,
    };
    let message = match &e {
        Error::Internal { .. } => "the request could not be handled".to_string(),
        other => other.to_string(),
    };
    Refusal { status, code: e.code(), message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_standard_webhooks_signatures() {
        let signer = webhooks::signer(&SecretValue::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).unwrap();
        let verify = |id: &str, ts: i64, body: &[u8], header: &str| signer.verify(id, ts, body, header);
        let body = br#"{"test": 2432232314}"#;
        let good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        assert!(verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, good));
        assert!(verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, &format!("v1,bm90IGl0 {good}")));
        assert!(!verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, good));
        assert!(!verify("msg_other", 1614265330, body, good));
        assert!(!verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b"{}", good));
        assert!(!verify(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            body,
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        ));
    }
}
