//! Who is calling: API keys (`Authorization: Bearer prk_…`, also in the websocket
//! `connection_init` payload) and browser sessions (an HttpOnly cookie). The result is a
//! [`Principal`], which also carries the chain of principals it acts for (human -> agent -> …).

pub mod api_key;
pub mod live;
pub mod session;

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use praetor_store::DatabaseConnection;
use praetor_store::{AgentId, ApiKeyId, IdentityProviderId, OrgId, service_account, user};

use crate::clock::Clock;
use crate::error::{Error, Result};

pub const SESSION_COOKIE: &str = "praetor_session";

/// The authenticated subject.
#[derive(Debug, Clone)]
pub enum Subject {
    User(user::Model),
    ServiceAccount(service_account::Model),
    /// A planner acting for the person (or service account) at the head of `on_behalf_of`.
    /// Agents never authenticate: they only exist inside a request of the one they act for.
    Agent(AgentIdentity),
}

/// An agent as a principal: its name and role (the action globs it may propose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentIdentity {
    /// `None` for the built-in alias agent that answers when a project chose no agents.
    pub id: Option<AgentId>,
    pub org_id: OrgId,
    pub name: String,
    pub role: Vec<String>,
}

/// The RBAC subject of the built-in agent.
pub const BUILTIN_AGENT_SUBJECT: &str = "agent:builtin";

impl AgentIdentity {
    pub fn rbac_subject(&self) -> String {
        match self.id {
            Some(id) => format!("agent:{}", id.0.simple()),
            None => BUILTIN_AGENT_SUBJECT.to_string(),
        }
    }

    pub fn actor(&self) -> ActorRef {
        let id = self.id.map(|i| i.to_string()).unwrap_or_else(|| "builtin".into());
        ActorRef { kind: praetor_domain::ActorKind::Agent, id, name: self.name.clone() }
    }

    /// Whether the role lets the agent invoke `action`.
    pub fn may_invoke(&self, action: &str) -> bool {
        self.role.iter().any(|g| praetor_policy::glob::matches(g, action))
    }
}

pub use praetor_domain::actor::ActorRef;

/// What a request authenticated with: which credential, and when it ends by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub kind: CredentialKind,
    /// SHA-256 of the secret: how caches and revocation notices name the credential (the
    /// secret itself is never kept).
    pub hash: String,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    ApiKey(ApiKeyId),
    /// A browser session begun at an identity provider or by the demo sign-in.
    Session,
    /// A browser session begun with a password (local accounts).
    PasswordSession,
    /// A JWT from an organization's identity provider (this one).
    ProviderToken(IdentityProviderId),
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub subject: Subject,
    /// The one organization the credential is valid in: an API key's, a provider token's, or
    /// that of the identity provider a browser session began at. None for other sessions.
    pub key_org: Option<OrgId>,
    /// The credential that authenticated this request (none for work done later on someone's
    /// behalf, such as a queued plan re-checked against its proposer).
    pub credential: Option<Credential>,
    /// Principals this one acts for, outermost first (a human, then agents). Empty when the
    /// subject acts for itself.
    pub on_behalf_of: Vec<ActorRef>,
}

impl Principal {
    pub fn new(subject: Subject) -> Self {
        Self { subject, key_org: None, credential: None, on_behalf_of: Vec::new() }
    }

    /// The key that authenticated this request, if it was a key.
    pub fn via_key(&self) -> Option<ApiKeyId> {
        match self.credential.as_ref()?.kind {
            CredentialKind::ApiKey(id) => Some(id),
            CredentialKind::Session | CredentialKind::PasswordSession | CredentialKind::ProviderToken(_) => None,
        }
    }

    /// Whether this request comes from a session begun with a password.
    pub fn via_password(&self) -> bool {
        self.credential.as_ref().is_some_and(|c| c.kind == CredentialKind::PasswordSession)
    }

