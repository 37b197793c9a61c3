//! Local accounts, for installations without an identity provider: people join an organization
//! by an invitation link (single use, expiring) on which they choose a password, and sign in
//! with their e-mail address and that password. Passwords are hashed with argon2id on the CPU
//! pool (never on the async threads); sign-in is throttled per client address, and an account
//! whose password is given wrong `identity.lockout_after` times in a row is locked for
//! `identity.lockout_minutes` (an org admin can lift it). An admin can also issue a reset link.
//!
//! Who may set a person's password: users are shared by every organization, so a link an
//! organization's admin makes may set a password only for someone new, or someone who belongs
//! to that organization and no other, and has no password yet (a reset: no other organization).
//! Anyone else signs in as they are; an invitation then only adds the role, accepted while
//! signed in as the person it names.
//!
//! A second factor (TOTP, RFC 6238, as authenticator apps compute it) is optional: a person
//! enrols with their password, confirms with a first code and receives ten single-use recovery
//! codes. Once on, sign-in needs a code as well; each code is good once, and wrong codes count
//! towards the lockout like wrong passwords. A password reset keeps the second factor; an admin
//! of the only organization a person belongs to may remove it.
//!
//! An organization that signs people in at its identity provider may switch local accounts
//! off: it then issues no links, and sessions begun with a password do not enter it.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::Duration;
use praetor_store::{
    Housekeeping, InvitationId, OrgId, Owned, ProjectId, UserId, invitation, local_credential, user, user_session,
};
use serde_json::json;

use super::{roles, users, validate};
use crate::AppState;
use crate::audit::Entry;
use crate::auth::{ActorRef, Principal, hash_secret, random_token, session};
use crate::authz::{Domain, OrgAccess, Permit, ops};
use crate::error::{Error, Result};
use crate::secrets::SecretValue;
use crate::write::Write;

/// Where links point, under the server's address.
pub const INVITATION_PATH: &str = "/invite/";

const JOIN: &str = "join";
const RESET: &str = "reset";

/// What a person is told for any wrong e-mail/password pair: never which of the two was wrong.
const WRONG: &str = "wrong e-mail address or password";

/// A password as a person chose it: 12 to 256 characters, not their e-mail address.
fn check_password(password: &SecretValue, email: &str) -> Result<()> {
    let p = password.expose();
    let n = p.chars().count();
    if !(12..=256).contains(&n) {
        return Err(Error::validation("password", "must be 12 to 256 characters"));
    }
    if p.trim().eq_ignore_ascii_case(email) {
        return Err(Error::validation("password", "must not be your e-mail address"));
    }
    Ok(())
}

/// argon2id with the crate's recommended parameters, on the CPU pool.
async fn hash_password(app: &AppState, password: &SecretValue) -> Result<String> {
    let password = password.clone();
    app.cpu
        .run(move || {
            argon2::Argon2::default()
                .hash_password(password.expose().as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| Error::internal(format!("hashing a password: {e}")))
        })
        .await?
}

/// Whether `password` matches the stored hash, on the CPU pool.
async fn password_matches(app: &AppState, password: &SecretValue, stored: String) -> Result<bool> {
    let password = password.clone();
    app.cpu
        .run(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else { return false };
            argon2::Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok()
        })
        .await
}

/// A hash of nothing anyone knows, checked against when the account does not exist, so that
/// the answer takes as long as for a wrong password.
static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn decoy(app: &AppState) -> Result<String> {
    if let Some(d) = DECOY.get() {
        return Ok(d.clone());
    }
    let made = hash_password(app, &SecretValue::new(random_token(16))).await?;
    Ok(DECOY.get_or_init(|| made).clone())
}

async fn credential_of<C: praetor_store::Conn>(db: &C, user: UserId) -> Result<Option<local_credential::Model>> {
    Ok(local_credential::of_user(db, user).await?)
}

/// Whether `org` alone may set `user`'s password: they belong to it (or to nothing) and to no
/// other organization.
async fn only_in<C: praetor_store::Conn>(db: &C, user: UserId, org: OrgId) -> Result<bool> {
    Ok(super::orgs::memberships(db, user).await?.iter().all(|o| *o == org))
}

