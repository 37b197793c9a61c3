//! OpenID Connect, the relying party's side of the protocol: a provider's discovery document
//! and signing keys (cached; fetched again when a token names a key the cache lacks, at most
//! once per `identity.jwks_refresh_min_seconds`), the authorization request with PKCE (S256),
//! `state` and `nonce`, the code exchange, and the one check every token from a provider goes
//! through, ID tokens at sign-in and access tokens on the API alike ([`Oidc::verify`]).
//!
//! Every request to a provider passes the egress rules (no private, loopback or link-local
//! address unless `identity.allow_private_networks`), resolved once and pinned, and never
//! follows a redirect. What people and organizations this vouches for is the services' concern
//! (`services::identity`); this module only speaks the protocol.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, LogoutRequest, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, TokenResponse,
};
use reqwest::Url;
use serde_json::{Map, Value};

pub mod ring_jwt;

use crate::actions::net::Egress;
use crate::config::IdentityConfig;
use crate::error::{Error, Result};

/// Signature algorithms accepted from providers: asymmetric only. `none` never parses, and an
/// HMAC algorithm (whose "key" an attacker could take from the public key set) is refused
/// before any key is looked at.
pub const ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// A token's claims, after [`Oidc::verify`] accepted it.
pub type Claims = Map<String, Value>;

/// What a provider published about itself, with the keys it signs with.
pub struct Provider {
    pub metadata: ProviderMetadataWithLogout,
    fetched: Instant,
    keys: Mutex<Keys>,
    /// Held while the keys are fetched again: requests that miss together wait for one fetch.
    refreshing: tokio::sync::Mutex<()>,
}

struct Keys {
    set: JwkSet,
    fetched: Instant,
}

impl Provider {
    /// Where to send someone signing out, when the provider supports RP-initiated logout:
    /// its end-session endpoint, naming the client and where to come back to.
    pub fn end_session_url(&self, client_id: &str, come_back_to: &str) -> Option<Url> {
        let endpoint = self.metadata.additional_metadata().end_session_endpoint.clone()?;
        let mut request = LogoutRequest::from(endpoint).set_client_id(ClientId::new(client_id.to_string()));
        if let Ok(back) = PostLogoutRedirectUrl::new(come_back_to.to_string()) {
            request = request.set_post_logout_redirect_uri(back);
        }
        Some(request.http_get_url())
    }
}

/// An authorization request: the URL to send the browser to, and what the callback needs.
pub struct Authorization {
    pub url: Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The relying party: discovery and key caches, and the egress rules for provider requests.
pub struct Oidc {
    egress: Egress,
    timeout: Duration,
    skew: i64,
    cache_for: Duration,
    refresh_min: Duration,
    providers: Mutex<HashMap<String, Arc<Provider>>>,
}

/// Why a provider request failed, as one error type for the protocol library.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(String);

impl Oidc {
    pub fn new(config: &IdentityConfig) -> Self {
        ring_jwt::install();
        Self {
            egress: Egress::new(vec!["*".into()], config.allow_private_networks),
            timeout: Duration::from_millis(config.timeout_ms),
            skew: config.clock_skew_seconds,
            cache_for: Duration::from_secs(config.cache_seconds),
            refresh_min: Duration::from_secs(config.jwks_refresh_min_seconds),
            providers: Mutex::new(HashMap::new()),
        }
    }

    /// Sends one request to a provider: the address checked and pinned, no redirects.
    async fn send(
        &self,
        request: openidconnect::HttpRequest,
    ) -> std::result::Result<openidconnect::HttpResponse, FetchError> {
        let url = Url::parse(&request.uri().to_string()).map_err(|e| FetchError(format!("bad URL: {e}")))?;
        let (host, addr) = self.egress.check(&url).await.map_err(|e| FetchError(e.message))?;
        let client = self.egress.pinned_client(&host, addr, self.timeout).map_err(|e| FetchError(e.message))?;
        execute(&client, request).await
    }

    async fn get_json(&self, url: &str) -> Result<Value> {
        let request = openidconnect::http::Request::builder()
            .method("GET")
            .uri(url)
            .header("accept", "application/json")
            .body(Vec::new())
            .map_err(Error::internal)?;
        let response = self.send(request).await.map_err(|e| unreachable_provider(&e.0))?;
        if !response.status().is_success() {
            return Err(unreachable_provider(&format!("{url} answered {}", response.status())));
        }
        serde_json::from_slice(response.body()).map_err(|e| unreachable_provider(&format!("{url}: not JSON: {e}")))
    }

