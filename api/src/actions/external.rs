//! External handlers: an Action document with `handler: {external: {url}}` makes Praetor POST a
//! signed request to an integration and take its JSON result.
//!
//! Signing follows Standard Webhooks: headers `webhook-id` (the step's idempotency key, stable
//! across retries), `webhook-timestamp` (Unix seconds) and `webhook-signature`
//! (`v1,` + base64 of HMAC-SHA256 over `id.timestamp.body`). The response body must be a JSON
//! object: `{"output": …, "state": {merge patch}}`, both optional.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::Url;
use serde_json::{Value, json};
use sha2::Sha256;

use super::net::read_body;
use super::{Handler, HandlerCtx, HandlerError, Outcome};
use praetor_domain::state;

/// The secret that signs calls to external handlers.
#[derive(Clone)]
pub struct Signer {
    secret: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer([redacted])")
    }
}

impl Signer {
    pub fn new(secret: &[u8]) -> Self {
        Self { secret: secret.to_vec() }
    }

    /// The HMAC-SHA256 of `id.timestamp.body` under the secret, not yet finalized.
    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret).ok()?;
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        Some(mac)
    }

    /// `v1,<base64 signature>` for `id.timestamp.body`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        match self.mac(id, timestamp, body) {
            Some(mac) => {
                format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
            }
            None => String::new(),
        }
    }

    /// Whether one of the space-separated `v1,` signatures of a `webhook-signature` header is
    /// this secret's for `id.timestamp.body` (compared in constant time).
    pub fn verify(&self, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
        let Some(mac) = self.mac(id, timestamp, body) else {
            return false;
        };
        header
            .split(' ')
            .filter_map(|s| s.strip_prefix("v1,"))
            .filter_map(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .any(|sig| mac.clone().verify_slice(&sig).is_ok())
    }
}

pub struct ExternalHandler {
    pub action: String,
    pub url: String,
    pub timeout: Duration,
    pub signer: Option<Signer>,
}

#[async_trait]
impl Handler for ExternalHandler {
    async fn run(&self, ctx: &HandlerCtx<'_>, params: &Value) -> Result<Outcome, HandlerError> {
        let signer = self.signer.as_ref().ok_or_else(|| {
            HandlerError::permanent("external handlers need `actions.signing_secret` in the configuration")
        })?;
        let url = Url::parse(&self.url).map_err(|e| HandlerError::permanent(format!("handler URL: {e}")))?;
        let (host, addr) = ctx.egress.check(&url).await?;
        let body = serde_json::to_vec(&json!({
            "action": self.action,
            "params": params,
            "plan": ctx.plan,
            "step": ctx.step,
            "idempotencyKey": ctx.idempotency_key,
        }))
        .map_err(|e| HandlerError::permanent(e.to_string()))?;
        let timestamp = ctx.now.timestamp();
        let signature = signer.sign(ctx.idempotency_key, timestamp, &body);
        let resp = ctx
            .egress
            .pinned_client(&host, addr, self.timeout)?
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", ctx.idempotency_key)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header("idempotency-key", ctx.idempotency_key)
            .body(body)
            .send()
            .await
            .map_err(|e| HandlerError::transient(format!("external handler {host}: {e}")))?;
        let status = resp.status();
        let (reply, _) = read_body(resp).await?;
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(HandlerError::transient(format!("external handler answered {status}")));
        }
        if !status.is_success() {
            let detail = reply.get("error").and_then(Value::as_str).unwrap_or("");
            return Err(HandlerError::permanent(format!("external handler answered {status} {detail}")));
        }
        let Value::Object(obj) = reply else {
            return Err(HandlerError::permanent("external handler must answer a JSON object"));
        };
        let mut ops = Vec::new();
        if let Some(patch) = obj.get("state") {
            state::merge_patch_ops(None, patch, &mut ops)
                .map_err(|e| HandlerError::permanent(format!("external handler state patch: {e}")))?;
        }
        Ok(Outcome::Done { output: obj.get("output").cloned().unwrap_or(Value::Null), ops })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example_shape() {
        let s = Signer::new(b"secret");
        let sig = s.sign("msg_1", 1_700_000_000, b"{}");
        assert!(sig.starts_with("v1,"));
        assert_eq!(sig, s.sign("msg_1", 1_700_000_000, b"{}"));
        assert_ne!(sig, s.sign("msg_2", 1_700_000_000, b"{}"));
        assert_ne!(sig, s.sign("msg_1", 1_700_000_001, b"{}"));
        assert_ne!(sig, Signer::new(b"other").sign("msg_1", 1_700_000_000, b"{}"));
        // Known answer computed independently (HMAC-SHA256, key "secret", "msg_1.1700000000.{}").
        assert_eq!(sig, "v1,A5oIrJxXPB/PkULSoVu0e4khvPiqpF9vljmhkSKg0FI=");
    }
}
