//! JWT signatures checked with ring. `jsonwebtoken`'s own RustCrypto backend spends ~150 µs on
//! an RS256 signature here (its big-integer arithmetic); ring, already in the process as the
//! TLS provider, does the same check in a fraction of that. This provider answers only the
//! verifications Praetor makes (asymmetric algorithms; an HMAC "key" is refused, so no public
//! key can ever be used as an HMAC secret) and leaves signing to the crate's own backend.

use std::sync::LazyLock;

use jsonwebtoken::crypto::{CryptoProvider, JwtVerifier};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind};
use ring::signature as rs;

enum Key {
    RsaComponents {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// PKCS#1 DER (RSA), a SEC1 point (EC) or the raw key (Ed25519).
    Der(Vec<u8>),
}

struct Verifier {
    alg: Algorithm,
    key: Key,
}

impl signature::Verifier<Vec<u8>> for Verifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        use Algorithm::*;
        let rsa: Option<&'static rs::RsaParameters> = match self.alg {
            RS256 => Some(&rs::RSA_PKCS1_2048_8192_SHA256),
            RS384 => Some(&rs::RSA_PKCS1_2048_8192_SHA384),
            RS512 => Some(&rs::RSA_PKCS1_2048_8192_SHA512),
            PS256 => Some(&rs::RSA_PSS_2048_8192_SHA256),
            PS384 => Some(&rs::RSA_PSS_2048_8192_SHA384),
            PS512 => Some(&rs::RSA_PSS_2048_8192_SHA512),
            _ => None,
        };
        let checked = match (&self.key, rsa) {
            (Key::RsaComponents { n, e }, Some(params)) => rs::RsaPublicKeyComponents { n, e }.verify(params, msg, sig),
            (Key::Der(der), Some(params)) => rs::UnparsedPublicKey::new(params, der).verify(msg, sig),
            (Key::Der(point), None) => {
                let alg: &'static dyn rs::VerificationAlgorithm = match self.alg {
                    ES256 => &rs::ECDSA_P256_SHA256_FIXED,
                    ES384 => &rs::ECDSA_P384_SHA384_FIXED,
                    EdDSA => &rs::ED25519,
                    _ => return Err(signature::Error::new()),
                };
                rs::UnparsedPublicKey::new(alg, point).verify(msg, sig)
            }
            (Key::RsaComponents { .. }, None) => return Err(signature::Error::new()),
        };
        checked.map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for Verifier {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

fn new_verifier(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    use jsonwebtoken::AlgorithmFamily;
    if alg.family() != key.family() || matches!(key.family(), AlgorithmFamily::Hmac) {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let key = match key.kind() {
        DecodingKeyKind::RsaModulusExponent { n, e } => Key::RsaComponents { n: n.clone(), e: e.clone() },
        DecodingKeyKind::SecretOrDer(bytes) => Key::Der(bytes.clone()),
    };
    Ok(Box::new(Verifier { alg: *alg, key }))
}

static PROVIDER: LazyLock<CryptoProvider> = LazyLock::new(|| CryptoProvider {
    verifier_factory: new_verifier,
    ..jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.clone()
});

/// Makes ring check every JWT signature in this process. Safe to call more than once.
pub fn install() {
    let _ = PROVIDER.install_default();
}