    /// The provider at `issuer`: its discovery document and keys, from the cache when fresh.
    pub async fn provider(&self, issuer: &str) -> Result<Arc<Provider>> {
        if let Some(p) = self.cached(issuer) {
            return Ok(p);
        }
        let issuer_url = IssuerUrl::new(issuer.to_string()).map_err(|e| Error::validation("issuer", e.to_string()))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer_url, &Fetcher(self)).await.map_err(|e| {
            unreachable_provider(&format!("its discovery document could not be read: {}", innermost(&e)))
        })?;
        let set = self.fetch_keys(&metadata).await?;
        let now = Instant::now();
        let provider = Arc::new(Provider {
            metadata,
            fetched: now,
            keys: Mutex::new(Keys { set, fetched: now }),
            refreshing: tokio::sync::Mutex::new(()),
        });
        if let Ok(mut map) = self.providers.lock() {
            map.insert(issuer.to_string(), provider.clone());
        }
        Ok(provider)
    }

    fn cached(&self, issuer: &str) -> Option<Arc<Provider>> {
        let map = self.providers.lock().ok()?;
        map.get(issuer).filter(|p| p.fetched.elapsed() < self.cache_for).cloned()
    }

    /// Forgets what was fetched from `issuer` (its settings changed).
    pub fn forget(&self, issuer: &str) {
        if let Ok(mut map) = self.providers.lock() {
            map.remove(issuer);
        }
    }

    async fn fetch_keys(&self, metadata: &ProviderMetadataWithLogout) -> Result<JwkSet> {
        let url = metadata.jwks_uri().url().to_string();
        let value = self.get_json(&url).await?;
        serde_json::from_value(value).map_err(|e| unreachable_provider(&format!("{url}: not a JSON Web Key Set: {e}")))
    }

    /// The key `kid` names, fetching the set again if it is unknown (rate-limited) or stale.
    async fn key(&self, provider: &Provider, kid: Option<&str>) -> Result<jsonwebtoken::jwk::Jwk> {
        let lookup = |set: &JwkSet| match kid {
            Some(kid) => set.find(kid).cloned(),
            // Without a kid, only a provider with a single key is unambiguous.
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        let cached = |provider: &Provider| -> Result<(Option<jsonwebtoken::jwk::Jwk>, bool)> {
            let keys = provider.keys.lock().map_err(Error::internal)?;
            let stale = keys.fetched.elapsed() >= self.cache_for;
            Ok((lookup(&keys.set).filter(|_| !stale), stale || keys.fetched.elapsed() >= self.refresh_min))
        };
        if let (Some(key), _) = cached(provider)? {
            return Ok(key);
        }
        // One fetch at a time per provider; whoever waited looks at what it brought first.
        let _refreshing = provider.refreshing.lock().await;
        let (found, may_refresh) = cached(provider)?;
        if let Some(key) = found {
            return Ok(key);
        }
        if !may_refresh {
            return Err(Error::Unauthenticated("the token is signed with a key the provider does not publish".into()));
        }
        let set = self.fetch_keys(&provider.metadata).await?;
        let key = lookup(&set);
        if let Ok(mut keys) = provider.keys.lock() {
            *keys = Keys { set, fetched: Instant::now() };
        }
        key.ok_or_else(|| Error::Unauthenticated("the token is signed with a key the provider does not publish".into()))
    }

    /// Starts a sign-in: the authorization URL with PKCE (S256), a fresh `state` and `nonce`.
    pub fn authorize(
        &self,
        provider: &Provider,
        client_id: &str,
        redirect_uri: &str,
        scopes: &[String],
    ) -> Result<Authorization> {
        let client =
            CoreClient::from_provider_metadata(provider.metadata.clone(), ClientId::new(client_id.to_string()), None)
                .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string()).map_err(Error::internal)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Authorization {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges an authorization code (with the PKCE verifier) for the provider's ID token,
    /// as the token text: [`Oidc::verify`] checks it.
    pub async fn exchange(
        &self,
        provider: &Provider,
        client_id: &str,
        client_secret: &str,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<String> {
        let client = CoreClient::from_provider_metadata(
            provider.metadata.clone(),
            ClientId::new(client_id.to_string()),
            Some(ClientSecret::new(client_secret.to_string())),
        )
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string()).map_err(Error::internal)?);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| unreachable_provider(&format!("the provider publishes no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&Fetcher(self))
            .await
            .map_err(|e| Error::Unauthenticated(format!("the provider refused the sign-in: {}", error_chain(&e))))?;
        let token = response
            .id_token()
            .ok_or_else(|| Error::Unauthenticated("the provider answered without an ID token".into()))?;
        Ok(token.to_string())
    }

    /// The one check of a token from a provider: an accepted algorithm, the signature by a key
    /// the provider publishes, the issuer, the audience, the times (within the clock skew),
    /// and the nonce when one was sent. Answers the claims.
    pub async fn verify(
        &self,
        issuer: &str,
        token: &str,
        audience: &str,
        nonce: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Claims> {
        let refuse = |why: &str| Error::Unauthenticated(format!("token refused: {why}"));
        // The algorithm is read as text: `none` and anything unknown are refused by name.
        let (header, _) = unverified_parts(token)?;
        let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or_default();
        let alg = match serde_json::from_value::<Algorithm>(Value::String(alg_name.to_string())) {
            Ok(alg) if ALGORITHMS.contains(&alg) => alg,
            Ok(_) | Err(_) => return Err(refuse(&format!("algorithm `{alg_name}` is not accepted"))),
        };
        let provider = self.provider(issuer).await?;
        let kid = header.get("kid").and_then(Value::as_str);
        let jwk = self.key(&provider, kid).await?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| refuse(&format!("unusable provider key ({e})")))?;
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        // Times are checked below against this server's clock (tests move it), not the OS's.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            refuse(match e.kind() {
                ErrorKind::InvalidSignature => "the signature does not verify",
                ErrorKind::InvalidIssuer => "issued by another issuer",
                ErrorKind::InvalidAudience => "meant for another audience",
                ErrorKind::InvalidAlgorithm => "the algorithm does not match the key",
                ErrorKind::MissingRequiredClaim(_) => "a required claim (exp, iss, aud, sub) is missing",
                _ => "malformed",
            })
        })?;
        let claims = data.claims;
        let at = now.timestamp();
        let time = |name: &str| claims.get(name).and_then(Value::as_i64);
        match time("exp") {
            Some(exp) if exp + self.skew > at => {}
            _ => return Err(refuse("expired")),
        }
        if time("nbf").is_some_and(|nbf| nbf - self.skew > at) {
            return Err(refuse("not valid yet"));
        }
        if time("iat").is_some_and(|iat| iat - self.skew > at) {
            return Err(refuse("issued in the future"));
        }
        if let Some(expected) = nonce {
            let given = claims.get("nonce").and_then(Value::as_str).unwrap_or_default();
            use sha2::{Digest, Sha256};
            // Compared as digests: no early exit that times how much of the nonce matched.
            if Sha256::digest(given.as_bytes()) != Sha256::digest(expected.as_bytes()) {
                return Err(refuse("the nonce does not match this sign-in"));
            }
        }
        Ok(claims)
    }
}