/// Refuses what only local accounts need when the organization has switched them off.
fn local_accounts_on(org: &praetor_store::org::Model) -> Result<()> {
    if org.local_accounts {
        return Ok(());
    }
    Err(Error::forbidden(format!(
        "organization {} signs people in at its identity provider: local accounts are switched off",
        org.slug
    )))
}

/// A link made: the invitation and its token (shown this once).
pub struct Issued {
    pub invitation: invitation::Model,
    pub token: SecretValue,
}

async fn issue(
    w: &mut Write<'_>,
    app: &AppState,
    tenant: praetor_store::Tenant,
    email: &str,
    purpose: &str,
    role: Option<(String, Option<ProjectId>)>,
    created_by: String,
) -> Result<Issued> {
    let token = random_token(32);
    let now = w.now();
    let (role, project) = match role {
        Some((r, p)) => (Some(r), p),
        None => (None, None),
    };
    let inv = praetor_store::insert(
        w.txn(),
        invitation::Model {
            id: InvitationId::generate(),
            org_id: tenant.org(),
            email: email.to_string(),
            purpose: purpose.to_string(),
            role,
            project_id: project,
            token_hash: hash_secret(&token),
            created_by,
            created_at: now,
            expires_at: now + Duration::hours(i64::from(app.config.identity.invitation_ttl_hours)),
            used_at: None,
        },
    )
    .await?;
    Ok(Issued { invitation: inv, token: SecretValue::new(token) })
}

/// Invites `email` to the organization with `role` (org-wide, or in `project`). Needs
/// `role.bind`: an invitation grants the role when accepted.
pub async fn invite(
    app: &AppState,
    permit: &Permit<ops::RoleBind>,
    email: &str,
    role: &str,
    project: Option<ProjectId>,
) -> Result<Issued> {
    let email = validate::email("email", email)?;
    roles::check_role(role, project.is_some(), "bound for the whole organization")?;
    local_accounts_on(permit.org())?;
    let tenant = permit.tenant();
    let mut w = app.write(permit.principal().chain()).await?;
    let created_by = permit.principal().chain_json()?;
    let issued = issue(&mut w, app, tenant, &email, JOIN, Some((role.to_string(), project)), created_by).await?;
    let mut entry = Entry::new(
        "invitation.created",
        issued.invitation.id,
        json!({"email": email, "role": role, "expiresAt": issued.invitation.expires_at}),
    );
    if let Some(p) = project {
        entry = entry.in_project(p);
    }
    w.audit(tenant, entry).await?;
    w.commit().await?;
    Ok(issued)
}

/// The purposes of the links the caller may see and withdraw: invitations with `role.bind`
/// (they grant a role), reset links with `identity.manage` (who makes them).
fn manageable(access: &OrgAccess) -> Result<Vec<&'static str>> {
    let mut purposes = Vec::new();
    if access.may::<ops::RoleBind>(Domain::Org) {
        purposes.push(JOIN);
    }
    if access.may::<ops::IdentityManage>(Domain::Org) {
        purposes.push(RESET);
    }
    if purposes.is_empty() {
        // Names the permission of the commoner kind of link.
        access.permit::<ops::RoleBind>(Domain::Org)?;
    }
    Ok(purposes)
}

/// The organization's invitations and reset links not yet used that the caller may withdraw,
/// newest first.
pub async fn pending(app: &AppState, access: &OrgAccess) -> Result<Vec<invitation::Model>> {
    Ok(invitation::pending(&app.db, access.tenant(), &manageable(access)?, app.clock.now()).await?)
}

/// Withdraws a link before it is used: an invitation with `role.bind`, a reset link with
/// `identity.manage`.
pub async fn revoke(app: &AppState, access: &OrgAccess, id: InvitationId) -> Result<()> {
    let tenant = access.tenant();
    let purposes = manageable(access)?;
    let mut w = app.write(access.principal().chain()).await?;
    let gone = invitation::withdraw(w.txn(), tenant, id, &purposes).await?;
    if gone == 0 {
        return Err(Error::not_found("invitation"));
    }
    w.audit(tenant, Entry::new("invitation.revoked", id, json!({}))).await?;
    w.commit().await?;
    Ok(())
}

