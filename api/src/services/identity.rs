//! Organizations' identity providers: configured by org admins (`identity.manage`), signed in
//! through by people (the authorization code flow with PKCE), and trusted for API tokens.
//!
//! A provider belongs to one organization and vouches for people in that organization only: a
//! session begun at it, or a token it issued, enters that organization and no other (the
//! principal's `key_org`). A person is known by the provider's `sub` (linked to a Praetor user
//! at the first sign-in, by a verified e-mail address, or created when the provider allows),
//! and their provider groups, mapped onto Praetor groups, are applied at each sign-in and each
//! new token: memberships added and removed, audited, and kept apart from the ones an admin
//! made. The client secret is the organization secret `identity_provider.<id>`.

use std::collections::BTreeSet;

use praetor_store::{
    GroupId, Housekeeping, IdentityProviderId, Owned, ServiceAccountId, Tenant, UserId, external_identity, group,
    group_member, identity_provider, idp_client_binding, idp_group_mapping, oidc_login, org, secret, service_account,
    user, user_session,
};
use serde_json::{Value, json};

use super::validate;
use crate::AppState;
use crate::audit::Entry;
use crate::auth::{ActorRef, Credential, CredentialKind, Principal, Subject, hash_secret, random_token, session};
use crate::authz::{Permit, ops};
use crate::error::{Error, Result, conflict_means};
use crate::oidc::Claims;
use crate::secrets::{self, SecretValue};
use crate::write::Write;

/// The path providers send people back to.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";

/// The organization secret holding provider `id`'s client secret.
pub fn secret_name(id: IdentityProviderId) -> String {
    format!("identity_provider.{id}")
}

/// A provider's settings as an admin gives them (every field optional on update).
#[derive(Debug, Default, Clone)]
pub struct ProviderInput {
    pub name: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretValue>,
    pub scopes: Option<Vec<String>>,
    pub groups_claim: Option<String>,
    pub allowed_domains: Option<Vec<String>>,
    pub create_users: Option<bool>,
    /// `Some(None)` clears it: no API tokens accepted.
    pub api_audience: Option<Option<String>>,
    /// `Some(None)` clears it: `praetor login` signs in with an API key instead.
    pub device_client_id: Option<Option<String>>,
    pub enabled: Option<bool>,
}

fn json_list(field: &str, text: &str) -> Result<Vec<String>> {
    crate::error::stored(field, text)
}

/// The scopes a provider asks for beside `openid`.
pub fn scopes(p: &identity_provider::Model) -> Result<Vec<String>> {
    json_list("identity_providers.scopes", &p.scopes)
}

/// The e-mail domains a provider admits (empty: any).
pub fn allowed_domains(p: &identity_provider::Model) -> Result<Vec<String>> {
    json_list("identity_providers.allowed_domains", &p.allowed_domains)
}

fn clean_list(field: &str, items: Vec<String>, lower: bool) -> Result<Vec<String>> {
    let mut out = BTreeSet::new();
    for item in items {
        let v = item.trim();
        if v.is_empty() || v.len() > 200 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::validation(field, format!("`{item}` is not a valid entry")));
        }
        out.insert(if lower { v.to_ascii_lowercase() } else { v.to_string() });
    }
    if out.len() > 50 {
        return Err(Error::validation(field, "at most 50 entries"));
    }
    Ok(out.into_iter().collect())
}

