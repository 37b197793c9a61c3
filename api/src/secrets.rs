//! Secrets kept with envelope encryption. The instance has master keys (KEKs: 32 random bytes
//! each, from `secrets.master_key` and `secrets.previous_master_keys`, the first in use); every organization has data keys (DEKs)
//! stored only wrapped by a master key; every secret is AES-256-GCM under one of its
//! organization's data keys with a fresh 96-bit nonce. The associated data of each ciphertext
//! names the organization, the kind of record, the record's id and the field, so a ciphertext
//! copied to another row, field or organization does not decrypt.
//!
//! Values are never logged, returned or written to the audit log: what people see of a secret
//! is its fingerprint, an HMAC of the value under the organization's data key (equal values
//! have equal fingerprints inside an organization, and nothing can be guessed from it without
//! the key).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use praetor_store::{DataKeyId, Housekeeping, Owned, SecretId, Tenant, UserId, data_key, local_credential, secret};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::{Error, Result};

/// The secret the chat's LLM planner sends as its API key for an organization (the configured
/// `llm.api_key` is the instance default for organizations without one).
pub const LLM_API_KEY: &str = "llm.api_key";

/// The secret that signs an organization's calls to external action handlers (the configured
/// `actions.signing_secret` is the instance default).
pub const EXTERNAL_SIGNING_SECRET: &str = "actions.signing_secret";

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;

/// A secret value in memory: shown by nothing that formats it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(value.into())
    }

    /// The value itself, for the one place that must use it (a request header, a signature).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[secret]")
    }
}

/// One master key and the id that names it in storage (a fingerprint, not the key).
struct MasterKey {
    id: String,
    key: [u8; KEY_LEN],
}

/// The instance's master keys, newest first; loaded on first use (and at start by `serve` and
/// every command, so a missing or malformed key stops them before they do anything).
pub struct Keyring {
    /// `secrets.master_key`, or empty: then the key at `generated` (made if missing).
    configured: String,
    previous: Vec<String>,
    generated: PathBuf,
    keys: OnceLock<Vec<MasterKey>>,
}

impl Keyring {
    pub fn new(config: &Config) -> Self {
        Keyring {
            configured: config.secrets.master_key.trim().to_string(),
            previous: config.secrets.previous_master_keys.clone(),
            generated: config.data_dir.join("master.key"),
            keys: OnceLock::new(),
        }
    }

    /// The master keys, newest first (decoded once; errors say which setting, never a key).
    fn keys(&self) -> Result<&[MasterKey]> {
        if let Some(keys) = self.keys.get() {
            return Ok(keys);
        }
        let newest = if self.configured.is_empty() {
            if !self.generated.exists() {
                generate_key_file(&self.generated)?;
                tracing::warn!(
                    path = %self.generated.display(),
                    "made a master key for secrets; give one kept outside the data directory \
                     (PRAETOR_SECRETS__MASTER_KEY_FILE) before relying on it"
                );
            }
            let text = std::fs::read_to_string(&self.generated).map_err(|e| {
                Error::internal(format!("master key file {} is unreadable: {e}", self.generated.display()))
            })?;
            decode_key(&text, &format!("master key file {}", self.generated.display()))?
        } else {
            decode_key(&self.configured, "secrets.master_key")?
        };
        let mut keys = vec![newest];
        for (i, text) in self.previous.iter().enumerate() {
            keys.push(decode_key(text, &format!("secrets.previous_master_keys[{i}]"))?);
        }
        Ok(self.keys.get_or_init(|| keys))
    }

    /// Loads the keys now, so a server with an unusable key does not start.
    pub fn check(&self) -> Result<()> {
        self.keys().map(|_| ())
    }

    fn newest_key(&self) -> Result<&MasterKey> {
        self.keys()?.first().ok_or_else(|| Error::internal("no master key"))
    }

    fn by_id(&self, id: &str) -> Result<&MasterKey> {
        self.keys()?.iter().find(|k| k.id == id).ok_or_else(|| {
            Error::internal(format!("a data key is wrapped by master key {id}, which is not configured"))
        })
    }
}

fn key_id(key: &[u8; KEY_LEN]) -> String {
    let digest = Sha256::digest([b"praetor master key id|".as_slice(), key].concat());
    format!("kek_{}", &hex::encode(digest)[..16])
}

