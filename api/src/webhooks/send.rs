//! Sending one delivery: the endpoint's address checked against the egress rules (no private,
//! loopback, link-local or metadata address unless configured), resolved once and pinned,
//! redirects not followed, the body signed the Standard Webhooks way.
//!
//! A pinned client is kept per host for a short while so deliveries to one endpoint reuse
//! their connections; when it lapses the name is resolved and checked again.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::Url;

use crate::actions::net::Egress;
use crate::secrets::SecretValue;

/// How long a resolved, checked address (and its client's connections) is reused.
const PIN_FOR: Duration = Duration::from_secs(30);

/// Most of an answer kept with an attempt, in bytes.
pub const RESPONSE_EXCERPT: usize = 1024;

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx.
    Delivered,
    /// 410 Gone: the endpoint asks never to be called again.
    Gone,
    /// Anything else: try again later.
    Failed,
}

#[derive(Debug, Clone)]
pub struct Attempt {
    pub outcome: Outcome,
    pub status: Option<u16>,
    pub latency_ms: i64,
    /// The start of the answer, or why there was none.
    pub response: String,
}

/// Checks endpoint URLs and sends deliveries.
pub struct Sender {
    egress: Egress,
    timeout: Duration,
    clients: Mutex<HashMap<(String, u16), (Instant, reqwest::Client)>>,
}

impl Sender {
    pub fn new(allow_private: bool, timeout: Duration) -> Self {
        Self { egress: Egress::new(vec!["*".into()], allow_private), timeout, clients: Mutex::new(HashMap::new()) }
    }

    /// Whether `url` may be an endpoint: http(s), and every address its host resolves to is
    /// public (unless private networks are allowed). The message says what is wrong.
    pub async fn check(&self, url: &str) -> Result<Url, String> {
        let parsed = Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("put no credentials in the URL; the signature authenticates Praetor".into());
        }
        self.egress.check(&parsed).await.map_err(|e| e.message)?;
        Ok(parsed)
    }

    async fn client(&self, url: &Url) -> Result<reqwest::Client, String> {
        let host = url.host_str().unwrap_or_default().to_string();
        let key = (host.clone(), url.port_or_known_default().unwrap_or(443));
        if let Some((at, client)) = self.clients.lock().ok().and_then(|m| m.get(&key).cloned())
            && at.elapsed() < PIN_FOR
        {
            return Ok(client);
        }
        let (host, addr): (String, SocketAddr) = self.egress.check(url).await.map_err(|e| e.message)?;
        let client = self.egress.pinned_client(&host, addr, self.timeout).map_err(|e| e.message)?;
        if let Ok(mut m) = self.clients.lock() {
            m.retain(|_, (at, _)| at.elapsed() < PIN_FOR);
            m.insert(key, (Instant::now(), client.clone()));
        }
        Ok(client)
    }

    /// Sends `body` to `url` as delivery `id`, signed with each of `secrets`.
    pub async fn send(&self, url: &str, id: &str, timestamp: i64, body: &str, secrets: &[SecretValue]) -> Attempt {
        let started = Instant::now();
        let failed = |response: String| Attempt {
            outcome: Outcome::Failed,
            status: None,
            latency_ms: started.elapsed().as_millis() as i64,
            response,
        };
        let url = match Url::parse(url) {
            Ok(u) => u,
            Err(e) => return failed(format!("bad URL: {e}")),
        };
        let client = match self.client(&url).await {
            Ok(c) => c,
            Err(e) => return failed(format!("refused: {e}")),
        };
        let signature = super::signature(id, timestamp, body.as_bytes(), secrets);
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header("user-agent", concat!("Praetor-Webhooks/", env!("CARGO_PKG_VERSION")))
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_string())
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return failed(format!("no answer within {} ms", self.timeout.as_millis())),
            Err(e) => return failed(format!("request failed: {}", without_url(&e))),
        };
        let status = resp.status();
        let mut excerpt = Vec::new();
        let mut resp = resp;
        while excerpt.len() < RESPONSE_EXCERPT {
            match resp.chunk().await {
                Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
                _ => break,
            }
        }
        excerpt.truncate(RESPONSE_EXCERPT);
        let outcome = if status.is_success() {
            Outcome::Delivered
        } else if status.as_u16() == 410 {
            Outcome::Gone
        } else {
            Outcome::Failed
        };
        Attempt {
            outcome,
            status: Some(status.as_u16()),
            latency_ms: started.elapsed().as_millis() as i64,
            response: String::from_utf8_lossy(&excerpt).into_owned(),
        }
    }
}

/// A request error without the URL reqwest puts in it (a URL may carry a token).
fn without_url(e: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut last = e.to_string();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}