fn clean_issuer(issuer: &str) -> Result<String> {
    let v = issuer.trim();
    let url = reqwest::Url::parse(v).map_err(|e| Error::validation("issuer", format!("`{v}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::validation("issuer", "must be an http(s) URL without query or fragment"));
    }
    Ok(v.to_string())
}

/// Checks a provider's issuer answers discovery and publishes keys, so a mistake shows when an
/// admin saves it rather than when people try to sign in.
async fn check_discovery(app: &AppState, issuer: &str) -> Result<()> {
    app.oidc.forget(issuer);
    app.oidc.provider(issuer).await.map(|_| ()).map_err(|e| match e {
        Error::Unauthenticated(m) => Error::validation("issuer", m),
        other => other,
    })
}

/// Adds a provider to the organization.
pub async fn create(
    app: &AppState,
    permit: &Permit<ops::IdentityManage>,
    input: ProviderInput,
) -> Result<identity_provider::Model> {
    let tenant = permit.tenant();
    let name = validate::name("name", input.name.as_deref().unwrap_or_default())?;
    let issuer = clean_issuer(input.issuer.as_deref().unwrap_or_default())?;
    let client_id = validate::name("clientId", input.client_id.as_deref().unwrap_or_default())?;
    let secret = input.client_secret.ok_or_else(|| Error::validation("clientSecret", "is required"))?;
    if secret.expose().is_empty() {
        return Err(Error::validation("clientSecret", "is required"));
    }
    let scopes = clean_list("scopes", input.scopes.unwrap_or_else(|| vec!["email".into(), "profile".into()]), false)?;
    let domains = clean_list("allowedDomains", input.allowed_domains.unwrap_or_default(), true)?;
    let groups_claim = validate::name("groupsClaim", input.groups_claim.as_deref().unwrap_or("groups"))?;
    let audience = input.api_audience.flatten().map(|a| validate::name("apiAudience", &a)).transpose()?;
    let device_client = input.device_client_id.flatten().map(|c| validate::name("deviceClientId", &c)).transpose()?;
    check_discovery(app, &issuer).await?;
    let mut w = app.write(permit.principal().chain()).await?;
    let now = w.now();
    let p = praetor_store::insert(
        w.txn(),
        identity_provider::Model {
            id: IdentityProviderId::generate(),
            org_id: tenant.org(),
            name,
            issuer,
            client_id,
            scopes: serde_json::to_string(&scopes).map_err(Error::internal)?,
            groups_claim,
            allowed_domains: serde_json::to_string(&domains).map_err(Error::internal)?,
            create_users: input.create_users.unwrap_or(false),
            api_audience: audience,
            device_client_id: device_client,
            enabled: input.enabled.unwrap_or(true),
            created_at: now,
            updated_at: now,
        },
    )
    .await
    .map_err(conflict_means("the organization already has an identity provider with this name"))?;
    let set_by = permit.principal().chain_json()?;
    let stored = secrets::put(w.txn(), &app.secrets, tenant, &secret_name(p.id), &secret, set_by, now).await?;
    w.audit(tenant, Entry::new("identity_provider.created", p.id, describe(&p, Some(&stored.fingerprint)))).await?;
    w.commit().await?;
    Ok(p)
}

fn describe(p: &identity_provider::Model, fingerprint: Option<&str>) -> Value {
    let mut v = json!({
        "name": p.name, "issuer": p.issuer, "clientId": p.client_id, "scopes": p.scopes,
        "groupsClaim": p.groups_claim, "allowedDomains": p.allowed_domains, "createUsers": p.create_users,
        "apiAudience": p.api_audience, "deviceClientId": p.device_client_id, "enabled": p.enabled,
    });
    if let Some(f) = fingerprint {
        v["secretFingerprint"] = json!(f);
    }
    v
}

async fn load<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    id: IdentityProviderId,
) -> Result<identity_provider::Model> {
    identity_provider::by_id(db, tenant, id).await?.ok_or_else(|| Error::not_found("identity provider"))
}

pub async fn find(
    app: &AppState,
    permit: &Permit<ops::IdentityManage>,
    id: IdentityProviderId,
) -> Result<identity_provider::Model> {
    load(&app.db, permit.tenant(), id).await
}

/// The organization's providers, oldest first.
pub async fn list(app: &AppState, permit: &Permit<ops::IdentityManage>) -> Result<Vec<identity_provider::Model>> {
    Ok(identity_provider::all(&app.db, permit.tenant()).await?)
}

/// Changes a provider's settings (and its client secret when one is given).
pub async fn update(
    app: &AppState,
    permit: &Permit<ops::IdentityManage>,
    id: IdentityProviderId,
    input: ProviderInput,
) -> Result<identity_provider::Model> {
    let tenant = permit.tenant();
    let issuer = input.issuer.as_deref().map(clean_issuer).transpose()?;
    if let Some(issuer) = &issuer {
        check_discovery(app, issuer).await?;
    }
    let mut w = app.write(permit.principal().chain()).await?;
    let before = load(w.txn(), tenant, id).await?;
    let old_issuer = before.issuer.clone();
    let mut a = before.clone();
    if let Some(name) = &input.name {
        a.name = validate::name("name", name)?;
    }
    if let Some(issuer) = issuer {
        a.issuer = issuer;
    }
    if let Some(c) = &input.client_id {
        a.client_id = validate::name("clientId", c)?;
    }
    if let Some(s) = input.scopes {
        a.scopes = serde_json::to_string(&clean_list("scopes", s, false)?).map_err(Error::internal)?;
    }
    if let Some(d) = input.allowed_domains {
        a.allowed_domains = serde_json::to_string(&clean_list("allowedDomains", d, true)?).map_err(Error::internal)?;
    }
    if let Some(g) = &input.groups_claim {
        a.groups_claim = validate::name("groupsClaim", g)?;
    }
    if let Some(c) = input.create_users {
        a.create_users = c;
    }
    if let Some(aud) = input.api_audience {
        a.api_audience = aud.map(|v| validate::name("apiAudience", &v)).transpose()?;
    }
    if let Some(c) = input.device_client_id {
        a.device_client_id = c.map(|v| validate::name("deviceClientId", &v)).transpose()?;
    }
    let disabling = input.enabled == Some(false);
    if disabling {
        keep_a_way_in(&w, tenant, id).await?;
    }
    if let Some(e) = input.enabled {
        a.enabled = e;
    }
    a.updated_at = w.now();
    let p = praetor_store::update(w.txn(), &before, a)
        .await
        .map_err(conflict_means("the organization already has an identity provider with this name"))?;
    let mut fingerprint = None;
    if let Some(secret) = input.client_secret {
        if secret.expose().is_empty() {
            return Err(Error::validation("clientSecret", "must not be empty"));
        }
        let set_by = permit.principal().chain_json()?;
        let stored = secrets::put(w.txn(), &app.secrets, tenant, &secret_name(p.id), &secret, set_by, w.now()).await?;
        fingerprint = Some(stored.fingerprint);
    }
    let mut details = describe(&p, fingerprint.as_deref());
    if disabling {
        // Disabled is no longer trusted: the sessions begun at it and the tokens it issued
        // end now, everywhere.
        details["sessionsEnded"] =
            json!(super::users::end_sessions(&mut w, user_session::Which::OfProvider(p.id)).await?);
        w.publish(crate::events::Event::ProviderEnded { provider: p.id });
    }
    w.audit(tenant, Entry::new("identity_provider.updated", p.id, details)).await?;
    w.commit().await?;
    app.oidc.forget(&old_issuer);
    Ok(p)
}

/// Locks the organization's row for the rest of `w`, and reads it: the changes that must see
/// each other (local accounts switched off, the last enabled provider disabled or removed)
/// queue here instead of both passing their checks.
async fn locked_org(w: &Write<'_>, tenant: Tenant) -> Result<org::Model> {
    org::lock_own(w.txn(), tenant).await?.ok_or_else(|| Error::not_found("organization"))
}

/// How many of the organization's providers are enabled, leaving out `except`.
async fn enabled_providers(w: &Write<'_>, tenant: Tenant, except: Option<IdentityProviderId>) -> Result<u64> {
    Ok(identity_provider::count_enabled(w.txn(), tenant, except).await?)
}

/// Refuses to leave an organization with local accounts off and no enabled provider: nobody
/// could sign in to it any more.
async fn keep_a_way_in(w: &Write<'_>, tenant: Tenant, leaving: IdentityProviderId) -> Result<()> {
    if locked_org(w, tenant).await?.local_accounts {
        return Ok(());
    }
    if enabled_providers(w, tenant, Some(leaving)).await? == 0 {
        return Err(Error::validation(
            "enabled",
            "this is the organization's last enabled identity provider and local accounts are off: switch local accounts on first",
        ));
    }
    Ok(())
}

/// Switches the organization's local accounts (passwords) on or off. Off needs an enabled
/// identity provider; from then on the organization issues no invitation or reset links and
/// sessions begun with a password do not enter it (they keep working elsewhere).
pub async fn set_local_accounts(
    app: &AppState,
    permit: &Permit<ops::IdentityManage>,
    enabled: bool,
) -> Result<org::Model> {
    let tenant = permit.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let org = locked_org(&w, tenant).await?;
    if org.local_accounts == enabled {
        return Ok(org);
    }
    if !enabled {
        if permit.principal().via_password() {
            return Err(Error::validation(
                "enabled",
                "sign in at the organization's identity provider first (so you know it works): a session begun with a password cannot switch passwords off",
            ));
        }
        if enabled_providers(&w, tenant, None).await? == 0 {
            return Err(Error::validation(
                "enabled",
                "configure and enable an identity provider first: otherwise nobody could sign in",
            ));
        }
    }
    let a_before = org.clone();
    let mut a = org.clone();
    a.local_accounts = enabled;
    let org = praetor_store::update(w.txn(), &a_before, a).await?;
    w.org_changed(tenant);
    w.audit(tenant, Entry::new("org.local_accounts_changed", org.id, json!({"enabled": enabled}))).await?;
    w.commit().await?;
    Ok(org)
}

/// Removes a provider: its sessions end, its synced memberships go, its identities are
/// forgotten (the people stay).
pub async fn delete(app: &AppState, permit: &Permit<ops::IdentityManage>, id: IdentityProviderId) -> Result<()> {
    let tenant = permit.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let p = load(w.txn(), tenant, id).await?;
    keep_a_way_in(&w, tenant, id).await?;
    let synced = group_member::remove_synced_by(w.txn(), tenant, id).await?;
    if synced > 0 {
        w.bump_rbac_version(tenant).await?;
    }
    let sessions = super::users::end_sessions(&mut w, user_session::Which::OfProvider(id)).await?;
    w.publish(crate::events::Event::ProviderEnded { provider: id });
    oidc_login::delete_of_provider(w.txn(), tenant, id).await?;
    external_identity::delete_of_provider(w.txn(), tenant, id).await?;
    idp_group_mapping::delete_of_provider(w.txn(), tenant, id).await?;
    idp_client_binding::delete_of_provider(w.txn(), tenant, id).await?;
    secret::delete_named(w.txn(), tenant, &secret_name(id)).await?;
    identity_provider::delete(w.txn(), tenant, id).await?;
    w.audit(
        tenant,
        Entry::new(
            "identity_provider.deleted",
            id,
            json!({"name": p.name, "syncedMembershipsRemoved": synced, "sessionsEnded": sessions}),
        ),
    )
    .await?;
    w.commit().await?;
    app.oidc.forget(&p.issuer);
    Ok(())
}

/// The fingerprint of a provider's client secret.
pub async fn secret_fingerprint(app: &AppState, p: &identity_provider::Model) -> Result<Option<String>> {
    secrets::fingerprint_of(&app.db, p.tenant(), &secret_name(p.id)).await
}

/// A provider group mapped onto a Praetor group.
pub struct Mapping {
    pub claim_value: String,
    pub group: group::Model,
}

/// A provider's group mappings, by claim value.
pub async fn mappings(app: &AppState, p: &identity_provider::Model) -> Result<Vec<Mapping>> {
    let rows = idp_group_mapping::of_provider(&app.db, p.tenant(), p.id).await?;
    let groups = group::all(&app.db, p.tenant()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            groups.iter().find(|g| g.id == m.group_id).map(|g| Mapping { claim_value: m.claim_value, group: g.clone() })
        })
        .collect())
}