/// A master key from its base64 text; `what` names where it came from in errors.
fn decode_key(text: &str, what: &str) -> Result<MasterKey> {
    let bytes = B64
        .decode(text.trim())
        .map_err(|_| Error::internal(format!("{what} is not base64 (make one with openssl rand -base64 32)")))?;
    let key: [u8; KEY_LEN] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| Error::internal(format!("{what} holds {} bytes; a master key is 32", b.len())))?;
    Ok(MasterKey { id: key_id(&key), key })
}

fn generate_key_file(path: &Path) -> Result<()> {
    let mut key = [0u8; KEY_LEN];
    rand::fill(&mut key[..]);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::internal(format!("cannot create {} for the master key: {e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    use std::io::Write;
    options
        .open(path)
        .and_then(|mut f| f.write_all(B64.encode(key).as_bytes()))
        .map_err(|e| Error::internal(format!("cannot write the master key to {}: {e}", path.display())))
}

/// What a ciphertext is bound to: organization, kind of record, record id and field.
pub fn associated_data(tenant: Tenant, kind: &str, id: &str, field: &str) -> Vec<u8> {
    format!("praetor/v1|{}|{kind}|{id}|{field}", tenant.org()).into_bytes()
}

fn seal(key: &[u8; KEY_LEN], aad: &[u8], plaintext: &[u8]) -> Result<String> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| Error::internal("bad key length"))?;
    let mut nonce = [0u8; NONCE_LEN];
    rand::fill(&mut nonce[..]);
    let ct = cipher
        .encrypt(&Nonce::from(nonce), Payload { msg: plaintext, aad })
        .map_err(|_| Error::internal("encryption failed"))?;
    Ok(B64.encode([nonce.as_slice(), &ct].concat()))
}

fn open(key: &[u8; KEY_LEN], aad: &[u8], sealed: &str, what: &dyn std::fmt::Display) -> Result<Vec<u8>> {
    let fail = || Error::internal(format!("{what} does not decrypt (wrong key, or moved from another record)"));
    let bytes = B64.decode(sealed).map_err(|_| fail())?;
    if bytes.len() < NONCE_LEN + 16 {
        return Err(fail());
    }
    let (nonce, ct) = bytes.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| fail())?;
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| fail())?;
    cipher.decrypt(&Nonce::from(nonce), Payload { msg: ct, aad }).map_err(|_| fail())
}

fn fingerprint(key: &[u8; KEY_LEN], value: &str) -> Result<String> {
    let mut mac =
        <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).map_err(|_| Error::internal("bad key length"))?;
    mac.update(b"praetor fingerprint|");
    mac.update(value.as_bytes());
    Ok(format!("hmac:{}", &hex::encode(mac.finalize().into_bytes())[..16]))
}

fn unwrap_key(keyring: &Keyring, row: &data_key::Model) -> Result<[u8; KEY_LEN]> {
    let kek = keyring.by_id(&row.kek_id)?;
    let aad = associated_data(row.tenant(), "data_key", &row.id.to_string(), "key");
    let bytes = open(&kek.key, &aad, &row.wrapped, &format_args!("data key {}", row.id))?;
    bytes.try_into().map_err(|_| Error::internal(format!("data key {} is not 32 bytes", row.id)))
}

/// The organization's newest data key, made (and wrapped by the newest master key) on first
/// use.
async fn current_key<C: praetor_store::Conn>(
    db: &C,
    keyring: &Keyring,
    tenant: Tenant,
    now: DateTime<Utc>,
) -> Result<(DataKeyId, [u8; KEY_LEN])> {
    let newest = data_key::newest(db, tenant).await?;
    if let Some(row) = newest {
        return Ok((row.id, unwrap_key(keyring, &row)?));
    }
    let mut key = [0u8; KEY_LEN];
    rand::fill(&mut key[..]);
    let id = DataKeyId::generate();
    let kek = keyring.newest_key()?;
    let wrapped = seal(&kek.key, &associated_data(tenant, "data_key", &id.to_string(), "key"), &key)?;
    praetor_store::insert(
        db,
        data_key::Model { id, org_id: tenant.org(), kek_id: kek.id.clone(), wrapped, created_at: now, wrapped_at: now },
    )
    .await?;
    Ok((id, key))
}

