//! Credentials as they are now, for every request and for the whole life of a websocket.
//!
//! Authenticating reads the key or session row and its owner. Busy clients and sockets would
//! repeat that for every operation, so a successful answer is cached for [`CACHE_TTL`]; but a
//! credential that ends early must stop working at once, on every node. Revoking a key or
//! signing out publishes [`crate::events::Event::CredentialEnded`] with the commit (and, on
//! PostgreSQL, notifies the other nodes in the same transaction); [`LiveCredentials::end`]
//! then drops the cached answer and closes every socket opened with the credential. A
//! credential's own expiry is checked against the clock at every use, cached or not.
//!
//! Two races are closed by construction: an answer read from the database while a credential
//! was ending is not kept (an epoch counter moves with every ending), and while this node
//! cannot hear the others (its listening connection is down, so a revocation elsewhere could
//! be missed) no cached answer is trusted.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use praetor_store::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use praetor_store::IdentityProviderId;

use super::{Credential, CredentialKind, Credentials, Principal, hash_secret};
use crate::clock::Clock;
use crate::error::Result;

/// How long a successful authentication is reused without reading the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(30);
/// Past this many cached credentials, stale ones are swept on the next insert.
const CACHE_SWEEP_AT: usize = 10_000;

#[derive(Default)]
struct Inner {
    cache: Mutex<HashMap<String, (Principal, Instant)>>,
    /// Sockets by the hash of the credential they authenticated with.
    sockets: Mutex<HashMap<String, Watched>>,
    next_socket: AtomicU64,
    /// Moves whenever a credential ends or the cache is dropped.
    epoch: AtomicU64,
    /// Whether endings on other nodes reach this one.
    hearing: AtomicBool,
}

/// The sockets open with one credential, and the identity provider that issued it (a
/// provider's token), so that disabling the provider closes them.
#[derive(Default)]
struct Watched {
    provider: Option<IdentityProviderId>,
    sockets: Vec<(u64, CancellationToken)>,
}

/// The identity provider that issued a credential, if it is a provider's token.
fn issuer_of(kind: CredentialKind) -> Option<IdentityProviderId> {
    match kind {
        CredentialKind::ProviderToken(p) => Some(p),
        _ => None,
    }
}

/// The credential cache and the registry of open sockets by credential.
#[derive(Clone, Default)]
pub struct LiveCredentials {
    inner: Arc<Inner>,
}

impl LiveCredentials {
    /// `hearing`: whether endings elsewhere are heard from the start (true when this is the
    /// only node; on PostgreSQL the listener says so once it listens).
    pub fn new(hearing: bool) -> Self {
        let live = Self::default();
        live.inner.hearing.store(hearing, Ordering::SeqCst);
        live
    }

    /// Authenticates `creds`, from the cache when a fresh answer is there. A bearer JWT goes to
    /// `tokens` (organizations' identity providers, which live above this layer).
    pub async fn authenticate(
        &self,
        db: &DatabaseConnection,
        clock: &dyn Clock,
        creds: &Credentials,
        tokens: &dyn super::ProviderTokens,
    ) -> Result<Option<Principal>> {
        let Some(token) = creds.bearer.as_ref().or(creds.session.as_ref()) else {
            return Ok(None);
        };
        let hash = hash_secret(token);
        let now = clock.now();
        if let Some(p) = self.cached(&hash)
            && p.credential_expires_at().is_none_or(|t| now < t)
        {
            return Ok(Some(p));
        }
        let epoch = self.inner.epoch.load(Ordering::SeqCst);
        let principal = match creds.bearer.as_deref() {
            Some(token) if super::is_jwt(token) => Some(tokens.authenticate(token).await?),
            _ => creds.authenticate(db, clock).await?,
        };
        if let Some(p) = &principal {
            self.keep(hash, p.clone(), epoch);
        }
        Ok(principal)
    }

