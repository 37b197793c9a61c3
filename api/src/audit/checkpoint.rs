//! Signed checkpoints of audit chains. A chain verifies by itself only against itself: someone
//! who can write the database can delete its last entries and move the head back, or rewrite
//! an entry and every hash after it, and it verifies clean. A checkpoint fixes a point of the
//! chain outside the database's power: the instance signs, with an Ed25519 key that is kept
//! sealed under a master key, the text
//!
//! ```text
//! praetor-audit-checkpoint/v1
//! org: org_…
//! seq: 1234
//! head: <hex hash of entry 1234>
//! root: <hex Merkle root over entries 1..=1234>
//! signed-at: 2026-12-05T10:17:00.000Z
//! ```
//!
//! Once checkpoints are kept elsewhere (exported, published), `praetor audit verify
//! --checkpoints FILE` finds a chain that no longer holds an entry a checkpoint covers, or
//! whose entries no longer hash to its root. The Merkle tree is RFC 6962's over the entries'
//! chain hashes ([`praetor_domain::merkle`]): an entry's inclusion proof is checked with
//! SHA-256 alone.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, SecondsFormat, Utc};
use praetor_domain::merkle::{self, Hash};
use praetor_store::{OrgId, instance_key};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::secrets::{self, Keyring};

/// The instance key that signs checkpoints.
pub const KEY_NAME: &str = "audit.checkpoint";

/// What a checkpoint's signature is over.
pub fn signed_text(org: OrgId, seq: i64, head: &str, root: &str, signed_at: DateTime<Utc>) -> String {
    format!(
        "praetor-audit-checkpoint/v1\norg: {org}\nseq: {seq}\nhead: {head}\nroot: {root}\nsigned-at: {}\n",
        signed_at.to_rfc3339_opts(SecondsFormat::Millis, true)
    )
}

/// A public key's id: the first 16 hex digits of its SHA-256.
pub fn key_id(public_key: &[u8]) -> String {
    hex::encode(&Sha256::digest(public_key)[..8])
}

/// The leaf of an entry: its chain hash's bytes (the hash is hex).
pub fn leaf(entry_hash: &str) -> Result<Hash> {
    let bytes = hex::decode(entry_hash)
        .map_err(|e| Error::internal(format!("an audit entry's hash `{entry_hash}` is not hex: {e}")))?;
    Ok(merkle::leaf_hash(&bytes))
}

/// The leaves of entries 1..=n from their hashes, which must be exactly entries 1..=n.
pub fn leaves(hashes: &[(i64, String)]) -> std::result::Result<Vec<Hash>, String> {
    let mut out = Vec::with_capacity(hashes.len());
    for (i, (seq, hash)) in hashes.iter().enumerate() {
        let want = i as i64 + 1;
        if *seq != want {
            return Err(format!("entry {want} is missing (the next is {seq})"));
        }
        out.push(leaf(hash).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

/// The instance's checkpoint key, ready to sign.
pub struct Signer {
    pair: Ed25519KeyPair,
    pub key_id: String,
    /// Base64.
    pub public_key: String,
}

impl Signer {
    /// Signs `text`: the signature in base64.
    pub fn sign(&self, text: &str) -> String {
        B64.encode(self.pair.sign(text.as_bytes()).as_ref())
    }
}

/// The instance's checkpoint key: made (and sealed under the newest master key) the first time
/// one is needed; when two nodes make one at once, the one stored first is everyone's.
pub async fn signer<C: praetor_store::Conn>(db: &C, keyring: &Keyring, now: DateTime<Utc>) -> Result<Signer> {
    let row = match instance_key::by_name(db, KEY_NAME).await? {
        Some(row) => row,
        None => {
            let rng = ring::rand::SystemRandom::new();
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(|_| Error::internal("could not generate the audit checkpoint key"))?;
            let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
                .map_err(|_| Error::internal("the generated audit checkpoint key does not read"))?;
            let public = pair.public_key().as_ref().to_vec();
            let (kek_id, sealed) = secrets::seal_instance(keyring, KEY_NAME, pkcs8.as_ref())?;
            let made = instance_key::Model {
                name: KEY_NAME.into(),
                key_id: key_id(&public),
                public_key: B64.encode(&public),
                kek_id,
                sealed,
                created_at: now,
            };
            if instance_key::create(db, made).await? {
                tracing::info!(key_id = %key_id(&public), "made the instance's audit checkpoint key");
            }
            instance_key::by_name(db, KEY_NAME)
                .await?
                .ok_or_else(|| Error::internal("the audit checkpoint key vanished as it was made"))?
        }
    };
    let pkcs8 = secrets::open_instance(keyring, &row.kek_id, &row.name, &row.sealed)?;
    let pair = Ed25519KeyPair::from_pkcs8(&pkcs8)
        .map_err(|_| Error::internal("the stored audit checkpoint key is not an Ed25519 key"))?;
    Ok(Signer { pair, key_id: row.key_id, public_key: row.public_key })
}

/// Whether `signature` (base64) is `public_key`'s (base64) over `text`.
pub fn signature_holds(public_key: &str, text: &str, signature: &str) -> bool {
    let (Ok(key), Ok(sig)) = (B64.decode(public_key), B64.decode(signature)) else { return false };
    UnparsedPublicKey::new(&ED25519, key).verify(text.as_bytes(), &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_over_its_text_only() {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let public = B64.encode(pair.public_key().as_ref());
        let signer = Signer { pair, key_id: String::new(), public_key: public.clone() };
        let at: DateTime<Utc> = "2026-12-05T10:17:00Z".parse().unwrap();
        let org = OrgId::generate();
        let text = signed_text(org, 12, "ab", "cd", at);
        assert!(text.starts_with("praetor-audit-checkpoint/v1\norg: org_"), "{text}");
        assert!(text.ends_with("signed-at: 2026-12-05T10:17:00.000Z\n"), "{text}");
        let sig = signer.sign(&text);
        assert!(signature_holds(&public, &text, &sig));
        assert!(!signature_holds(&public, &signed_text(org, 11, "ab", "cd", at), &sig));
        assert!(!signature_holds(&public, &text, "not base64!"));
    }

    #[test]
    fn leaves_must_be_the_whole_chain_from_its_first_entry() {
        let h = "00".repeat(32);
        assert_eq!(leaves(&[(1, h.clone()), (2, h.clone())]).unwrap().len(), 2);
        assert!(leaves(&[(1, h.clone()), (3, h.clone())]).unwrap_err().contains("entry 2 is missing"));
        assert!(leaves(&[(2, h)]).is_err());
    }
}