/// Sets the organization's secret `name` to `value` (replacing any earlier value), in the
/// caller's transaction. Returns the row: its fingerprint, never the value.
pub async fn put<C: praetor_store::Conn>(
    db: &C,
    keyring: &Keyring,
    tenant: Tenant,
    name: &str,
    value: &SecretValue,
    set_by: String,
    now: DateTime<Utc>,
) -> Result<secret::Model> {
    let (key_id, key) = current_key(db, keyring, tenant, now).await?;
    let existing = secret::by_name(db, tenant, name).await?;
    let id = existing.as_ref().map(|s| s.id).unwrap_or_else(SecretId::generate);
    let ciphertext = seal(&key, &associated_data(tenant, "secret", &id.to_string(), "value"), value.0.as_bytes())?;
    let fingerprint = fingerprint(&key, &value.0)?;
    let row = secret::Model {
        id,
        org_id: tenant.org(),
        name: name.into(),
        data_key_id: key_id,
        ciphertext,
        fingerprint,
        set_at: now,
        set_by,
    };
    Ok(match existing {
        Some(before) => praetor_store::update(db, &before, row).await?,
        None => praetor_store::insert(db, row).await?,
    })
}

/// Decrypts a stored secret row.
pub async fn reveal<C: praetor_store::Conn>(db: &C, keyring: &Keyring, row: &secret::Model) -> Result<SecretValue> {
    let key_row = data_key::by_id(db, row.tenant(), row.data_key_id)
        .await?
        .ok_or_else(|| Error::internal(format!("secret {} names a data key that does not exist", row.id)))?;
    let key = unwrap_key(keyring, &key_row)?;
    let aad = associated_data(row.tenant(), "secret", &row.id.to_string(), "value");
    let bytes = open(&key, &aad, &row.ciphertext, &format_args!("secret {}", row.id))?;
    String::from_utf8(bytes).map(SecretValue).map_err(|_| Error::internal(format!("secret {} is not text", row.id)))
}

/// The fingerprint of the organization's secret `name`, if it is set (nothing is decrypted).
pub async fn fingerprint_of<C: praetor_store::Conn>(db: &C, tenant: Tenant, name: &str) -> Result<Option<String>> {
    Ok(secret::by_name(db, tenant, name).await?.map(|s| s.fingerprint))
}

/// The organization's secret `name`, decrypted, if it is set.
pub async fn get<C: praetor_store::Conn>(
    db: &C,
    keyring: &Keyring,
    tenant: Tenant,
    name: &str,
) -> Result<Option<SecretValue>> {
    match secret::by_name(db, tenant, name).await? {
        Some(row) => Ok(Some(reveal(db, keyring, &row).await?)),
        None => Ok(None),
    }
}

/// What a person's own secret (their authenticator app's) is bound to: the person and the
/// field. People belong to no one organization, so these are sealed under a master key itself.
fn personal_data(user: UserId, field: &str) -> Vec<u8> {
    format!("praetor/v1|person|{user}|{field}").into_bytes()
}

/// Seals a person's secret under the newest master key: the key's id and the ciphertext.
pub fn seal_personal(keyring: &Keyring, user: UserId, field: &str, value: &SecretValue) -> Result<(String, String)> {
    let kek = keyring.newest_key()?;
    Ok((kek.id.clone(), seal(&kek.key, &personal_data(user, field), value.0.as_bytes())?))
}

/// Opens what [`seal_personal`] sealed.
pub fn open_personal(keyring: &Keyring, kek_id: &str, user: UserId, field: &str, sealed: &str) -> Result<SecretValue> {
    let kek = keyring.by_id(kek_id)?;
    let bytes = open(&kek.key, &personal_data(user, field), sealed, &format_args!("the {field} of person {user}"))?;
    String::from_utf8(bytes).map(SecretValue).map_err(|_| Error::internal(format!("the {field} of {user} is not text")))
}

/// What an instance key is bound to: its name. Instance keys belong to no organization, so
/// they are sealed under a master key itself.
fn instance_data(name: &str) -> Vec<u8> {
    format!("praetor/v1|instance|{name}").into_bytes()
}

/// Seals an instance key under the newest master key: the key's id and the ciphertext.
pub fn seal_instance(keyring: &Keyring, name: &str, key: &[u8]) -> Result<(String, String)> {
    let kek = keyring.newest_key()?;
    Ok((kek.id.clone(), seal(&kek.key, &instance_data(name), key)?))
}

