//! Browser sessions: a random token in an HttpOnly, SameSite=Strict cookie; the database keeps
//! only its hash. CSRF is closed by the cookie's SameSite and by the HTTP layer accepting only
//! JSON bodies on POST (a cross-site form cannot send one without a CORS preflight).

use chrono::Duration;
use praetor_store::DatabaseConnection;
use praetor_store::{IdentityProviderId, OrgId, UserId, user, user_session};

use super::{Credential, CredentialKind, Principal, Subject, hash_secret, random_token};
use crate::clock::Clock;
use crate::error::Result;

pub struct NewSession {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// How a session began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Began {
    /// E-mail address and password (and the second factor, if the person has one): it may not
    /// enter organizations that switched local accounts off.
    Password,
    /// At an organization's identity provider: it enters that organization only.
    Provider(OrgId, IdentityProviderId),
    /// The demo and development sign-in.
    Demo,
}

impl Began {
    fn method(self) -> &'static str {
        match self {
            Began::Password => "password",
            Began::Provider(..) => "provider",
            Began::Demo => "demo",
        }
    }
}

/// Starts a session for `user`, begun as `began` says.
pub async fn create<C: praetor_store::Conn>(
    db: &C,
    clock: &dyn Clock,
    user: UserId,
    ttl_hours: u32,
    began: Began,
) -> Result<NewSession> {
    let at_provider = match began {
        Began::Provider(org, provider) => Some((org, provider)),
        Began::Password | Began::Demo => None,
    };
    let token = random_token(32);
    let now = clock.now();
    let expires_at = now + Duration::hours(i64::from(ttl_hours));
    praetor_store::insert(
        db,
        user_session::Model {
            token_hash: hash_secret(&token),
            user_id: user,
            created_at: now,
            expires_at,
            org_id: at_provider.map(|(org, _)| org),
            provider_id: at_provider.map(|(_, p)| p),
            method: began.method().into(),
        },
    )
    .await?;
    // Sessions are few per user; expired ones are cleaned when a new one starts.
    user_session::delete_expired(db, now).await?;
    Ok(NewSession { token, expires_at })
}

pub async fn authenticate(db: &DatabaseConnection, clock: &dyn Clock, token: &str) -> Result<Option<Principal>> {
    let hash = hash_secret(token);
    let Some(session) = user_session::by_token_hash(db, &hash).await? else {
        return Ok(None);
    };
    if session.expires_at <= clock.now() {
        return Ok(None);
    }
    let user = user::by_id(db, session.user_id).await?;
    Ok(user.map(|u| Principal {
        credential: Some(Credential {
            kind: if session.method == Began::Password.method() {
                CredentialKind::PasswordSession
            } else {
                CredentialKind::Session
            },
            hash,
            expires_at: Some(session.expires_at),
        }),
        key_org: session.org_id,
        ..Principal::new(Subject::User(u))
    }))
}

/// Ends a session: its row goes, and every node stops honouring it at once (open websockets
/// signed in with it are closed). Answers the session when there was one.
pub async fn destroy(app: &crate::AppState, token: &str) -> Result<Option<user_session::Model>> {
    let hash = hash_secret(token);
    let mut w = app.write(Vec::new()).await?;
    let found = user_session::by_token_hash(w.txn(), &hash).await?;
    let gone = user_session::delete_by_token_hash(w.txn(), &hash).await?;
    if gone {
        w.publish(crate::events::Event::CredentialEnded { hash: hash.clone() });
    }
    w.commit().await?;
    Ok(found.filter(|_| gone))
}

/// The `Set-Cookie` value for a new session.
pub fn cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        super::SESSION_COOKIE,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    cookie("", 0, secure)
}
