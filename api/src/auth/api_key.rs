//! API keys: `prk_` followed by 64 hex digits of OS randomness. Only a SHA-256 of the key is
//! stored (a key has 256 bits of entropy, so a slow password hash would buy nothing and cost
//! every request). The key is shown once, at creation.

use chrono::Duration;
use praetor_store::DatabaseConnection;
use praetor_store::{Owned, api_key, service_account, user};

use super::{Credential, CredentialKind, Principal, Subject, hash_secret, random_token};
use crate::clock::Clock;
use crate::error::{Error, Result};

pub const KEY_PREFIX: &str = "prk_";
/// How stale `last_used_at` may get before a request refreshes it (avoids a write per request).
const LAST_USED_GRANULARITY_SECS: i64 = 60;

/// A newly minted key: the secret to show once, and what to store.
pub struct NewKey {
    pub secret: String,
    pub secret_hash: String,
    pub display_prefix: String,
}

pub fn mint() -> NewKey {
    let secret = format!("{KEY_PREFIX}{}", random_token(32));
    NewKey {
        secret_hash: hash_secret(&secret),
        display_prefix: secret.chars().take(KEY_PREFIX.len() + 8).collect(),
        secret,
    }
}

fn looks_like_key(token: &str) -> bool {
    token.len() == KEY_PREFIX.len() + 64
        && token.starts_with(KEY_PREFIX)
        && token[KEY_PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Resolves a bearer token to its principal. Unknown, revoked and expired keys all answer the
/// same UNAUTHENTICATED error so a caller cannot probe which keys exist.
pub async fn authenticate(db: &DatabaseConnection, clock: &dyn Clock, token: &str) -> Result<Principal> {
    let denied = || Error::Unauthenticated("invalid, revoked or expired API key".into());
    if !looks_like_key(token) {
        return Err(denied());
    }
    let now = clock.now();
    // Lookup by a unique hash of the secret: no tenant yet, the key names its own org.
    let key = api_key::by_secret_hash(db, &hash_secret(token)).await?.ok_or_else(denied)?;
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|t| t <= now) {
        return Err(denied());
    }
    let subject = match (key.owner_user_id, key.owner_service_account_id) {
        (Some(uid), None) => Subject::User(user::by_id(db, uid).await?.ok_or_else(denied)?),
        (None, Some(said)) => {
            Subject::ServiceAccount(service_account::by_id(db, key.tenant(), said).await?.ok_or_else(denied)?)
        }
        _ => {
            return Err(Error::internal(format!("API key {} has no single owner", key.id)));
        }
    };
    if key.last_used_at.is_none_or(|t| now - t > Duration::seconds(LAST_USED_GRANULARITY_SECS)) {
        api_key::touch(db, key.tenant(), key.id, now).await?;
    }
    let credential =
        Credential { kind: CredentialKind::ApiKey(key.id), hash: key.secret_hash, expires_at: key.expires_at };
    Ok(Principal { subject, key_org: Some(key.org_id), credential: Some(credential), on_behalf_of: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_keys_have_the_prefix_and_shape() {
        let k = mint();
        assert!(looks_like_key(&k.secret));
        assert_eq!(k.display_prefix.len(), 12);
        assert!(k.secret.starts_with(&k.display_prefix));
        assert_eq!(k.secret_hash, hash_secret(&k.secret));
        assert!(!looks_like_key("prk_short"));
        assert!(!looks_like_key(&k.secret.replace("prk_", "xyz_")));
    }
}