/// Opens what [`seal_instance`] sealed.
pub fn open_instance(keyring: &Keyring, kek_id: &str, name: &str, sealed: &str) -> Result<Vec<u8>> {
    let kek = keyring.by_id(kek_id)?;
    open(&kek.key, &instance_data(name), sealed, &format_args!("the instance key {name}"))
}

/// Reseals an instance key under the newest master key, in the caller's transaction; `false`
/// if it already was.
pub async fn reseal_instance<C: praetor_store::Conn>(
    db: &C,
    keyring: &Keyring,
    row: praetor_store::instance_key::Model,
) -> Result<bool> {
    let newest = keyring.newest_key()?;
    if row.kek_id == newest.id {
        return Ok(false);
    }
    let key = open_instance(keyring, &row.kek_id, &row.name, &row.sealed)?;
    let (kek, sealed) = seal_instance(keyring, &row.name, &key)?;
    let active_before = row.clone();
    let mut active = row.clone();
    active.kek_id = kek;
    active.sealed = sealed;
    praetor_store::update(db, &active_before, active).await?;
    Ok(true)
}

/// An error as an operator reads it: the internal detail (which never holds a secret).
pub fn describe(e: &Error) -> String {
    match e {
        Error::Internal { detail, .. } => detail.clone(),
        other => other.to_string(),
    }
}

/// What [`verify`] and rotation found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KeyReport {
    pub data_keys: u64,
    pub secrets: u64,
    /// People's authenticator secrets (sealed under a master key).
    pub personal: u64,
    /// The instance's own keys (sealed under a master key): the audit checkpoint key.
    pub instance: u64,
    /// Instance keys resealed under the newest master key.
    pub instance_resealed: u64,
    /// Data keys (and people's secrets) rewrapped under the newest master key.
    pub rewrapped: u64,
    /// Records that do not decrypt: what they are and why, never a value.
    pub failures: Vec<String>,
}

/// Decrypts every data key and every secret of every organization, reporting what fails.
pub async fn verify<C: praetor_store::Conn>(db: &C, keyring: &Keyring) -> Result<KeyReport> {
    let mut report = KeyReport::default();
    for row in data_key::everywhere(db, Housekeeping::Cli).await? {
        report.data_keys += 1;
        if let Err(e) = unwrap_key(keyring, &row) {
            report.failures.push(format!("data key {} of {}: {}", row.id, row.org_id, describe(&e)));
        }
    }
    for row in secret::everywhere(db, Housekeeping::Cli).await? {
        report.secrets += 1;
        if let Err(e) = reveal(db, keyring, &row).await {
            report.failures.push(format!("secret {} ({}) of {}: {}", row.id, row.name, row.org_id, describe(&e)));
        }
    }
    for row in sealed_personal(db).await? {
        report.personal += 1;
        if let Err(e) = open_credential(keyring, &row) {
            report.failures.push(format!("the authenticator secret of person {}: {}", row.user_id, describe(&e)));
        }
    }
    for row in praetor_store::instance_key::all(db).await? {
        report.instance += 1;
        if let Err(e) = open_instance(keyring, &row.kek_id, &row.name, &row.sealed) {
            report.failures.push(format!("the instance key {}: {}", row.name, describe(&e)));
        }
    }
    Ok(report)
}

/// People's credentials holding a sealed authenticator secret.
pub async fn sealed_personal<C: praetor_store::Conn>(db: &C) -> Result<Vec<local_credential::Model>> {
    Ok(local_credential::with_totp(db).await?)
}

/// The field a person's authenticator secret is sealed as.
pub const TOTP_FIELD: &str = "totp";

/// A person's authenticator secret, opened.
pub fn open_credential(keyring: &Keyring, row: &local_credential::Model) -> Result<SecretValue> {
    match (&row.totp_kek_id, &row.totp_secret) {
        (Some(kek), Some(sealed)) => open_personal(keyring, kek, row.user_id, TOTP_FIELD, sealed),
        _ => Err(Error::internal(format!("person {} has no authenticator secret", row.user_id))),
    }
}