    fn cached(&self, hash: &str) -> Option<Principal> {
        if !self.inner.hearing.load(Ordering::SeqCst) {
            return None;
        }
        let cache = self.inner.cache.lock().ok()?;
        cache.get(hash).filter(|(_, at)| at.elapsed() < CACHE_TTL).map(|(p, _)| p.clone())
    }

    fn keep(&self, hash: String, principal: Principal, epoch: u64) {
        let Ok(mut cache) = self.inner.cache.lock() else { return };
        // Something ended while the answer was being read: it may be stale already.
        if self.inner.epoch.load(Ordering::SeqCst) != epoch {
            return;
        }
        if cache.len() >= CACHE_SWEEP_AT {
            cache.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            if cache.len() >= CACHE_SWEEP_AT {
                cache.clear();
            }
        }
        cache.insert(hash, (principal, Instant::now()));
    }

    /// A credential ended: forget it and close every socket that authenticated with it.
    pub fn end(&self, hash: &str) {
        self.inner.epoch.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut cache) = self.inner.cache.lock() {
            cache.remove(hash);
        }
        let watched = self.inner.sockets.lock().ok().and_then(|mut s| s.remove(hash)).unwrap_or_default();
        for (_, token) in watched.sockets {
            token.cancel();
        }
    }

    /// An identity provider was disabled or removed: every token it issued ends here, cached
    /// answers and open sockets alike (its tokens are refused when checked again).
    pub fn end_provider(&self, provider: IdentityProviderId) {
        let mut hashes: Vec<String> = self
            .inner
            .cache
            .lock()
            .map(|cache| {
                cache
                    .iter()
                    .filter(|(_, (p, _))| p.credential.as_ref().and_then(|c| issuer_of(c.kind)) == Some(provider))
                    .map(|(h, _)| h.clone())
                    .collect()
            })
            .unwrap_or_default();
        if let Ok(sockets) = self.inner.sockets.lock() {
            hashes.extend(sockets.iter().filter(|(_, w)| w.provider == Some(provider)).map(|(h, _)| h.clone()));
        }
        // Moves the epoch even when nothing is cached: an answer being read now is not kept.
        self.inner.epoch.fetch_add(1, Ordering::SeqCst);
        for hash in hashes {
            self.end(&hash);
        }
    }

    /// Whether this node hears credentials ending on other nodes. While it does not, nothing
    /// cached is trusted; when it starts hearing again, what was cached before is dropped
    /// (endings sent meanwhile were lost).
    pub fn set_hearing(&self, hearing: bool) {
        self.inner.epoch.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut cache) = self.inner.cache.lock() {
            cache.clear();
        }
        self.inner.hearing.store(hearing, Ordering::SeqCst);
    }

    /// Registers a socket that authenticated with `credential`; the token is cancelled when
    /// the credential ends (or the provider that issued it is disabled). Dropping the guard
    /// unregisters it.
    pub fn watch(&self, credential: &Credential) -> SocketWatch {
        let id = self.inner.next_socket.fetch_add(1, Ordering::Relaxed);
        let token = CancellationToken::new();
        if let Ok(mut sockets) = self.inner.sockets.lock() {
            let watched = sockets.entry(credential.hash.clone()).or_default();
            watched.provider = issuer_of(credential.kind);
            watched.sockets.push((id, token.clone()));
        }
        SocketWatch { live: self.clone(), hash: credential.hash.clone(), id, token }
    }

    /// How many sockets are registered (for tests and metrics).
    pub fn sockets(&self) -> usize {
        self.inner.sockets.lock().map(|s| s.values().map(|w| w.sockets.len()).sum()).unwrap_or(0)
    }
}

/// A socket's registration under its credential.
pub struct SocketWatch {
    live: LiveCredentials,
    hash: String,
    id: u64,
    token: CancellationToken,
}