async fn group_by_name<C: praetor_store::Conn>(db: &C, tenant: Tenant, name: &str) -> Result<group::Model> {
    group::by_name(db, tenant, name.trim())
        .await?
        .ok_or_else(|| Error::validation("group", format!("no group named `{}`", name.trim())))
}

/// Maps the provider group `claim_value` onto the Praetor group `group` (by name). Takes
/// effect for each person at their next sign-in or token.
pub async fn map_group(
    app: &AppState,
    permit: &Permit<ops::IdentityManage>,
    id: IdentityProviderId,
    claim_value: &str,
    group_name: &str,
) -> Result<identity_provider::Model> {
    let tenant = permit.tenant();
    let claim_value = validate::text("claimValue", claim_value, 200)?;
    if claim_value.is_empty() {
        return Err(Error::validation("claimValue", "must not be empty"));
    }
    let mut w = app.write(permit.principal().chain()).await?;
    let p = load(w.txn(), tenant, id).await?;
    let g = group_by_name(w.txn(), tenant, group_name).await?;
    praetor_store::insert(
        w.txn(),
        idp_group_mapping::Model {
            provider_id: p.id,
            claim_value: claim_value.clone(),
            group_id: g.id,
            org_id: tenant.org(),
            created_at: w.now(),
        },
    )
    .await
    .map_err(conflict_means("this provider group is already mapped onto that group"))?;
    w.audit(
        tenant,
        Entry::new("identity_provider.group_mapped", p.id, json!({"claimValue": claim_value, "group": g.name})),
    )
    .await?;
    w.commit().await?;
    Ok(p)
}