/// Reseals a person's authenticator secret under the newest master key, in the caller's
/// transaction; `false` if it already was.
pub async fn reseal_personal<C: praetor_store::Conn>(
    db: &C,
    keyring: &Keyring,
    row: local_credential::Model,
) -> Result<bool> {
    let newest = keyring.newest_key()?;
    if row.totp_kek_id.as_deref() == Some(newest.id.as_str()) {
        return Ok(false);
    }
    let value = open_credential(keyring, &row)?;
    let (kek, sealed) = seal_personal(keyring, row.user_id, TOTP_FIELD, &value)?;
    let active_before = row.clone();
    let mut active = row.clone();
    active.totp_kek_id = Some(kek);
    active.totp_secret = Some(sealed);
    praetor_store::update(db, &active_before, active).await?;
    Ok(true)
}

/// The id of the newest master key (what `rotate` rewraps under).
pub fn newest_key_id(keyring: &Keyring) -> Result<String> {
    Ok(keyring.newest_key()?.id.clone())
}

/// Rewraps one data key under the newest master key, in the caller's transaction; `false` if
/// it already was.
pub async fn rewrap<C: praetor_store::Conn>(
    db: &C,
    keyring: &Keyring,
    row: data_key::Model,
    now: DateTime<Utc>,
) -> Result<bool> {
    let newest = keyring.newest_key()?;
    if row.kek_id == newest.id {
        return Ok(false);
    }
    let key = unwrap_key(keyring, &row)?;
    let aad = associated_data(row.tenant(), "data_key", &row.id.to_string(), "key");
    let wrapped = seal(&newest.key, &aad, &key)?;
    let active_before = row.clone();
    let mut active = row.clone();
    active.kek_id = newest.id.clone();
    active.wrapped = wrapped;
    active.wrapped_at = now;
    praetor_store::update(db, &active_before, active).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use praetor_store::OrgId;

    fn tenant() -> Tenant {
        Tenant::housekeeping(OrgId::generate(), Housekeeping::Setup)
    }

    #[test]
    fn a_ciphertext_opens_only_with_its_key_and_its_associated_data() {
        let key = [7u8; KEY_LEN];
        let t = tenant();
        let aad = associated_data(t, "secret", "sec_1", "value");
        let sealed = seal(&key, &aad, b"hunter2").unwrap();
        assert_eq!(open(&key, &aad, &sealed, &"x").unwrap(), b"hunter2");
        // Another row, field, kind or organization: refused.
        for other in [
            associated_data(t, "secret", "sec_2", "value"),
            associated_data(t, "secret", "sec_1", "other"),
            associated_data(t, "webhook", "sec_1", "value"),
            associated_data(tenant(), "secret", "sec_1", "value"),
        ] {
            assert!(open(&key, &other, &sealed, &"x").is_err());
        }
        assert!(open(&[8u8; KEY_LEN], &aad, &sealed, &"x").is_err(), "another key");
        // A fresh nonce every time: the same value never seals the same way twice.
        assert_ne!(seal(&key, &aad, b"hunter2").unwrap(), sealed);
        assert!(!sealed.contains("hunter2"));
    }

    #[test]
    fn fingerprints_tell_values_apart_without_showing_them() {
        let (a, b) = ([1u8; KEY_LEN], [2u8; KEY_LEN]);
        let f = |k: &[u8; KEY_LEN], v: &str| fingerprint(k, v).unwrap();
        assert_eq!(f(&a, "v"), f(&a, "v"));
        assert_ne!(f(&a, "v"), f(&a, "w"));
        assert_ne!(f(&a, "v"), f(&b, "v"), "keyed by the organization's data key");
    }

    #[test]
    fn key_files_are_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config { data_dir: dir.path().into(), ..Default::default() };
        let ring = Keyring::new(&config);
        ring.check().unwrap();
        let path = dir.path().join("master.key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let id = ring.newest_key().unwrap().id.clone();
        // A second start reads the same key.
        assert_eq!(Keyring::new(&config).newest_key().unwrap().id, id);
        // A configured key that is not one is named in the error, its content never.
        let mut bad = config.clone();
        bad.secrets.master_key = "not base64 at all!".into();
        let Err(Error::Internal { detail, .. }) = Keyring::new(&bad).check() else {
            panic!("a bad key file is refused")
        };
        assert!(detail.contains("secrets.master_key") && !detail.contains("not base64 at all"), "{detail}");
    }
}