/// A token's header and claims as JSON, checked for nothing: for choosing how to check it (the
/// issuer picks the provider, the algorithm and key id the key). A token that is not three
/// base64url parts of JSON is refused, saying which part is wrong.
pub fn unverified_parts(token: &str) -> Result<(Map<String, Value>, Claims)> {
    use base64::Engine;
    let mut parts = token.split('.');
    let mut part = |name: &str| -> Result<Map<String, Value>> {
        let malformed = |why: String| Error::Unauthenticated(format!("token refused: malformed {name} ({why})"));
        let text = parts.next().ok_or_else(|| malformed("missing".into()))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|e| malformed(e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| malformed(e.to_string()))
    };
    Ok((part("header")?, part("claims")?))
}

/// Sends one of the protocol library's requests with `client` (whose redirect policy and
/// address pinning are the caller's) and answers the response as the library reads it.
pub async fn execute(
    client: &reqwest::Client,
    request: openidconnect::HttpRequest,
) -> std::result::Result<openidconnect::HttpResponse, FetchError> {
    let url = request.uri().to_string();
    let request = reqwest::Request::try_from(request).map_err(|e| FetchError(format!("{url}: {e}")))?;
    let response = client.execute(request).await.map_err(|e| FetchError(format!("{url}: {e}")))?;
    let mut out = openidconnect::http::Response::builder().status(response.status().as_u16());
    for (name, value) in response.headers() {
        out = out.header(name.as_str(), value.as_bytes());
    }
    let body = response.bytes().await.map_err(|e| FetchError(format!("{url}: {e}")))?;
    out.body(body.to_vec()).map_err(|e| FetchError(e.to_string()))
}

/// The protocol library's HTTP client: [`Oidc::send`], one boxed `Send` future per request.
struct Fetcher<'a>(&'a Oidc);

type Fetching<'c> = std::pin::Pin<
    Box<dyn std::future::Future<Output = std::result::Result<openidconnect::HttpResponse, FetchError>> + Send + 'c>,
>;

impl<'c> openidconnect::AsyncHttpClient<'c> for Fetcher<'_> {
    type Error = FetchError;
    type Future = Fetching<'c>;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(self.0.send(request))
    }
}

fn unreachable_provider(detail: &str) -> Error {
    tracing::warn!(detail, "identity provider request failed");
    Error::Unauthenticated(format!("the identity provider could not be reached or answered badly ({detail})"))
}

/// The innermost cause of an error: the one that says what happened, without each layer
/// repeating the URL.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &(dyn std::error::Error + 'static) = e;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}

/// An error and its causes on one line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_symmetric_or_none_algorithm_is_accepted() {
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            assert!(!ALGORITHMS.contains(&alg));
        }
    }
}