/// The member `email` of the organization whose password this organization alone may manage.
async fn own_member(app: &AppState, org: OrgId, email: &str) -> Result<user::Model> {
    let email = validate::email("email", email)?;
    let u = users::find_by_email(&app.db, &email).await?.ok_or_else(|| Error::not_found("member"))?;
    let orgs = super::orgs::memberships(&app.db, u.id).await?;
    if !orgs.contains(&org) {
        return Err(Error::not_found("member"));
    }
    if orgs.len() > 1 {
        return Err(Error::forbidden(
            "this person belongs to other organizations too: they change their password themselves, or an instance administrator resets it",
        ));
    }
    Ok(u)
}

/// A link on which the member `email` sets a new password (the old one stays until then).
/// Needs `identity.manage`, and the person must belong to this organization only.
pub async fn reset_link(app: &AppState, permit: &Permit<ops::IdentityManage>, email: &str) -> Result<Issued> {
    local_accounts_on(permit.org())?;
    let tenant = permit.tenant();
    let u = own_member(app, tenant.org(), email).await?;
    let mut w = app.write(permit.principal().chain()).await?;
    let created_by = permit.principal().chain_json()?;
    let issued = issue(&mut w, app, tenant, &u.email, RESET, None, created_by).await?;
    w.audit(tenant, Entry::new("password.reset_issued", u.id, json!({"email": u.email}))).await?;
    w.commit().await?;
    Ok(issued)
}

/// Lifts a lockout. Needs `identity.manage` in an organization the person belongs to.
pub async fn unlock(app: &AppState, permit: &Permit<ops::IdentityManage>, email: &str) -> Result<()> {
    let tenant = permit.tenant();
    let email = validate::email("email", email)?;
    let u = users::find_by_email(&app.db, &email).await?.ok_or_else(|| Error::not_found("member"))?;
    if !super::orgs::memberships(&app.db, u.id).await?.contains(&tenant.org()) {
        return Err(Error::not_found("member"));
    }
    let mut w = app.write(permit.principal().chain()).await?;
    if let Some(c) = credential_of(w.txn(), u.id).await? {
        let a_before = c.clone();
        let mut a = c.clone();
        a.failed_count = 0;
        a.locked_until = None;
        praetor_store::update(w.txn(), &a_before, a).await?;
    }
    w.audit(tenant, Entry::new("account.unlocked", u.id, json!({"email": u.email}))).await?;
    w.commit().await?;
    Ok(())
}

/// What a link offers, as its page shows it before the person answers.
pub struct LinkInfo {
    pub email: String,
    pub org_name: String,
    pub org_slug: String,
    pub purpose: String,
    /// Whether answering it sets a password (otherwise the person signs in first).
    pub sets_password: bool,
}

async fn find_link(app: &AppState, token: &str) -> Result<invitation::Model> {
    let inv = invitation::by_token_hash(&app.db, &hash_secret(token))
        .await?
        .filter(|i| i.used_at.is_none() && i.expires_at > app.clock.now())
        .ok_or_else(|| Error::not_found("invitation (it was used, withdrawn or has expired)"))?;
    Ok(inv)
}

/// Whether accepting `inv` may set the password of the person it names (see the module's
/// header): someone new, or someone of this organization alone who has no password yet (for a
/// join) or any password (for a reset).
async fn may_set_password<C: praetor_store::Conn>(
    db: &C,
    inv: &invitation::Model,
    person: Option<&user::Model>,
) -> Result<bool> {
    let Some(u) = person else { return Ok(true) };
    if !only_in(db, u.id, inv.org_id).await? {
        return Ok(false);
    }
    Ok(inv.purpose == RESET || credential_of(db, u.id).await?.is_none())
}

async fn org_of(app: &AppState, inv: &invitation::Model) -> Result<praetor_store::org::Model> {
    praetor_store::org::of(&app.db, inv.tenant()).await?.ok_or_else(|| Error::not_found("organization"))
}

pub async fn describe_link(app: &AppState, token: &str) -> Result<LinkInfo> {
    let inv = find_link(app, token).await?;
    let org = org_of(app, &inv).await?;
    let person = users::find_by_email(&app.db, &inv.email).await?;
    Ok(LinkInfo {
        sets_password: org.local_accounts && may_set_password(&app.db, &inv, person.as_ref()).await?,
        email: inv.email,
        org_name: org.name,
        org_slug: org.slug,
        purpose: inv.purpose,
    })
}