    /// When the credential of this request ends by itself, if it does.
    pub fn credential_expires_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.credential.as_ref().and_then(|c| c.expires_at)
    }

    /// The subject as written in RBAC rules: `user:<uuid>`, `sa:<uuid>` or `agent:<uuid>`.
    pub fn rbac_subject(&self) -> String {
        match &self.subject {
            Subject::User(u) => rbac_user(u.id.0),
            Subject::ServiceAccount(sa) => rbac_service_account(sa.id.0),
            Subject::Agent(a) => a.rbac_subject(),
        }
    }

    pub fn actor(&self) -> ActorRef {
        match &self.subject {
            Subject::User(u) => {
                ActorRef { kind: praetor_domain::ActorKind::User, id: u.id.to_string(), name: u.email.clone() }
            }
            Subject::ServiceAccount(sa) => ActorRef {
                kind: praetor_domain::ActorKind::ServiceAccount,
                id: sa.id.to_string(),
                name: sa.name.clone(),
            },
            Subject::Agent(a) => a.actor(),
        }
    }

    pub fn agent(&self) -> Option<&AgentIdentity> {
        match &self.subject {
            Subject::Agent(a) => Some(a),
            _ => None,
        }
    }

    /// The whole chain, outermost first, ending with this subject.
    pub fn chain(&self) -> Vec<ActorRef> {
        let mut chain = self.on_behalf_of.clone();
        chain.push(self.actor());
        chain
    }

    /// [`Principal::chain`] as the canonical JSON stored beside what it did (a plan's
    /// proposer, a secret's setter, a grant's requester).
    pub fn chain_json(&self) -> Result<String> {
        let value = serde_json::to_value(self.chain()).map_err(Error::internal)?;
        Ok(praetor_domain::canonical::canonical_json(&value))
    }

    pub fn user(&self) -> Option<&user::Model> {
        match &self.subject {
            Subject::User(u) => Some(u),
            Subject::ServiceAccount(_) | Subject::Agent(_) => None,
        }
    }

    pub fn is_instance_admin(&self) -> bool {
        // An org-bound API key never carries instance-wide powers.
        self.key_org.is_none() && self.user().is_some_and(|u| u.instance_admin)
    }

    /// May this principal act inside `org` at all (before any RBAC check)?
    pub fn may_enter(&self, org: OrgId) -> bool {
        match (&self.subject, self.key_org) {
            (Subject::ServiceAccount(sa), _) => sa.org_id == org,
            (Subject::User(_), Some(key_org)) => key_org == org,
            (Subject::User(_), None) => true,
            // An agent enters only through the access of the one it acts for.
            (Subject::Agent(_), _) => false,
        }
    }
}

pub fn rbac_user(id: uuid::Uuid) -> String {
    format!("user:{}", id.simple())
}

pub fn rbac_service_account(id: uuid::Uuid) -> String {
    format!("sa:{}", id.simple())
}

pub fn rbac_group(id: uuid::Uuid) -> String {
    format!("group:{}", id.simple())
}

/// Credentials found on an HTTP request or a websocket `connection_init` payload.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    pub bearer: Option<String>,
    pub session: Option<String>,
}

impl Credentials {
    pub fn from_headers(headers: &HeaderMap) -> Result<Self> {
        let mut creds = Credentials::default();
        if let Some(value) = headers.get(AUTHORIZATION) {
            let text = value.to_str().map_err(|_| Error::Unauthenticated("malformed Authorization header".into()))?;
            let token = text
                .strip_prefix("Bearer ")
                .or_else(|| text.strip_prefix("bearer "))
                .ok_or_else(|| Error::Unauthenticated("expected `Authorization: Bearer prk_…`".into()))?;
            creds.bearer = Some(token.trim().to_string());
        }
        for value in headers.get_all(COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            for pair in text.split(';') {
                if let Some((name, val)) = pair.trim().split_once('=')
                    && name == SESSION_COOKIE
                    && !val.is_empty()
                {
                    creds.session = Some(val.to_string());
                }
            }
        }
        Ok(creds)
    }

