//! API keys. A user may mint personal keys for any organization they belong to; keys for a
//! service account need `api_key.create`. The secret is returned once and never again.
//!
//! No key outlives what made it: a personal key expires no later than the credential (key or
//! session) it was created with, and a service account's key follows the account's key policy
//! (`maxKeyLifetimeDays`) and, when made with an expiring API key, that key's expiry too. An
//! omitted expiry takes the latest one allowed; a later one is refused.

use chrono::{DateTime, Utc};
use praetor_store::{ApiKeyId, ServiceAccountId, api_key, service_account};
use serde_json::json;

use super::page::{Page, PageArgs};
use super::validate;
use crate::AppState;
use crate::audit::Entry;
use crate::auth::{Subject, api_key::mint};
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy)]
pub enum KeyOwner {
    /// The calling user.
    Caller,
    ServiceAccount(ServiceAccountId),
}

/// Creates a key and returns it with its secret (shown once).
pub async fn create(
    app: &AppState,
    access: &OrgAccess,
    owner: KeyOwner,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(api_key::Model, String)> {
    let name = validate::name("name", name)?;
    let principal = access.principal();
    let now = app.clock.now();
    if let Some(t) = expires_at
        && t <= now
    {
        return Err(Error::validation("expiresAt", "must be in the future"));
    }
    // The latest the new key may expire, and why.
    let mut bound: Option<(DateTime<Utc>, String)> = None;
    let mut tighten = |t: DateTime<Utc>, why: String| {
        if bound.as_ref().is_none_or(|(b, _)| t < *b) {
            bound = Some((t, why));
        }
    };
    let (user_owner, sa_owner, owner_label) = match owner {
        KeyOwner::Caller => match &principal.subject {
            Subject::User(u) => {
                if let Some(t) = principal.credential_expires_at() {
                    tighten(t, "the credential you are signed in with expires then".into());
                }
                (Some(u.id), None, u.email.clone())
            }
            Subject::ServiceAccount(_) => {
                return Err(Error::validation(
                    "serviceAccountId",
                    "a service account must name the account the key is for",
                ));
            }
            Subject::Agent(_) => return Err(Error::forbidden("agents have no API keys")),
        },
        KeyOwner::ServiceAccount(id) => {
            access.permit::<ops::ApiKeyCreate>(Domain::Org)?;
            let sa = service_account::by_id(&app.db, access.tenant(), id)
                .await?
                .ok_or_else(|| Error::not_found("service account"))?;
            if let Some(days) = sa.max_key_lifetime_days {
                tighten(
                    now + chrono::Duration::days(i64::from(days)),
                    format!("the service account's keys live at most {days} days"),
                );
            }
            if principal.via_key().is_some()
                && let Some(t) = principal.credential_expires_at()
            {
                tighten(t, "the API key you are using expires then".into());
            }
            (None, Some(sa.id), sa.name)
        }
    };
    let expires_at = match (expires_at, bound) {
        (None, Some((latest, _))) => Some(latest),
        (Some(t), Some((latest, why))) if t > latest => {
            return Err(Error::validation(
                "expiresAt",
                format!("must be no later than {} ({why})", latest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            ));
        }
        (requested, _) => requested,
    };
    let key = mint();
    let mut w = app.write(principal.chain()).await?;
    let model = praetor_store::insert(
        w.txn(),
        api_key::Model {
            id: ApiKeyId::generate(),
            org_id: access.org_id(),
            owner_user_id: user_owner,
            owner_service_account_id: sa_owner,
            name,
            display_prefix: key.display_prefix.clone(),
            secret_hash: key.secret_hash,
            created_at: w.now(),
            expires_at,
            last_used_at: None,
            revoked_at: None,
        },
    )
    .await?;
    w.audit(
        access.tenant(),
        Entry::new(
            "api_key.created",
            model.id,
            json!({"name": model.name, "owner": owner_label, "prefix": model.display_prefix, "expiresAt": expires_at}),
        ),
    )
    .await?;
    w.commit().await?;
    Ok((model, key.secret))
}

fn is_own(access: &OrgAccess, key: &api_key::Model) -> bool {
    match &access.principal().subject {
        Subject::User(u) => key.owner_user_id == Some(u.id),
        Subject::ServiceAccount(sa) => key.owner_service_account_id == Some(sa.id),
        Subject::Agent(_) => false,
    }
}

/// Revokes a key: the caller's own, or any with `api_key.revoke`. Revoking twice changes
/// nothing and records nothing.
pub async fn revoke(app: &AppState, access: &OrgAccess, id: ApiKeyId) -> Result<api_key::Model> {
    let key = find(app, access, id).await?;
    if !is_own(access, &key) {
        access.permit::<ops::ApiKeyRevoke>(Domain::Org)?;
    }
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let mut w = app.write(access.principal().chain()).await?;
    let active_before = key.clone();
    let mut active = key.clone();
    active.revoked_at = Some(w.now());
    let key = praetor_store::update(w.txn(), &active_before, active).await?;
    // Every node stops honouring it with the commit; sockets opened with it are closed.
    w.publish(crate::events::Event::CredentialEnded { hash: key.secret_hash.clone() });
    w.audit(
        access.tenant(),
        Entry::new("api_key.revoked", key.id, json!({"name": key.name, "prefix": key.display_prefix})),
    )
    .await?;
    w.commit().await?;
    Ok(key)
}

/// A key the caller may see: its own, or any with `api_key.read`; NOT_FOUND otherwise.
pub async fn find(app: &AppState, access: &OrgAccess, id: ApiKeyId) -> Result<api_key::Model> {
    let key = api_key::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("API key"))?;
    if !is_own(access, &key) {
        access.read_permit::<ops::ApiKeyRead>(Domain::Org, "API key")?;
    }
    Ok(key)
}

/// Keys visible to the caller: all with `api_key.read`, otherwise the caller's own.
pub async fn list(app: &AppState, access: &OrgAccess, args: PageArgs<ApiKeyId>) -> Result<Page<api_key::Model>> {
    let owner = if access.may::<ops::ApiKeyRead>(Domain::Org) {
        api_key::Owner::Anyone
    } else {
        match &access.principal().subject {
            Subject::User(u) => api_key::Owner::User(u.id),
            Subject::ServiceAccount(sa) => api_key::Owner::ServiceAccount(sa.id),
            Subject::Agent(_) => api_key::Owner::Nobody,
        }
    };
    let rows = api_key::page_of(&app.db, access.tenant(), owner, args.after, args.fetch_limit()).await?;
    Ok(Page::from_overfetch(rows, args.first))
}
