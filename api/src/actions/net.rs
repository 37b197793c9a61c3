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
            let embedded = embedded_ipv4(v6);
            if !embedded.is_empty() {
                // An address that carries an IPv4 address reaches (or is translated to) that
                // address: it is exactly as public as what it embeds.
                return embedded.into_iter().all(|v4| is_public(IpAddr::V4(v4)));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] & 0xffc0) == 0xfec0 // site local (deprecated, still routed by some)
                || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001) // 64:ff9b:1::/48, local-use NAT64
                || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // 100::/64, discard only
                || (s[0] == 0x2001 && s[1] < 0x0200) // 2001::/23, IETF protocol assignments
                || (s[0] == 0x2001 && s[1] == 0x0db8)) // documentation
        }
    }
}

/// The IPv4 addresses an IPv6 address embeds, by every form that does: IPv4-compatible
/// (`::a.b.c.d`, deprecated but still parsed), IPv4-mapped (`::ffff:a.b.c.d`), IPv4-translated
/// (`::ffff:0:a.b.c.d`, SIIT), the well-known NAT64 prefix (`64:ff9b::a.b.c.d`), 6to4
/// (`2002:AABB:CCDD::`) and Teredo (`2001:0::`, server and obfuscated client). Empty for a
/// native IPv6 address.
fn embedded_ipv4(v6: std::net::Ipv6Addr) -> Vec<std::net::Ipv4Addr> {
    use std::net::Ipv4Addr;
    let s = v6.segments();
    let o = v6.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    let zero = |range: std::ops::Range<usize>| s[range].iter().all(|x| *x == 0);
    if zero(0..5) && (s[5] == 0 || s[5] == 0xffff) {
        // `::` and `::1` land here too, as 0.0.0.0 and 0.0.0.1: neither is public.
        return vec![tail];
    }
    if zero(0..4) && s[4] == 0xffff && s[5] == 0 {
        return vec![tail];
    }
    if s[0] == 0x0064 && s[1] == 0xff9b && zero(2..6) {
        return vec![tail];
    }
    if s[0] == 0x2002 {
        return vec![Ipv4Addr::new(o[2], o[3], o[4], o[5])];
    }
    if s[0] == 0x2001 && s[1] == 0 {
        let server = Ipv4Addr::new(o[4], o[5], o[6], o[7]);
        let client = Ipv4Addr::new(!o[12], !o[13], !o[14], !o[15]);
        return vec![server, client];
    }
    Vec::new()
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
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "::ffff:0:7f00:1",
            "::ffff:0:c0a8:101",
            "2002:7f00:1::1",
            "2002:a00:1::",
            "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo whose client is 127.0.0.1
            "2001:0:a00:1:8000:63bf:3fff:fdd2",     // Teredo whose server is 10.0.0.1
            "fec0::1",
            "100::1",
            "2001:db8::1",
            "::",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "1.1.1.1",
            "93.184.216.34",
            "2606:4700:4700::1111",
            "::ffff:1.1.1.1",
            "64:ff9b::101:101",
            "::ffff:0:101:101",
            "2002:101:101::1",
            "2001:0:4136:e378:8000:63bf:fefe:fefe", // Teredo: public server, client 1.1.1.1
        ] {
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
