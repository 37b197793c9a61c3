//! Outbound webhooks, below the services: which audit events endpoints can subscribe to, the
//! outbox ([`outbox`]: each organization's audit chain, read from a cursor by the deliverer,
//! which writes the deliveries), and sending one delivery the Standard Webhooks way
//! ([`send`]). Endpoints are managed, and deliveries claimed and recorded, by
//! `services::webhooks`.

pub mod outbox;
pub mod send;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::actions::external::Signer;
use crate::secrets::SecretValue;

/// What this node keeps for delivering webhooks.
pub struct Runtime {
    /// Wakes this node's deliverer when a write commits an event an endpoint listens for.
    pub wakeup: tokio::sync::Notify,
    pub sender: send::Sender,
    /// Each organization's enabled endpoints by version, for writes and the deliverer.
    pub endpoints: outbox::EndpointCache,
    /// Decrypted signing secrets (endpoints' and triggers') by secret row and the ciphertext
    /// they came from, so a changed secret is never served from here.
    secrets: std::sync::Mutex<std::collections::HashMap<praetor_store::SecretId, (String, SecretValue)>>,
    /// Each endpoint's signing secrets as of a version of its organization's endpoints (a
    /// rotation makes a new version), so sending deliveries a stage wrote reads none.
    keys: std::sync::Mutex<std::collections::HashMap<praetor_store::WebhookEndpointId, (i64, Keys)>>,
}

/// An endpoint's signing secrets: its current one and, after a rotation, the previous one
/// (which signs alongside until the endpoint's `previous_secret_until`).
#[derive(Clone, Default)]
pub struct Keys {
    pub current: Option<SecretValue>,
    pub previous: Option<SecretValue>,
}

impl Keys {
    /// The secrets that sign for `endpoint` at `now`.
    pub fn signing(
        &self,
        endpoint: &praetor_store::webhook_endpoint::Model,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<SecretValue> {
        let previous =
            self.previous.as_ref().filter(|_| endpoint.previous_secret_until.is_some_and(|until| until > now));
        self.current.iter().chain(previous).cloned().collect()
    }
}

impl Runtime {
    pub fn new(config: &crate::config::WebhooksConfig) -> Self {
        Self {
            wakeup: tokio::sync::Notify::new(),
            sender: send::Sender::new(
                config.allow_private_networks,
                std::time::Duration::from_millis(config.timeout_ms),
            ),
            secrets: Default::default(),
            keys: Default::default(),
            endpoints: Default::default(),
        }
    }

    /// The signing secrets of `endpoints` (all of one organization): those kept for
    /// `version` of its endpoints when given, the others read (and kept for it).
    pub async fn keys<C: praetor_store::Conn>(
        &self,
        db: &C,
        keyring: &crate::secrets::Keyring,
        tenant: praetor_store::Tenant,
        version: Option<i64>,
        endpoints: &[praetor_store::webhook_endpoint::Model],
    ) -> crate::error::Result<std::collections::HashMap<praetor_store::WebhookEndpointId, Keys>> {
        let mut out = std::collections::HashMap::new();
        if let (Some(v), Ok(kept)) = (version, self.keys.lock()) {
            for e in endpoints {
                if let Some((_, keys)) = kept.get(&e.id).filter(|(at, _)| *at == v) {
                    out.insert(e.id, keys.clone());
                }
            }
        }
        let missing: Vec<_> = endpoints.iter().filter(|e| !out.contains_key(&e.id)).collect();
        if missing.is_empty() {
            return Ok(out);
        }
        let names = missing
            .iter()
            .flat_map(|e| [secret_name(&e.id.to_string()), previous_secret_name(&e.id.to_string())])
            .collect::<Vec<_>>();
        let rows = praetor_store::secret::with_names(db, tenant, names).await?;
        for e in missing {
            let mut keys = Keys::default();
            for (name, slot) in [
                (secret_name(&e.id.to_string()), &mut keys.current),
                (previous_secret_name(&e.id.to_string()), &mut keys.previous),
            ] {
                if let Some(row) = rows.iter().find(|r| r.name == name) {
                    *slot = Some(self.secret(db, keyring, row).await?);
                }
            }
            if let (Some(v), Ok(mut kept)) = (version, self.keys.lock()) {
                if kept.len() > 100_000 {
                    kept.clear();
                }
                kept.insert(e.id, (v, keys.clone()));
            }
            out.insert(e.id, keys);
        }
        Ok(out)
    }