/// Removes a group mapping; the memberships it made go at each person's next sign-in or token.
pub async fn unmap_group(
    app: &AppState,
    permit: &Permit<ops::IdentityManage>,
    id: IdentityProviderId,
    claim_value: &str,
    group_name: &str,
) -> Result<identity_provider::Model> {
    let tenant = permit.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let p = load(w.txn(), tenant, id).await?;
    let g = group_by_name(w.txn(), tenant, group_name).await?;
    let gone = idp_group_mapping::unmap(w.txn(), tenant, p.id, claim_value.trim(), g.id).await?;
    if gone == 0 {
        return Err(Error::not_found("group mapping"));
    }
    w.audit(
        tenant,
        Entry::new(
            "identity_provider.group_unmapped",
            p.id,
            json!({"claimValue": claim_value.trim(), "group": g.name}),
        ),
    )
    .await?;
    w.commit().await?;
    Ok(p)
}

/// A provider client whose own tokens act as a service account.
pub struct ClientBinding {
    pub client_id: String,
    pub service_account: service_account::Model,
}

pub async fn client_bindings(app: &AppState, p: &identity_provider::Model) -> Result<Vec<ClientBinding>> {
    let rows = idp_client_binding::of_provider(&app.db, p.tenant(), p.id).await?;
    let accounts = service_account::all(&app.db, p.tenant()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|b| {
            accounts
                .iter()
                .find(|a| a.id == b.service_account_id)
                .map(|a| ClientBinding { client_id: b.client_id, service_account: a.clone() })
        })
        .collect())
}