/// A link answered: the session it began (none when the person was already signed in).
pub struct Accepted {
    pub user: user::Model,
    pub session: Option<session::NewSession>,
}

/// Answers a link. With a password (when the link may set one, see [`describe_link`]) the
/// password is set and a session begins; signed in as the person it names (`signed_in`), a
/// join only grants its role. The link works once.
pub async fn accept(
    app: &AppState,
    token: &str,
    password: Option<SecretValue>,
    display_name: Option<&str>,
    signed_in: Option<&Principal>,
) -> Result<Accepted> {
    let inv = find_link(app, token).await?;
    let tenant = inv.tenant();
    let as_self = signed_in.and_then(Principal::user).filter(|u| u.email == inv.email).cloned();
    let existing = users::find_by_email(&app.db, &inv.email).await?;
    let hashed = match (&as_self, &password) {
        (Some(_), _) if inv.purpose == JOIN => None,
        (_, Some(p)) => {
            local_accounts_on(&org_of(app, &inv).await?)?;
            check_password(p, &inv.email)?;
            if !may_set_password(&app.db, &inv, existing.as_ref()).await? {
                return Err(Error::forbidden(
                    "an account with this e-mail address already exists: sign in as it, then open the link again",
                ));
            }
            Some(hash_password(app, p).await?)
        }
        (_, None) => return Err(Error::validation("password", "choose a password")),
    };
    let user_id = existing.as_ref().map(|u| u.id).unwrap_or_else(UserId::generate);
    let actor = ActorRef { kind: praetor_domain::ActorKind::User, id: user_id.to_string(), name: inv.email.clone() };
    let mut w = app.write(vec![actor]).await?;
    let now = w.now();
    // Used up first, conditionally: of two answers racing, one wins.
    if !invitation::use_up(w.txn(), tenant, inv.id, now).await? {
        return Err(Error::not_found("invitation (it was used, withdrawn or has expired)"));
    }
    let user = match existing {
        Some(u) => u,
        None => {
            let name = display_name
                .map(|n| validate::name("displayName", n))
                .transpose()?
                .unwrap_or_else(|| inv.email.split('@').next().unwrap_or_default().to_string());
            let u = praetor_store::insert(
                w.txn(),
                user::Model {
                    id: user_id,
                    email: inv.email.clone(),
                    display_name: name,
                    instance_admin: false,
                    created_at: now,
                },
            )
            .await?;
            w.audit(tenant, Entry::new("user.provisioned", u.id, json!({"email": u.email, "via": "invitation"})))
                .await?;
            u
        }
    };
    if let Some(hash) = hashed {
        // A reset replaces the password and keeps the second factor: a link never stands in
        // for the person's authenticator.
        match credential_of(w.txn(), user.id).await? {
            Some(c) => {
                let a_before = c.clone();
                let mut a = c.clone();
                a.password_hash = hash;
                a.set_at = now;
                a.failed_count = 0;
                a.locked_until = None;
                praetor_store::update(w.txn(), &a_before, a).await?;
            }
            None => {
                praetor_store::insert(
                    w.txn(),
                    local_credential::Model {
                        user_id: user.id,
                        password_hash: hash,
                        set_at: now,
                        failed_count: 0,
                        locked_until: None,
                        totp_kek_id: None,
                        totp_secret: None,
                        totp_enabled_at: None,
                        totp_last_step: None,
                        recovery_codes: None,
                    },
                )
                .await?;
            }
        }
        w.audit(tenant, Entry::new("password.set", user.id, json!({"email": user.email, "via": inv.purpose}))).await?;
        if inv.purpose == RESET {
            // A reset is for someone who lost control of their password: every session ends.
            users::end_sessions(&mut w, user_session::Which::OfUser(user.id)).await?;
        }
    }
    if let (JOIN, Some(role)) = (inv.purpose.as_str(), &inv.role) {
        roles::bind_user_in(&mut w, tenant, role, inv.project_id, &user).await?;
    }
    w.audit(tenant, Entry::new("invitation.accepted", inv.id, json!({"email": user.email, "purpose": inv.purpose})))
        .await?;
    w.commit().await?;
    let session = match as_self {
        Some(_) if inv.purpose == JOIN => None,
        _ => Some(
            session::create(
                &app.db,
                app.clock.as_ref(),
                user.id,
                app.config.session_ttl_hours,
                session::Began::Password,
            )
            .await?,
        ),
    };
    Ok(Accepted { user, session })
}

