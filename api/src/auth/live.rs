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

use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use super::{Credentials, Principal, hash_secret};
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
    sockets: Mutex<HashMap<String, Vec<(u64, CancellationToken)>>>,
    next_socket: AtomicU64,
    /// Moves whenever a credential ends or the cache is dropped.
    epoch: AtomicU64,
    /// Whether endings on other nodes reach this one.
    hearing: AtomicBool,
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
        let sockets = self.inner.sockets.lock().ok().and_then(|mut s| s.remove(hash)).unwrap_or_default();
        for (_, token) in sockets {
            token.cancel();
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

    /// Registers a socket that authenticated with the credential `hash`; the token is
    /// cancelled when the credential ends. Dropping the guard unregisters it.
    pub fn watch(&self, hash: &str) -> SocketWatch {
        let id = self.inner.next_socket.fetch_add(1, Ordering::Relaxed);
        let token = CancellationToken::new();
        if let Ok(mut sockets) = self.inner.sockets.lock() {
            sockets.entry(hash.to_string()).or_default().push((id, token.clone()));
        }
        SocketWatch { live: self.clone(), hash: hash.to_string(), id, token }
    }

    /// How many sockets are registered (for tests and metrics).
    pub fn sockets(&self) -> usize {
        self.inner.sockets.lock().map(|s| s.values().map(Vec::len).sum()).unwrap_or(0)
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
            && let Some(list) = sockets.get_mut(&self.hash)
        {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                sockets.remove(&self.hash);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Credential, CredentialKind, Subject};
    use praetor_entities::{ServiceAccountId, service_account};

    fn principal(expires_at: Option<chrono::DateTime<chrono::Utc>>) -> Principal {
        let sa = service_account::Model {
            id: ServiceAccountId::generate(),
            org_id: praetor_entities::OrgId::generate(),
            name: "ci".into(),
            description: String::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            max_key_lifetime_days: None,
        };
        Principal {
            credential: Some(Credential {
                kind: CredentialKind::ApiKey(praetor_entities::ApiKeyId::generate()),
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
        let a1 = live.watch("a");
        let a2 = live.watch("a");
        let b = live.watch("b");
        assert_eq!(live.sockets(), 3);
        live.end("a");
        assert!(live.cached("a").is_none());
        assert!(live.cached("b").is_some());
        assert!(a1.ended().is_cancelled() && a2.ended().is_cancelled());
        assert!(!b.ended().is_cancelled());
        drop(b);
        assert_eq!(live.sockets(), 0);
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