    /// The value of a stored secret row, decrypted once per ciphertext.
    pub async fn secret<C: praetor_store::Conn>(
        &self,
        db: &C,
        keyring: &crate::secrets::Keyring,
        row: &praetor_store::secret::Model,
    ) -> crate::error::Result<SecretValue> {
        if let Some((ct, value)) = self.secrets.lock().ok().and_then(|m| m.get(&row.id).cloned())
            && ct == row.ciphertext
        {
            return Ok(value);
        }
        let value = crate::secrets::reveal(db, keyring, row).await?;
        if let Ok(mut m) = self.secrets.lock() {
            if m.len() > 10_000 {
                m.clear();
            }
            m.insert(row.id, (row.ciphertext.clone(), value.clone()));
        }
        Ok(value)
    }
}

/// Every event kind an endpoint may subscribe to: its name, the audit kind it is made from,
/// and what it means.
pub const EVENT_TYPES: &[(&str, &str, &str)] = &[
    ("plan.proposed", "plan.proposed", "a plan was proposed and passed its checks"),
    ("plan.refused", "plan.refused", "a proposal was refused by policy, RBAC or a limit"),
    ("plan.approval_requested", "plan.approval_requested", "a plan waits for an approval stage"),
    ("plan.approved", "plan.approved", "someone approved a plan (one approval of a stage)"),
    ("plan.rejected", "plan.rejected", "a plan was rejected"),
    ("plan.expired", "plan.expired", "a plan's approval request expired"),
    ("plan.started", "plan.started", "a plan started running"),
    ("plan.succeeded", "plan.succeeded", "a plan ran to completion"),
    ("plan.failed", "plan.failed", "a plan failed"),
    ("plan.cancelled", "plan.cancelled", "a plan was cancelled"),
    ("plan.killed", "plan.killed", "a kill switch stopped a plan"),
    ("budget.threshold_crossed", "budget.threshold_crossed", "a budget crossed one of its alert thresholds"),
    (
        "budget.forecast_exhaustion",
        "budget.forecast_exhaustion",
        "a budget's forecast runs out before its day resets (once a day)",
    ),
    ("budget.forecast_cleared", "budget.forecast_cleared", "a budget's forecast fell back within its limit"),
    ("killswitch.engaged", "killswitch.engaged", "a kill switch was engaged"),
    ("killswitch.released", "killswitch.released", "a kill switch was released"),
    ("policy.applied", "policy.applied", "a new policy version was applied"),
    ("grant.requested", "role.grant_requested", "someone asked for a time-boxed role"),
    ("grant.approved", "role.grant_approved", "a time-boxed role was granted"),
    ("grant.rejected", "role.grant_rejected", "a request for a time-boxed role was turned down"),
];

/// The event an endpoint's "send test" delivers (not subscribable: sent to one endpoint).
pub const TEST_EVENT: &str = "webhook.test";

/// The webhook event type an audit kind is delivered as, if any.
pub fn event_type(audit_kind: &str) -> Option<&'static str> {
    EVENT_TYPES.iter().find(|(_, kind, _)| *kind == audit_kind).map(|(name, _, _)| *name)
}

/// The audit kind the event type `name` is made from.
pub fn audit_kind(name: &str) -> Option<&'static str> {
    EVENT_TYPES.iter().find(|(n, _, _)| *n == name).map(|(_, kind, _)| *kind)
}

/// Whether `name` is an event type endpoints can subscribe to.
pub fn is_event_type(name: &str) -> bool {
    EVENT_TYPES.iter().any(|(n, _, _)| *n == name)
}

/// The name of the organization secret holding an endpoint's signing secret.
pub fn secret_name(endpoint: &str) -> String {
    format!("webhook.{endpoint}")
}

/// The name of the secret that still signs alongside for a while after a rotation.
pub fn previous_secret_name(endpoint: &str) -> String {
    format!("webhook.{endpoint}.previous")
}

/// A fresh signing secret: `whsec_` and 32 random bytes, base64 (the Standard Webhooks form).
pub fn new_signing_secret() -> SecretValue {
    let mut key = [0u8; 32];
    rand::fill(&mut key[..]);
    SecretValue::new(format!("whsec_{}", B64.encode(key)))
}

/// The signer of a `whsec_…` secret: its key is the bytes the base64 encodes.
pub fn signer(secret: &SecretValue) -> Option<Signer> {
    let text = secret.expose();
    B64.decode(text.strip_prefix("whsec_").unwrap_or(text)).ok().map(|key| Signer::new(&key))
}

/// The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` for each
/// secret, space-separated (two while a rotated-out secret still signs).
pub fn signature(id: &str, timestamp: i64, body: &[u8], secrets: &[SecretValue]) -> String {
    secrets.iter().filter_map(signer).map(|s| s.sign(id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_kinds_map_to_event_types() {
        assert_eq!(event_type("role.grant_requested"), Some("grant.requested"));
        assert_eq!(event_type("plan.succeeded"), Some("plan.succeeded"));
        assert_eq!(event_type("plan.step_started"), None);
        assert!(is_event_type("killswitch.engaged") && !is_event_type(TEST_EVENT));
    }

    #[test]
    fn signs_with_every_secret_by_its_decoded_key() {
        // The Standard Webhooks specification's example secret and message.
        let secret = SecretValue::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let body = br#"{"test": 2432232314}"#;
        let sig = signature("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, std::slice::from_ref(&secret));
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let two = signature("msg_1", 1, b"{}", &[secret.clone(), new_signing_secret()]);
        assert_eq!(two.split(' ').count(), 2);
        assert!(new_signing_secret().expose().starts_with("whsec_"));
    }
}