/// Why a password sign-in was refused.
#[derive(Debug)]
pub enum Refused {
    Wrong,
    /// The password was right and the person has a second factor: a code is needed too.
    CodeNeeded,
    /// The password was right and the code was not (it counts towards the lockout).
    WrongCode,
    /// Too many wrong passwords or codes in a row: locked until then.
    Locked(chrono::DateTime<chrono::Utc>),
    Failed(Error),
}

impl From<Error> for Refused {
    fn from(e: Error) -> Self {
        Refused::Failed(e)
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Wrong => f.write_str(WRONG),
            Refused::CodeNeeded => {
                f.write_str("enter the 6-digit code from your authenticator app (or a recovery code)")
            }
            Refused::WrongCode => f.write_str(
                "wrong code: enter the current code from your authenticator app, or an unused recovery code",
            ),
            Refused::Locked(until) => write!(
                f,
                "too many wrong attempts: this account is locked until {} UTC (an organization admin can unlock it)",
                until.format("%Y-%m-%d %H:%M")
            ),
            Refused::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// Signs in with an e-mail address, password and, for a person with a second factor, a code.
/// The caller has throttled the client address.
pub async fn sign_in(
    app: &AppState,
    email: &str,
    password: &SecretValue,
    code: Option<&str>,
) -> std::result::Result<(user::Model, session::NewSession), Refused> {
    let found = match validate::email("email", email) {
        Ok(email) => users::find_by_email(&app.db, &email).await?,
        Err(_) => None,
    };
    let credential = match &found {
        Some(u) => credential_of(&app.db, u.id).await?,
        None => None,
    };
    let (Some(user), Some(credential)) = (found, credential) else {
        // The same work as a wrong password, so timing does not tell who has an account.
        let _ = password_matches(app, password, decoy(app).await?).await?;
        return Err(Refused::Wrong);
    };
    let now = app.clock.now();
    if let Some(until) = credential.locked_until.filter(|u| *u > now) {
        return Err(Refused::Locked(until));
    }
    if !password_matches(app, password, credential.password_hash.clone()).await? {
        return Err(failed(app, &user, credential, Refused::Wrong).await?);
    }
    if credential.totp_enabled_at.is_some() {
        let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
            return Err(Refused::CodeNeeded);
        };
        if !use_code(app, &app.db, &credential, code).await? {
            return Err(failed(app, &user, credential, Refused::WrongCode).await?);
        }
    }
    if credential.failed_count > 0 || credential.locked_until.is_some() {
        let a_before = credential.clone();
        let mut a = credential.clone();
        a.failed_count = 0;
        a.locked_until = None;
        praetor_store::update(&app.db, &a_before, a).await.map_err(Error::from)?;
    }
    let s =
        session::create(&app.db, app.clock.as_ref(), user.id, app.config.session_ttl_hours, session::Began::Password)
            .await?;
    tracing::info!(user = %user.email, "signed in with a password");
    Ok((user, s))
}

/// Counts a wrong password or code; locks the account at `identity.lockout_after` in a row.
/// Answers the refusal to give.
async fn failed(
    app: &AppState,
    user: &user::Model,
    credential: local_credential::Model,
    refusal: Refused,
) -> Result<Refused> {
    let now = app.clock.now();
    let failed = credential.failed_count + 1;
    let lock = failed >= app.config.identity.lockout_after as i32;
    let until = now + Duration::minutes(i64::from(app.config.identity.lockout_minutes));
    let a_before = credential.clone();
    let mut a = credential.clone();
    a.failed_count = if lock { 0 } else { failed };
    if !lock {
        praetor_store::update(&app.db, &a_before, a).await?;
        return Ok(refusal);
    }
    a.locked_until = Some(until);
    tracing::warn!(user = %user.email, "account locked after repeated wrong passwords or codes");
    let mut w = app.write(vec![person(user)]).await?;
    praetor_store::update(w.txn(), &a_before, a).await?;
    // A lockout is recorded in each organization the person belongs to: their admins see it.
    audit_person(&mut w, user, "account.locked", json!({"email": user.email, "until": until})).await?;
    w.commit().await?;
    Ok(Refused::Locked(until))
}

/// The person as the actor of what they do to their own account.
fn person(user: &user::Model) -> ActorRef {
    ActorRef { kind: praetor_domain::ActorKind::User, id: user.id.to_string(), name: user.email.clone() }
}

/// Records a change to a person's own account in each organization they belong to (people are
/// shared by all organizations, so there is no one chain for them).
async fn audit_person(w: &mut Write<'_>, user: &user::Model, kind: &str, payload: serde_json::Value) -> Result<()> {
    for org in super::orgs::memberships(w.txn(), user.id).await? {
        let tenant = praetor_store::Tenant::housekeeping(org, Housekeeping::Identity);
        w.audit(tenant, Entry::new(kind, user.id, payload.clone())).await?;
    }
    Ok(())
}

/// TOTP as authenticator apps compute it (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps),
/// with a step of clock drift accepted either side.
fn authenticator(secret: &SecretValue, email: &str) -> Result<totp_rs::Totp> {
    let bytes = totp_rs::Secret::try_from_base32(secret.expose())
        .map_err(|e| Error::internal(format!("an authenticator secret is unreadable: {e}")))?;
    totp_rs::Builder::new()
        .with_secret(bytes)
        .with_account_name(email)
        .with_issuer(Some("Praetor"))
        .build()
        .map_err(|e| Error::internal(format!("an authenticator cannot be made: {e}")))
}

/// How many recovery codes a person receives, and the length of each (base32, dashed in two).
const RECOVERY_CODES: usize = 10;
const RECOVERY_CODE_LEN: usize = 10;

/// A new recovery code: ten characters of an alphabet without look-alikes (50 bits), dashed
/// in the middle.
fn recovery_code() -> SecretValue {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut raw = [0u8; RECOVERY_CODE_LEN];
    rand::fill(&mut raw[..]);
    let chars: String = raw.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    let (a, b) = chars.split_at(RECOVERY_CODE_LEN / 2);
    SecretValue::new(format!("{a}-{b}"))
}

/// A code as people type it: spaces and dashes dropped, lower case.
fn normalized(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect()
}

fn recovery_hashes(credential: &local_credential::Model) -> Result<Vec<String>> {
    match &credential.recovery_codes {
        Some(text) => crate::error::stored(format_args!("the recovery codes of {}", credential.user_id), text),
        None => Ok(Vec::new()),
    }
}

/// Uses `code` if it is good for `credential`'s second factor: the current TOTP code, not
/// used before, or an unused recovery code (then spent). Conditional updates, so of two
/// sign-ins racing with the same code one wins.
async fn use_code<C: praetor_store::Conn>(
    app: &AppState,
    db: &C,
    credential: &local_credential::Model,
    code: &str,
) -> Result<bool> {
    let code = normalized(code);
    if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        let secret = crate::secrets::open_credential(&app.secrets, credential)?;
        let now = app.clock.now().timestamp().max(0) as u64;
        let Some(step) = authenticator(&secret, "-")?.check(&code, now) else { return Ok(false) };
        let step = step as i64;
        return Ok(local_credential::accept_step(db, credential.user_id, step).await?);
    }
    let hashes = recovery_hashes(credential)?;
    let hash = hash_secret(&code);
    if !hashes.contains(&hash) {
        return Ok(false);
    }
    let left: Vec<&String> = hashes.iter().filter(|h| **h != hash).collect();
    let left_json = serde_json::to_string(&left).map_err(Error::internal)?;
    let used =
        local_credential::spend_recovery_code(db, credential.user_id, credential.recovery_codes.clone(), left_json)
            .await?;
    if used {
        tracing::info!(user = %credential.user_id, left = left.len(), "a recovery code was used");
    }
    Ok(used)
}