impl SocketWatch {
    /// Cancelled when the credential ends early (revoked, signed out).
    pub fn ended(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for SocketWatch {
    fn drop(&mut self) {
        if let Ok(mut sockets) = self.live.inner.sockets.lock()
            && let Some(watched) = sockets.get_mut(&self.hash)
        {
            watched.sockets.retain(|(id, _)| *id != self.id);
            if watched.sockets.is_empty() {
                sockets.remove(&self.hash);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Subject;
    use praetor_store::{ServiceAccountId, service_account};

    fn principal(expires_at: Option<chrono::DateTime<chrono::Utc>>) -> Principal {
        let sa = service_account::Model {
            id: ServiceAccountId::generate(),
            org_id: praetor_store::OrgId::generate(),
            name: "ci".into(),
            description: String::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            max_key_lifetime_days: None,
        };
        Principal {
            credential: Some(Credential {
                kind: CredentialKind::ApiKey(praetor_store::ApiKeyId::generate()),
                hash: "h".into(),
                expires_at,
            }),
            ..Principal::new(Subject::ServiceAccount(sa))
        }
    }

    #[test]
    fn an_ending_drops_the_answer_and_cancels_the_sockets_of_that_credential_only() {
        let live = LiveCredentials::new(true);
        let epoch = live.inner.epoch.load(Ordering::SeqCst);
        live.keep("a".into(), principal(None), epoch);
        live.keep("b".into(), principal(None), epoch);
        let a1 = live.watch(&credential("a", CredentialKind::Session));
        let a2 = live.watch(&credential("a", CredentialKind::Session));
        let b = live.watch(&credential("b", CredentialKind::Session));
        assert_eq!(live.sockets(), 3);
        live.end("a");
        assert!(live.cached("a").is_none());
        assert!(live.cached("b").is_some());
        assert!(a1.ended().is_cancelled() && a2.ended().is_cancelled());
        assert!(!b.ended().is_cancelled());
        drop(b);
        assert_eq!(live.sockets(), 0);
    }

    fn credential(hash: &str, kind: CredentialKind) -> Credential {
        Credential { kind, hash: hash.into(), expires_at: None }
    }

    #[test]
    fn a_provider_ended_ends_its_tokens_only() {
        let (ours, theirs) = (IdentityProviderId::generate(), IdentityProviderId::generate());
        let live = LiveCredentials::new(true);
        let epoch = live.inner.epoch.load(Ordering::SeqCst);
        let token = |hash: &str, p| {
            let mut principal = principal(None);
            principal.credential = Some(credential(hash, CredentialKind::ProviderToken(p)));
            principal
        };
        live.keep("cached".into(), token("cached", ours), epoch);
        live.keep("other".into(), token("other", theirs), epoch);
        live.keep("key".into(), principal(None), epoch);
        // A socket whose answer left the cache long ago still closes.
        let socket = live.watch(&credential("socket", CredentialKind::ProviderToken(ours)));
        let elsewhere = live.watch(&credential("elsewhere", CredentialKind::ProviderToken(theirs)));
        live.end_provider(ours);
        assert!(live.cached("cached").is_none());
        assert!(live.cached("other").is_some() && live.cached("key").is_some());
        assert!(socket.ended().is_cancelled());
        assert!(!elsewhere.ended().is_cancelled());
    }

    #[test]
    fn an_answer_read_while_something_ended_is_not_kept() {
        let live = LiveCredentials::new(true);
        let before = live.inner.epoch.load(Ordering::SeqCst);
        live.end("other");
        live.keep("a".into(), principal(None), before);
        assert!(live.cached("a").is_none());
    }

    #[test]
    fn nothing_cached_is_trusted_while_other_nodes_cannot_be_heard() {
        let live = LiveCredentials::new(false);
        let epoch = live.inner.epoch.load(Ordering::SeqCst);
        live.keep("a".into(), principal(None), epoch);
        assert!(live.cached("a").is_none());
        live.set_hearing(true);
        let epoch = live.inner.epoch.load(Ordering::SeqCst);
        live.keep("a".into(), principal(None), epoch);
        assert!(live.cached("a").is_some());
        live.set_hearing(false);
        assert!(live.cached("a").is_none());
    }
}