/// Lets tokens the provider issues to its client `client_id` (client credentials) act as the
/// service account `service_account` (by name); `None` removes the binding.
pub async fn bind_client(
    app: &AppState,
    permit: &Permit<ops::IdentityManage>,
    id: IdentityProviderId,
    client_id: &str,
    service_account_name: Option<&str>,
) -> Result<identity_provider::Model> {
    let tenant = permit.tenant();
    let client_id = validate::name("clientId", client_id)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let p = load(w.txn(), tenant, id).await?;
    let unbound = idp_client_binding::unbind(w.txn(), tenant, p.id, &client_id).await?;
    if service_account_name.is_none() && unbound == 0 {
        return Err(Error::not_found("client binding"));
    }
    let mut account_name = None;
    if let Some(name) = service_account_name {
        let sa = service_account::by_name(w.txn(), tenant, name.trim()).await?.ok_or_else(|| {
            Error::validation("serviceAccount", format!("no service account named `{}`", name.trim()))
        })?;
        praetor_store::insert(
            w.txn(),
            idp_client_binding::Model {
                provider_id: p.id,
                client_id: client_id.clone(),
                org_id: tenant.org(),
                service_account_id: sa.id,
                created_at: w.now(),
            },
        )
        .await?;
        account_name = Some(sa.name);
    }
    w.audit(
        tenant,
        Entry::new(
            "identity_provider.client_bound",
            p.id,
            json!({"clientId": client_id, "serviceAccount": account_name}),
        ),
    )
    .await?;
    w.commit().await?;
    Ok(p)
}

// ---------------------------------------------------------------------------------------------
// Signing in

/// A provider as the sign-in page and `praetor login` list it.
pub struct SignInOption {
    pub id: IdentityProviderId,
    pub name: String,
    /// How the command line signs in through it, when it can.
    pub device: Option<DeviceSignIn>,
}

/// What `praetor login` needs to sign a person in at a provider with the device authorization
/// grant and use the access token on the API: all of it public (client ids are not secrets).
pub struct DeviceSignIn {
    pub issuer: String,
    /// The provider's public client for the device grant.
    pub client_id: String,
    /// The audience the access token must name to be accepted here (asked for as the resource).
    pub audience: String,
    /// Scopes to ask for beside `openid` and `offline_access`.
    pub scopes: Vec<String>,
}

/// How people of an organization may sign in: its enabled providers, and whether with a
/// password too.
pub struct SignInOptions {
    pub providers: Vec<SignInOption>,
    pub passwords: bool,
}

/// The sign-in options of the organization `slug`. An unknown organization answers like one
/// without providers that allows passwords.
pub async fn sign_in_options(app: &AppState, slug: &str) -> Result<SignInOptions> {
    let Some(o) = org::by_slug(&app.db, Housekeeping::Identity, slug.trim()).await? else {
        return Ok(SignInOptions { providers: Vec::new(), passwords: true });
    };
    let providers = identity_provider::enabled_by_name(&app.db, o.tenant()).await?;
    let mut options = Vec::with_capacity(providers.len());
    for p in providers {
        // The device grant only helps when the provider's tokens are accepted on the API.
        let device = match (&p.device_client_id, &p.api_audience) {
            (Some(client_id), Some(audience)) => Some(DeviceSignIn {
                issuer: p.issuer.clone(),
                client_id: client_id.clone(),
                audience: audience.clone(),
                scopes: scopes(&p)?,
            }),
            _ => None,
        };
        options.push(SignInOption { id: p.id, name: p.name, device });
    }
    Ok(SignInOptions { providers: options, passwords: o.local_accounts })
}

/// A sign-in sent to the provider: where to send the browser, and the value of the cookie that
/// binds the callback to this browser.
pub struct Started {
    pub redirect_to: String,
    pub browser_token: String,
}

async fn enabled_provider(app: &AppState, id: IdentityProviderId) -> Result<identity_provider::Model> {
    identity_provider::enabled_anywhere(&app.db, id).await?.ok_or_else(|| Error::not_found("identity provider"))
}

/// Where to come back to after signing in: a path of this server, nothing else.
fn safe_return(path: Option<&str>) -> String {
    match path {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && p.len() <= 500 => p.to_string(),
        _ => "/".to_string(),
    }
}