/// The signed-in person's own credential, for changing it.
async fn own_credential(app: &AppState, principal: &Principal) -> Result<(user::Model, local_credential::Model)> {
    let user = principal.user().ok_or_else(|| Error::forbidden("only a person has a password"))?;
    let credential = credential_of(&app.db, user.id).await?.ok_or_else(|| {
        Error::validation("password", "this account has no password: it signs in at an identity provider")
    })?;
    Ok((user.clone(), credential))
}

/// What a person's account page shows of their local account.
pub struct AccountInfo {
    pub has_password: bool,
    pub second_factor: bool,
    pub recovery_codes_left: usize,
}

pub async fn account(app: &AppState, principal: &Principal) -> Result<AccountInfo> {
    let user = principal.user().ok_or_else(|| Error::forbidden("only a person has an account page"))?;
    let credential = credential_of(&app.db, user.id).await?;
    Ok(AccountInfo {
        has_password: credential.is_some(),
        second_factor: credential.as_ref().is_some_and(|c| c.totp_enabled_at.is_some()),
        recovery_codes_left: match &credential {
            Some(c) if c.totp_enabled_at.is_some() => recovery_hashes(c)?.len(),
            _ => 0,
        },
    })
}

/// An enrolment begun: the secret for the authenticator app, as text and as an `otpauth://`
/// URI (what its QR code holds). Shown this once.
pub struct Enrolment {
    pub secret: SecretValue,
    pub uri: SecretValue,
}