    /// Reads `{"authorization": "Bearer prk_…"}` (or `Authorization`, or `token`) from a
    /// websocket `connection_init` payload.
    pub fn from_init_payload(payload: &serde_json::Value) -> Result<Option<String>> {
        let field =
            ["authorization", "Authorization", "token"].iter().find_map(|k| payload.get(*k)).and_then(|v| v.as_str());
        match field {
            None => Ok(None),
            Some(text) => {
                let token = text.strip_prefix("Bearer ").unwrap_or(text).trim();
                if token.is_empty() {
                    Err(Error::Unauthenticated("empty token in connection_init".into()))
                } else {
                    Ok(Some(token.to_string()))
                }
            }
        }
    }

    /// Resolves the credentials. A bearer token that does not authenticate is an error (the
    /// caller meant to authenticate); a stale session cookie just means anonymous.
    pub async fn authenticate(&self, db: &DatabaseConnection, clock: &dyn Clock) -> Result<Option<Principal>> {
        if let Some(token) = &self.bearer {
            return api_key::authenticate(db, clock, token).await.map(Some);
        }
        if let Some(token) = &self.session {
            return session::authenticate(db, clock, token).await;
        }
        Ok(None)
    }
}

/// Checks bearer JWTs from organizations' identity providers (implemented above this layer,
/// by `services::identity`).
pub trait ProviderTokens: Send + Sync {
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Principal>> + Send + 'a>>;
}

/// Whether a bearer token has the shape of a JWT (three base64url parts), not an API key.
pub fn is_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && parts[..2].iter().all(|p| !p.is_empty())
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// SHA-256 of a secret, hex encoded: what is stored in place of keys and session tokens.
pub fn hash_secret(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `bytes` random bytes from the OS generator, hex encoded.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    hex::encode(buf)
}

/// Rebuilds the principal named by an RBAC subject (`user:<uuid>` or `sa:<uuid>`), for work done
/// later on someone's behalf (a queued plan is re-checked against its proposer's rights).
pub async fn principal_for_subject(
    db: &DatabaseConnection,
    tenant: praetor_store::Tenant,
    subject: &str,
) -> Result<Option<Principal>> {
    let Some((kind, id)) = subject.split_once(':') else {
        return Ok(None);
    };
    let Ok(uuid) = uuid::Uuid::try_parse(id) else {
        return Ok(None);
    };
    Ok(match kind {
        "user" => user::by_id(db, praetor_store::UserId(uuid)).await?.map(|u| Principal::new(Subject::User(u))),
        "sa" => service_account::by_id(db, tenant, praetor_store::ServiceAccountId(uuid))
            .await?
            .map(|sa| Principal::new(Subject::ServiceAccount(sa))),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_bearer_and_session_cookie() {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer prk_abc"));
        h.insert(COOKIE, HeaderValue::from_static("a=b; praetor_session=s3cr3t; c=d"));
        let c = Credentials::from_headers(&h).unwrap();
        assert_eq!(c.bearer.as_deref(), Some("prk_abc"));
        assert_eq!(c.session.as_deref(), Some("s3cr3t"));
    }

    #[test]
    fn rejects_non_bearer_authorization() {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic Zm9vOmJhcg=="));
        assert_eq!(Credentials::from_headers(&h).unwrap_err().code(), "UNAUTHENTICATED");
    }

    #[test]
    fn jwt_shape() {
        assert!(is_jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"));
        assert!(is_jwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."));
        assert!(!is_jwt("prk_0123456789abcdef"));
        assert!(!is_jwt("a.b"));
        assert!(!is_jwt("a.b.c d"));
    }

    #[test]
    fn init_payload_token() {
        let p = serde_json::json!({"authorization": "Bearer prk_x"});
        assert_eq!(Credentials::from_init_payload(&p).unwrap().as_deref(), Some("prk_x"));
        assert_eq!(Credentials::from_init_payload(&serde_json::json!({})).unwrap(), None);
        assert!(Credentials::from_init_payload(&serde_json::json!({"token": ""})).is_err());
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        assert_ne!(random_token(16), random_token(16));
        assert_eq!(random_token(32).len(), 64);
        assert_eq!(hash_secret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