/// Starts signing in at provider `id`; `base_url` is this server's address as the browser sees
/// it (the callback is under it).
pub async fn begin(app: &AppState, id: IdentityProviderId, base_url: &str, return_to: Option<&str>) -> Result<Started> {
    let p = enabled_provider(app, id).await?;
    let provider = app.oidc.provider(&p.issuer).await?;
    let mut scopes = scopes(&p)?;
    scopes.retain(|s| s != "openid");
    let redirect = format!("{base_url}{CALLBACK_PATH}");
    let auth = app.oidc.authorize(&provider, &p.client_id, &redirect, &scopes)?;
    let browser_token = random_token(32);
    let now = app.clock.now();
    // Sign-ins that were never finished lapse; this is where they are swept.
    oidc_login::sweep_expired(&app.db, now).await?;
    praetor_store::insert(
        &app.db,
        oidc_login::Model {
            state_hash: hash_secret(&auth.state),
            org_id: p.org_id,
            provider_id: p.id,
            nonce: auth.nonce,
            pkce_verifier: auth.pkce_verifier,
            browser_hash: hash_secret(&browser_token),
            return_to: safe_return(return_to),
            created_at: now,
            expires_at: now + chrono::Duration::seconds(app.config.identity.login_ttl_seconds),
        },
    )
    .await?;
    Ok(Started { redirect_to: auth.url.to_string(), browser_token })
}

/// A finished sign-in: the new session's token, and where the web app goes next.
pub struct SignedIn {
    pub session_token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub user: user::Model,
    pub return_to: String,
}

/// Finishes a sign-in at the callback: the state must name a sign-in this browser started and
/// not yet finished; the code is exchanged with the PKCE verifier; the ID token is checked
/// (signature, issuer, audience, times, nonce); then the person is admitted to the provider's
/// organization and a session begins there.
pub async fn finish(
    app: &AppState,
    state: &str,
    code: &str,
    browser_token: Option<&str>,
    base_url: &str,
) -> Result<SignedIn> {
    let refuse = |why: &str| Error::Unauthenticated(format!("sign-in refused: {why}"));
    let state_hash = hash_secret(state);
    let login = oidc_login::by_state_hash(&app.db, &state_hash)
        .await?
        .ok_or_else(|| refuse("this sign-in is unknown or was already used; start again"))?;
    // Taken before anything else: a state works once, whatever happens next.
    let taken = oidc_login::take(&app.db, login.tenant(), &state_hash).await?;
    if taken == 0 {
        return Err(refuse("this sign-in is unknown or was already used; start again"));
    }
    if login.expires_at <= app.clock.now() {
        return Err(refuse("it took too long; start again"));
    }
    if browser_token.map(hash_secret).as_deref() != Some(login.browser_hash.as_str()) {
        return Err(refuse("it was started in another browser"));
    }
    let p = enabled_provider(app, login.provider_id).await?;
    let provider = app.oidc.provider(&p.issuer).await?;
    let secret = secrets::get(&app.db, &app.secrets, p.tenant(), &secret_name(p.id))
        .await?
        .ok_or_else(|| Error::internal(format!("identity provider {} has no client secret", p.id)))?;
    let redirect = format!("{base_url}{CALLBACK_PATH}");
    let id_token =
        app.oidc.exchange(&provider, &p.client_id, secret.expose(), &redirect, code, &login.pkce_verifier).await?;
    let claims = app.oidc.verify(&p.issuer, &id_token, &p.client_id, Some(&login.nonce), app.clock.now()).await?;
    let user = admit(app, &p, &claims, "browser").await?;
    let ttl = app.config.session_ttl_hours;
    let s =
        session::create(&app.db, app.clock.as_ref(), user.id, ttl, session::Began::Provider(p.org_id, p.id)).await?;
    Ok(SignedIn { session_token: s.token, expires_at: s.expires_at, user, return_to: login.return_to })
}

/// The groups a token's claims carry (the provider's groups claim: a list of strings, or one).
fn claimed_groups(p: &identity_provider::Model, claims: &Claims) -> BTreeSet<String> {
    match claims.get(&p.groups_claim) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(one)) => BTreeSet::from([one.clone()]),
        _ => BTreeSet::new(),
    }
}