/// Begins enrolling a second factor, given the person's password: a new secret, kept sealed,
/// not required at sign-in until [`enable_second_factor`] confirms it with a code.
pub async fn begin_second_factor(app: &AppState, principal: &Principal, password: &SecretValue) -> Result<Enrolment> {
    let (user, credential) = own_credential(app, principal).await?;
    if credential.totp_enabled_at.is_some() {
        return Err(Error::validation("secondFactor", "is already on: turn it off first to enrol another app"));
    }
    if !password_matches(app, password, credential.password_hash.clone()).await? {
        return Err(Error::validation("password", "is not your password"));
    }
    let mut raw = [0u8; 20];
    rand::fill(&mut raw[..]);
    let secret = SecretValue::new(totp_rs::Secret::from(raw.to_vec()).to_base32());
    let uri = authenticator(&secret, &user.email)?
        .to_url()
        .map_err(|e| Error::internal(format!("an authenticator URI cannot be made: {e}")))?;
    let (kek, sealed) = crate::secrets::seal_personal(&app.secrets, user.id, crate::secrets::TOTP_FIELD, &secret)?;
    let mut w = app.write(principal.chain()).await?;
    let a_before = credential.clone();
    let mut a = credential.clone();
    a.totp_kek_id = Some(kek);
    a.totp_secret = Some(sealed);
    a.totp_last_step = None;
    a.recovery_codes = None;
    praetor_store::update(w.txn(), &a_before, a).await?;
    audit_person(&mut w, &user, "second_factor.enrolment_started", json!({"email": user.email})).await?;
    w.commit().await?;
    Ok(Enrolment { secret, uri: SecretValue::new(uri) })
}

/// Turns the enrolled second factor on, given a first code from the app. Answers the recovery
/// codes (shown this once; only their hashes are kept).
pub async fn enable_second_factor(app: &AppState, principal: &Principal, code: &str) -> Result<Vec<SecretValue>> {
    let (user, credential) = own_credential(app, principal).await?;
    if credential.totp_enabled_at.is_some() {
        return Err(Error::validation("secondFactor", "is already on"));
    }
    if credential.totp_secret.is_none() {
        return Err(Error::validation("secondFactor", "no enrolment was begun: begin one first"));
    }
    let mut w = app.write(principal.chain()).await?;
    if !use_code(app, w.txn(), &credential, code).await? {
        return Err(Error::validation("code", "is not the current code of the app you enrolled"));
    }
    let codes: Vec<SecretValue> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| hash_secret(&normalized(c.expose()))).collect();
    let hashes = serde_json::to_string(&hashes).map_err(Error::internal)?;
    local_credential::enable_totp(w.txn(), user.id, w.now(), hashes).await?;
    audit_person(&mut w, &user, "second_factor.enabled", json!({"email": user.email})).await?;
    w.commit().await?;
    Ok(codes)
}

