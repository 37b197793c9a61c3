//! The command line's own file of named contexts: for each, a server, an organization and the
//! credential to reach it with (an API key, or an identity provider's tokens from `praetor
//! login`), and which context is current. YAML, read from `--client-config` (also
//! `PRAETOR_CLIENT_CONFIG`), else `$XDG_CONFIG_HOME/praetor/client.yaml`, else
//! `~/.config/praetor/client.yaml`. Written whole to a temporary file beside it (mode 0600, in
//! a directory of mode 0700) and renamed over it, so a failure never leaves half a file and
//! nobody else on the machine can read the credentials.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::remote::Failure;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ClientConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_context: Option<String>,
    #[serde(default)]
    pub contexts: BTreeMap<String, Context>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Context {
    /// The server's address, without a trailing slash.
    pub server: String,
    /// The organization's slug.
    pub org: String,
    pub credential: Credential,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Credential {
    ApiKey {
        key: String,
    },
    /// Tokens from an organization's identity provider (the device authorization grant).
    #[serde(rename_all = "kebab-case")]
    Provider {
        /// The provider's name in the organization.
        provider: String,
        issuer: String,
        client_id: String,
        audience: String,
        access_token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refresh_token: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<DateTime<Utc>>,
    },
}

impl Credential {
    pub fn describe(&self) -> String {
        match self {
            Credential::ApiKey { .. } => "API key".into(),
            Credential::Provider { provider, .. } => format!("signed in at {provider}"),
        }
    }
}

/// Where the file is: `explicit`, else under `$XDG_CONFIG_HOME`, else under `$HOME/.config`.
pub fn path(explicit: Option<&Path>) -> Result<PathBuf, Failure> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| Failure::usage("neither XDG_CONFIG_HOME nor HOME is set: give --client-config"))?;
    Ok(base.join("praetor").join("client.yaml"))
}

/// The file's contents; an empty configuration when there is no file yet. A file others may
/// read is used, with a warning to fix it (the next save does).
pub fn load(path: &Path) -> Result<ClientConfig, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ClientConfig::default()),
        Err(e) => return Err(Failure::local(format!("cannot read {}: {e}", path.display()))),
    };
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        eprintln!(
            "warning: {} may be read by others (mode {:o}); it holds credentials: chmod 600 it",
            path.display(),
            meta.permissions().mode() & 0o777
        );
    }
    if text.trim().is_empty() {
        return Ok(ClientConfig::default());
    }
    // The parser's message names the line and column.
    serde_saphyr::from_str(&text).map_err(|e| Failure::local(format!("{}: {e}", path.display())))
}

/// Writes `config` to `path` whole, readable by its owner only.
pub fn save(path: &Path, config: &ClientConfig) -> Result<(), Failure> {
    let fail = |what: &str, e: &dyn std::fmt::Display| Failure::local(format!("cannot {what} {}: {e}", path.display()));
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| fail("create the folder of", &e))?;
    let text = serde_saphyr::to_string(config).map_err(|e| fail("write", &e))?;
    // tempfile creates the file with mode 0600.
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail("write", &e))?;
    file.as_file().set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(|e| fail("write", &e))?;
    file.write_all(text.as_bytes()).map_err(|e| fail("write", &e))?;
    file.as_file().sync_all().map_err(|e| fail("write", &e))?;
    file.persist(path).map_err(|e| fail("replace", &e.error))?;
    Ok(())
}

impl ClientConfig {
    /// The context named `name`, else the current one.
    pub fn pick(&self, name: Option<&str>) -> Result<(String, Context), Failure> {
        let name = match name.or(self.current_context.as_deref()) {
            Some(n) => n,
            None => {
                return Err(Failure::local("no context: sign in first with `praetor login --server URL --org SLUG`"));
            }
        };
        let context = self.contexts.get(name).cloned().ok_or_else(|| {
            let known = self.contexts.keys().cloned().collect::<Vec<_>>().join(", ");
            Failure::local(format!(
                "no context named `{name}` (known: {})",
                if known.is_empty() { "none" } else { &known }
            ))
        })?;
        Ok((name.to_string(), context))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ClientConfig {
        let mut contexts = BTreeMap::new();
        contexts.insert(
            "demo".to_string(),
            Context {
                server: "http://127.0.0.1:8080".into(),
                org: "demo".into(),
                credential: Credential::ApiKey { key: "prk_abc".into() },
            },
        );
        contexts.insert(
            "corp".to_string(),
            Context {
                server: "https://praetor.example.com".into(),
                org: "corp".into(),
                credential: Credential::Provider {
                    provider: "Okta".into(),
                    issuer: "https://corp.okta.com".into(),
                    client_id: "praetor-cli".into(),
                    audience: "api://praetor".into(),
                    access_token: "eyJ.a.b".into(),
                    refresh_token: Some("rt".into()),
                    expires_at: Some(DateTime::from_timestamp(1_800_000_000, 0).unwrap()),
                },
            },
        );
        ClientConfig { current_context: Some("corp".into()), contexts }
    }

    #[test]
    fn saves_whole_for_its_owner_only_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("client.yaml");
        save(&path, &sample()).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(load(&path).unwrap(), sample());
        // Nothing else is left beside it.
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
        // A save over a file others could read leaves one only its owner can.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        save(&path, &ClientConfig::default()).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(load(&path).unwrap(), ClientConfig::default());
    }

    #[test]
    fn no_file_is_no_contexts_and_a_bad_file_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client.yaml");
        assert_eq!(load(&path).unwrap(), ClientConfig::default());
        std::fs::write(&path, "current-context: demo\ncontexts:\n  demo:\n    server: x\n    org: [\n").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("client.yaml") && e.contains("line 5"), "{e}");
        std::fs::write(&path, "contexts:\n  demo:\n    server: x\n    org: demo\n    credential: {kind: password}\n")
            .unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("password") && e.contains("line 5"), "{e}");
    }

    #[test]
    fn picks_the_named_or_current_context() {
        let config = sample();
        assert_eq!(config.pick(None).unwrap().0, "corp");
        assert_eq!(config.pick(Some("demo")).unwrap().1.org, "demo");
        let e = config.pick(Some("other")).unwrap_err().to_string();
        assert!(e.contains("known: corp, demo"), "{e}");
        assert!(ClientConfig::default().pick(None).unwrap_err().to_string().contains("praetor login"));
    }
}