/// Admits the person a provider vouches for into its organization: finds or links or creates
/// their user, then brings their synced group memberships in line with the claims. Audited.
async fn admit(app: &AppState, p: &identity_provider::Model, claims: &Claims, via: &str) -> Result<user::Model> {
    let refuse = |why: String| Error::Unauthenticated(format!("sign-in refused: {why}"));
    let tenant = p.tenant();
    let subject = claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_string();
    if subject.is_empty() {
        return Err(refuse("the provider named no subject".into()));
    }
    let linked = external_identity::by_subject(&app.db, tenant, p.id, &subject).await?;
    let email = claims.get("email").and_then(Value::as_str).map(|e| validate::email("email", e)).transpose()?;
    let domains = allowed_domains(p)?;
    if !domains.is_empty() {
        let domain = email.as_deref().and_then(|e| e.rsplit_once('@')).map(|(_, d)| d.to_string());
        if !domain.as_ref().is_some_and(|d| domains.contains(d)) {
            return Err(refuse("this e-mail domain may not sign in to the organization".into()));
        }
    }
    let (existing, new_user): (Option<user::Model>, Option<UserId>) = match &linked {
        Some(l) => (user::by_id(&app.db, l.user_id).await?, None),
        None => {
            let Some(email) = &email else {
                return Err(refuse("the provider gave no e-mail address to know this person by".into()));
            };
            if claims.get("email_verified").and_then(Value::as_bool) == Some(false) {
                return Err(refuse("the provider has not verified this e-mail address".into()));
            }
            match super::users::find_by_email(&app.db, email).await? {
                Some(u) => (Some(u), None),
                None if p.create_users => (None, Some(UserId::generate())),
                None => return Err(refuse("no account for this person; ask an organization admin to add them".into())),
            }
        }
    };
    let (user_id, user_email) = match (&existing, new_user) {
        (Some(u), _) => (u.id, u.email.clone()),
        (None, Some(id)) => (id, email.clone().unwrap_or_default()),
        (None, None) => return Err(Error::internal("an external identity names a missing user")),
    };
    let actor = ActorRef { kind: praetor_domain::ActorKind::User, id: user_id.to_string(), name: user_email.clone() };
    let mut w = app.write(vec![actor]).await?;
    let now = w.now();
    let user = match existing {
        Some(u) => u,
        None => {
            let display = claims
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| validate::name("name", n).is_ok())
                .map(|n| n.trim().to_string())
                .unwrap_or_else(|| user_email.split('@').next().unwrap_or_default().to_string());
            let u = praetor_store::insert(
                w.txn(),
                user::Model {
                    id: user_id,
                    email: user_email.clone(),
                    display_name: display,
                    instance_admin: false,
                    created_at: now,
                },
            )
            .await
            .map_err(conflict_means("this person was just created by another sign-in; sign in again"))?;
            w.audit(
                tenant,
                Entry::new("user.provisioned", u.id, json!({"email": u.email, "provider": p.id.to_string()})),
            )
            .await?;
            u
        }
    };
    match linked {
        Some(l) => {
            let a_before = l.clone();
            let mut a = l.clone();
            a.last_seen_at = now;
            praetor_store::update(w.txn(), &a_before, a).await?;
        }
        None => {
            praetor_store::insert(
                w.txn(),
                external_identity::Model {
                    provider_id: p.id,
                    subject: subject.clone(),
                    org_id: tenant.org(),
                    user_id: user.id,
                    created_at: now,
                    last_seen_at: now,
                },
            )
            .await
            .map_err(conflict_means("this person was just linked by another sign-in; sign in again"))?;
            w.audit(
                tenant,
                Entry::new("identity.linked", user.id, json!({"provider": p.id.to_string(), "subject": subject})),
            )
            .await?;
        }
    }
    let changes = sync_groups(&mut w, p, &user, &claimed_groups(p, claims)).await?;
    if via == "browser" {
        w.audit(
            tenant,
            Entry::new(
                "identity.signed_in",
                user.id,
                json!({"provider": p.id.to_string(), "email": user.email, "groupsAdded": changes.0, "groupsRemoved": changes.1}),
            ),
        )
        .await?;
    }
    w.commit().await?;
    Ok(user)
}

/// Brings `user`'s memberships synced from provider `p` in line with the provider groups they
/// have now: the mapped groups they lack are added, the synced ones no longer claimed removed.
/// A membership an admin made is never touched. Answers the group names added and removed.
async fn sync_groups(
    w: &mut Write<'_>,
    p: &identity_provider::Model,
    user: &user::Model,
    claimed: &BTreeSet<String>,
) -> Result<(Vec<String>, Vec<String>)> {
    let tenant = p.tenant();
    let mappings = idp_group_mapping::of_provider(w.txn(), tenant, p.id).await?;
    let wanted: BTreeSet<GroupId> =
        mappings.iter().filter(|m| claimed.contains(&m.claim_value)).map(|m| m.group_id).collect();
    let current = group_member::of_users(w.txn(), tenant, [user.id]).await?;
    let groups = group::all(w.txn(), tenant).await?;
    let name_of = |id: GroupId| groups.iter().find(|g| g.id == id).map(|g| g.name.clone()).unwrap_or_default();
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    for gid in &wanted {
        if current.iter().any(|m| m.group_id == *gid) {
            continue;
        }
        praetor_store::insert(
            w.txn(),
            group_member::Model {
                group_id: *gid,
                user_id: user.id,
                org_id: tenant.org(),
                source: Some(p.id),
                created_at: w.now(),
            },
        )
        .await?;
        let name = name_of(*gid);
        w.audit(
            tenant,
            Entry::new(
                "group.member_added",
                *gid,
                json!({"group": name, "user": user.id.to_string(), "email": user.email, "source": p.id.to_string()}),
            ),
        )
        .await?;
        added.push(name);
    }
    for m in current.iter().filter(|m| m.source == Some(p.id) && !wanted.contains(&m.group_id)) {
        group_member::remove(w.txn(), tenant, m.group_id, user.id).await?;
        let name = name_of(m.group_id);
        w.audit(
            tenant,
            Entry::new(
                "group.member_removed",
                m.group_id,
                json!({"group": name, "user": user.id.to_string(), "source": p.id.to_string()}),
            ),
        )
        .await?;
        removed.push(name);
    }
    if !added.is_empty() || !removed.is_empty() {
        w.bump_rbac_version(tenant).await?;
    }
    Ok((added, removed))
}

