//! Outbound HTTP for actions: the egress policy (an allowlist of hosts per organization, and no
//! private, loopback or link-local addresses unless configuration allows them) and the
//! `http.request` handler.
//!
//! The host is resolved once, every resolved address is checked, and the request is pinned to
//! the checked address, so a DNS answer that changes between check and connect (rebinding)
//! cannot reach an internal address. Redirects are not followed.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Url;
use serde_json::{Map, Value, json};

use super::{Handler, HandlerCtx, HandlerError, Outcome};

/// Largest response body recorded, in bytes.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Default)]
pub struct Egress {
    /// Lists of host patterns (`api.example.com`, `*.example.com`); a host must be in every
    /// list. No list means nothing is allowed.
    allow: Vec<Vec<String>>,
    allow_private: bool,
}

impl Egress {
    pub fn deny_all() -> Self {
        Self::default()
    }

    pub fn new(allow: Vec<String>, allow_private: bool) -> Self {
        Self::with_lists(vec![allow], allow_private)
    }

    /// One allowlist per policy level (each level may only narrow what the others allow).
    pub fn with_lists(lists: Vec<Vec<String>>, allow_private: bool) -> Self {
        let allow = lists
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(|l| l.into_iter().map(|h| h.to_ascii_lowercase()).collect())
            .collect();
        Self { allow, allow_private }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        !self.allow.is_empty()
            && self.allow.iter().all(|list: &Vec<String>| {
                list.iter().any(|pattern| match pattern.strip_prefix("*.") {
                    Some(suffix) => host.ends_with(&format!(".{suffix}")),
                    None => *pattern == host || pattern == "*",
                })
            })
    }

    /// Checks `url` and resolves it to the addresses it may use.
    pub async fn check(&self, url: &Url) -> Result<(String, SocketAddr), HandlerError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HandlerError::permanent(format!("scheme `{}` is not allowed (http or https)", url.scheme())));
        }
        let host = url.host_str().ok_or_else(|| HandlerError::permanent("the URL has no host"))?.to_string();
        if !self.host_allowed(host.trim_matches(['[', ']'])) {
            return Err(HandlerError::permanent(format!(
                "host `{host}` is not in the organization's egress allowlist"
            )));
        }
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| HandlerError::transient(format!("cannot resolve {host}: {e}")))?
            .collect();
        let first = *addrs.first().ok_or_else(|| HandlerError::transient(format!("{host} resolved to no address")))?;
        if !self.allow_private
            && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip()))
        {
            return Err(HandlerError::permanent(format!(
                "{host} resolves to {}, a private, loopback or link-local address; refused",
                bad.ip()
            )));
        }
        Ok((host, first))
    }

    /// A client that can only reach `addr` for `host`.
    pub fn pinned_client(
        &self,
        host: &str,
        addr: SocketAddr,
        timeout: Duration,
    ) -> Result<reqwest::Client, HandlerError> {
        reqwest::Client::builder()
            .resolve(host, addr)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .map_err(|e| HandlerError::permanent(format!("HTTP client: {e}")))
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10, carrier-grade NAT
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15, benchmarking
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] == 0x2001 && s[1] == 0x0db8)) // documentation
        }
    }
}

/// Reads at most [`MAX_RESPONSE_BYTES`] of a response and turns it into JSON when it is JSON.
pub async fn read_body(resp: reqwest::Response) -> Result<(Value, bool), HandlerError> {
    let mut resp = resp;
    let mut buf = Vec::new();
    let mut truncated = false;
    while let Some(chunk) =
        resp.chunk().await.map_err(|e| HandlerError::transient(format!("reading the response: {e}")))?
    {
        if buf.len() + chunk.len() > MAX_RESPONSE_BYTES {
            buf.extend_from_slice(&chunk[..MAX_RESPONSE_BYTES - buf.len()]);
            truncated = true;
            break;
        }
        buf.extend_from_slice(&chunk);
    }
    let body = match serde_json::from_slice::<Value>(&buf) {
        Ok(v) if !truncated => v,
        _ => Value::String(String::from_utf8_lossy(&buf).into_owned()),
    };
    Ok((body, truncated))
}

pub struct HttpRequest;

#[async_trait]
impl Handler for HttpRequest {
    async fn run(&self, ctx: &HandlerCtx<'_>, params: &Value) -> Result<Outcome, HandlerError> {
        let url_text = params.get("url").and_then(Value::as_str).unwrap_or_default();
        let url =
            Url::parse(url_text).map_err(|e| HandlerError::permanent(format!("`{url_text}` is not a URL: {e}")))?;
        let method = params.get("method").and_then(Value::as_str).unwrap_or("GET");
        let method =
            reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| HandlerError::permanent("bad method"))?;
        let timeout =
            Duration::from_secs(params.get("timeoutSeconds").and_then(Value::as_u64).unwrap_or(10).clamp(1, 60));
        let (host, addr) = ctx.egress.check(&url).await?;
        let client = ctx.egress.pinned_client(&host, addr, timeout)?;
        let mut req = client.request(method, url.clone()).header("idempotency-key", ctx.idempotency_key);
        if let Some(headers) = params.get("headers").and_then(Value::as_object) {
            for (k, v) in headers {
                if let Some(v) = v.as_str() {
                    req = req.header(k.as_str(), v);
                }
            }
        }
        if let Some(body) = params.get("body") {
            req = match body {
                Value::String(s) => req.body(s.clone()),
                other => req.json(other),
            };
        }
        let resp = req.send().await.map_err(|e| HandlerError::transient(format!("request to {host} failed: {e}")))?;
        let status = resp.status();
        let mut headers = Map::new();
        for name in ["content-type", "location", "etag"] {
            if let Some(v) = resp.headers().get(name).and_then(|v| v.to_str().ok()) {
                headers.insert(name.into(), json!(v));
            }
        }
        let (body, truncated) = read_body(resp).await?;
        let output = json!({"status": status.as_u16(), "headers": headers, "body": body, "truncated": truncated});
        if status.is_success() {
            Ok(Outcome::Done { output, ops: Vec::new() })
        } else if status.is_server_error() || status.as_u16() == 429 {
            Err(HandlerError::transient(format!("{host} answered {status}")))
        } else {
            Err(HandlerError::permanent(format!("{host} answered {status}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["1.1.1.1", "93.184.216.34", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn allowlist_patterns() {
        let e = Egress::new(vec!["api.example.com".into(), "*.corp.example".into()], false);
        assert!(e.host_allowed("api.example.com"));
        assert!(e.host_allowed("API.example.com"));
        assert!(e.host_allowed("ci.corp.example"));
        assert!(!e.host_allowed("corp.example"));
        assert!(!e.host_allowed("evil-api.example.com"));
        assert!(!Egress::deny_all().host_allowed("api.example.com"));
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_allowed() {
        let url = Url::parse("http://localhost:9/x").unwrap();
        let strict = Egress::new(vec!["localhost".into()], false);
        let err = strict.check(&url).await.unwrap_err();
        assert!(err.message.contains("refused") && !err.retryable, "{}", err.message);
        let lax = Egress::new(vec!["localhost".into()], true);
        assert!(lax.check(&url).await.is_ok());
        let err = strict.check(&Url::parse("ftp://localhost/").unwrap()).await.unwrap_err();
        assert!(err.message.contains("scheme"));
    }
}