/// Turns the signed-in person's second factor off, given their password and a code (or a
/// recovery code).
pub async fn disable_second_factor(
    app: &AppState,
    principal: &Principal,
    password: &SecretValue,
    code: &str,
) -> Result<()> {
    let (user, credential) = own_credential(app, principal).await?;
    if credential.totp_secret.is_none() {
        return Err(Error::validation("secondFactor", "is not on"));
    }
    if !password_matches(app, password, credential.password_hash.clone()).await? {
        return Err(Error::validation("password", "is not your password"));
    }
    let mut w = app.write(principal.chain()).await?;
    if credential.totp_enabled_at.is_some() && !use_code(app, w.txn(), &credential, code).await? {
        return Err(Error::validation("code", "is not a current or recovery code"));
    }
    clear_second_factor(w.txn(), user.id).await?;
    audit_person(&mut w, &user, "second_factor.disabled", json!({"email": user.email})).await?;
    w.commit().await
}

async fn clear_second_factor<C: praetor_store::Conn>(db: &C, user: UserId) -> Result<()> {
    Ok(local_credential::clear_totp(db, user).await?)
}

/// Removes the second factor of the member `email`, who lost their app and recovery codes.
/// Needs `identity.manage`, and the person must belong to this organization only (like a
/// reset link); they sign in with their password alone and may enrol again.
pub async fn remove_second_factor(app: &AppState, permit: &Permit<ops::IdentityManage>, email: &str) -> Result<()> {
    let tenant = permit.tenant();
    let u = own_member(app, tenant.org(), email).await?;
    let mut w = app.write(permit.principal().chain()).await?;
    match credential_of(w.txn(), u.id).await? {
        Some(c) if c.totp_secret.is_some() => clear_second_factor(w.txn(), u.id).await?,
        _ => return Err(Error::validation("email", "this person has no second factor")),
    }
    w.audit(tenant, Entry::new("second_factor.removed", u.id, json!({"email": u.email}))).await?;
    w.commit().await
}

/// Changes the signed-in person's own password, given the current one; their other sessions end.
pub async fn change_password(
    app: &AppState,
    principal: &Principal,
    current: &SecretValue,
    new: &SecretValue,
) -> Result<()> {
    let user = principal.user().ok_or_else(|| Error::forbidden("only a person has a password"))?;
    let credential = credential_of(&app.db, user.id).await?.ok_or_else(|| {
        Error::validation("current", "this account has no password: it signs in at an identity provider")
    })?;
    if !password_matches(app, current, credential.password_hash.clone()).await? {
        return Err(Error::validation("current", "is not your current password"));
    }
    check_password(new, &user.email)?;
    let hash = hash_password(app, new).await?;
    let mut w = app.write(principal.chain()).await?;
    let a_before = credential.clone();
    let mut a = credential.clone();
    a.password_hash = hash;
    a.set_at = w.now();
    praetor_store::update(w.txn(), &a_before, a).await?;
    // Every other session of the person ends, on every node: whoever knew the old password
    // is signed out with it.
    let current = principal.credential.as_ref().map(|c| c.hash.clone()).unwrap_or_default();
    users::end_sessions(&mut w, user_session::Which::OfUserBut(user.id, current)).await?;
    audit_person(&mut w, user, "password.changed", json!({"email": user.email})).await?;
    w.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_those_of_rfc_6238() {
        // RFC 6238, appendix B (SHA-1, the secret "12345678901234567890"), last six digits.
        let secret = SecretValue::new("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let app = authenticator(&secret, "someone@example.com").unwrap();
        for (t, code) in
            [(59, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924"), (2_000_000_000, "279037")]
        {
            assert_eq!(app.generate(t).to_string(), code, "at {t}");
        }
        // One step of drift either side, no more; the step that matched is answered.
        assert_eq!(app.check("287082", 59 + 30), Some(1));
        assert_eq!(app.check("287082", 59 + 60), None);
    }

    #[test]
    fn recovery_codes_are_ten_unambiguous_characters() {
        let code = recovery_code();
        let c = code.expose();
        assert_eq!((c.len(), &c[5..6]), (11, "-"), "{c:?}");
        assert!(normalized(c).chars().all(|ch| "abcdefghijkmnpqrstuvwxyz23456789".contains(ch)), "{c:?}");
        assert_ne!(recovery_code().expose(), c);
    }

    #[test]
    fn codes_are_read_as_people_type_them() {
        assert_eq!(normalized(" ABCDE-fghij "), "abcdefghij");
        assert_eq!(normalized("123 456"), "123456");
    }
}