/// Where someone signing out of a session begun at provider `id` may be sent to end their
/// session at the provider too (RP-initiated logout), when it supports that.
pub async fn end_session_url(app: &AppState, id: IdentityProviderId, base_url: &str) -> Result<Option<String>> {
    let p = identity_provider::find_anywhere(&app.db, id).await?;
    let Some(p) = p else { return Ok(None) };
    let provider = app.oidc.provider(&p.issuer).await?;
    Ok(provider.end_session_url(&p.client_id, &format!("{base_url}/")).map(|u| u.to_string()))
}

// ---------------------------------------------------------------------------------------------
// API tokens

/// Authenticates `Authorization: Bearer <JWT>` from an organization's provider: the provider is
/// the one whose issuer the token claims and whose API audience it names (exactly one), the
/// token passes [`crate::oidc::Oidc::verify`], and it acts as the service account bound to its
/// client or as the person it names (their groups applied from the token's claims). The
/// principal may enter the provider's organization only.
pub async fn authenticate_token(app: &AppState, token: &str) -> Result<Principal> {
    let refuse = |why: &str| Error::Unauthenticated(format!("token refused: {why}"));
    let (_, unverified) = crate::oidc::unverified_parts(token)?;
    let issuer = unverified.get("iss").and_then(Value::as_str).ok_or_else(|| refuse("malformed (no issuer)"))?;
    let candidates = identity_provider::accepting_tokens_from(&app.db, issuer).await?;
    if candidates.is_empty() {
        return Err(refuse("no organization accepts tokens from this issuer"));
    }
    let names = |aud: &str| match unverified.get("aud") {
        Some(Value::String(a)) => a == aud,
        Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(aud)),
        _ => false,
    };
    let mut matching = candidates.into_iter().filter(|p| p.api_audience.as_deref().is_some_and(names));
    let p = match (matching.next(), matching.next()) {
        (Some(p), None) => p,
        (None, _) => return Err(refuse("meant for another audience")),
        (Some(_), Some(_)) => return Err(refuse("more than one organization accepts this issuer and audience")),
    };
    let audience = p.api_audience.clone().unwrap_or_default();
    let claims = app.oidc.verify(&p.issuer, token, &audience, None, app.clock.now()).await?;
    // The moment the check above would refuse the token: its expiry, give or take the skew.
    let skew = app.config.identity.clock_skew_seconds;
    let expires_at =
        claims.get("exp").and_then(Value::as_i64).and_then(|t| chrono::DateTime::from_timestamp(t + skew, 0));
    let credential = Credential { kind: CredentialKind::ProviderToken(p.id), hash: hash_secret(token), expires_at };
    let client = claims.get("client_id").or_else(|| claims.get("azp")).and_then(Value::as_str);
    let subject = claims.get("sub").and_then(Value::as_str);
    // A client acting for itself: client credentials, whose `sub` is the client (RFC 9068).
    // A person's token names its client too, with the person as `sub`.
    if let Some(client) = client.filter(|c| subject == Some(*c)) {
        let binding = idp_client_binding::of_client(&app.db, p.tenant(), p.id, client)
            .await?
            .ok_or_else(|| refuse("this client is not bound to a service account of the organization"))?;
        let sa = service_account_by_id(app, p.tenant(), binding.service_account_id).await?;
        return Ok(Principal {
            key_org: Some(p.org_id),
            credential: Some(credential),
            ..Principal::new(Subject::ServiceAccount(sa))
        });
    }
    let user = admit(app, &p, &claims, "token").await?;
    Ok(Principal { key_org: Some(p.org_id), credential: Some(credential), ..Principal::new(Subject::User(user)) })
}

/// [`authenticate_token`] as the authentication layer calls it.
pub struct ProviderTokens<'a>(pub &'a AppState);

impl crate::auth::ProviderTokens for ProviderTokens<'_> {
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Principal>> + Send + 'a>> {
        Box::pin(authenticate_token(self.0, token))
    }
}

async fn service_account_by_id(app: &AppState, tenant: Tenant, id: ServiceAccountId) -> Result<service_account::Model> {
    service_account::by_id(&app.db, tenant, id)
        .await?
        .ok_or_else(|| Error::internal("a client binding names a missing service account"))
}
