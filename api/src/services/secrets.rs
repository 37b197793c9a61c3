//! The organization's secrets: set (or replace), delete, and list by name and fingerprint.
//! Values go in and never come out of the API; they are decrypted only where Praetor uses them
//! (the LLM planner's key). Every change is audited with the name and fingerprint, never the
//! value. Needs `secret.manage` (organization administrators).

use praetor_store::secret;
use serde_json::json;

use crate::AppState;
use crate::audit::Entry;
use crate::authz::{Permit, ops};
use crate::error::{Error, Result};
use crate::secrets::{self, SecretValue};

pub use crate::secrets::{EXTERNAL_SIGNING_SECRET, LLM_API_KEY};

/// The shortest signing secret accepted (as for the instance's `actions.signing_secret`).
const MIN_SIGNING_SECRET: usize = 32;

/// Longest value accepted, in bytes.
const MAX_VALUE_BYTES: usize = 8 * 1024;

/// Name prefixes of secrets Praetor keeps for its own records (webhook endpoints' and
/// triggers' signing secrets): managed with those records, never by name.
const RESERVED: &[&str] = &["webhook.", "trigger.", "identity_provider."];

fn name(name: &str) -> Result<String> {
    let n = name.trim();
    if RESERVED.iter().any(|p| n.starts_with(p)) {
        return Err(Error::validation(
            "name",
            "names starting with `webhook.`, `trigger.` or `identity_provider.` belong to endpoints, triggers and identity providers",
        ));
    }
    let ok = !n.is_empty()
        && n.len() <= 64
        && n.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(n.to_string())
    } else {
        Err(Error::validation("name", "1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"))
    }
}

/// Sets secret `name` to `value`, replacing any earlier value.
pub async fn set(
    app: &AppState,
    permit: &Permit<ops::SecretManage>,
    name_: &str,
    value: SecretValue,
) -> Result<secret::Model> {
    let name = name(name_)?;
    if value.expose().is_empty() || value.expose().len() > MAX_VALUE_BYTES {
        return Err(Error::validation("value", format!("give 1 to {MAX_VALUE_BYTES} bytes")));
    }
    if name == EXTERNAL_SIGNING_SECRET && value.expose().len() < MIN_SIGNING_SECRET {
        return Err(Error::validation(
            "value",
            format!("a signing secret needs at least {MIN_SIGNING_SECRET} characters"),
        ));
    }
    let mut w = app.write(permit.principal().chain()).await?;
    let set_by = permit.principal().chain_json()?;
    let row = secrets::put(w.txn(), &app.secrets, permit.tenant(), &name, &value, set_by, w.now()).await?;
    w.audit(
        permit.tenant(),
        Entry::new("secret.set", row.id, json!({"name": row.name, "fingerprint": row.fingerprint})),
    )
    .await?;
    w.commit().await?;
    Ok(row)
}

/// Deletes secret `name`; NOT_FOUND if it is not set.
pub async fn delete(app: &AppState, permit: &Permit<ops::SecretManage>, name_: &str) -> Result<()> {
    let name = name(name_)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let row = secret::by_name(w.txn(), permit.tenant(), &name).await?.ok_or_else(|| Error::not_found("secret"))?;
    secret::delete(w.txn(), permit.tenant(), row.id).await?;
    w.audit(
        permit.tenant(),
        Entry::new("secret.deleted", row.id, json!({"name": row.name, "fingerprint": row.fingerprint})),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// The organization's secrets by name: names and fingerprints only.
pub async fn list(app: &AppState, permit: &Permit<ops::SecretManage>) -> Result<Vec<secret::Model>> {
    let all = secret::by_names(&app.db, permit.tenant()).await?;
    Ok(all.into_iter().filter(|s| !RESERVED.iter().any(|p| s.name.starts_with(p))).collect())
}

/// Rewraps every organization's data keys under the newest master key, each in its own
/// transaction with its audit entry, so a rotation stopped half way is finished by running it
/// again and the server keeps serving meanwhile. Keys that do not unwrap are reported, not
/// fatal.
pub async fn rotate(app: &AppState) -> Result<secrets::KeyReport> {
    use praetor_store::{Housekeeping, Owned, data_key};
    let newest = secrets::newest_key_id(&app.secrets)?;
    let mut report = secrets::KeyReport::default();
    for row in data_key::everywhere(&app.db, Housekeeping::Cli).await? {
        report.data_keys += 1;
        if row.kek_id == newest {
            continue;
        }
        let (tenant, id, from) = (row.tenant(), row.id, row.kek_id.clone());
        let mut w = app.write(vec![crate::auth::ActorRef::system("cli", "praetor secrets rotate")]).await?;
        match secrets::rewrap(w.txn(), &app.secrets, row, w.now()).await {
            Ok(true) => {
                w.audit(tenant, Entry::new("secrets.data_key_rewrapped", id, json!({"from": from, "to": newest})))
                    .await?;
                w.commit().await?;
                report.rewrapped += 1;
            }
            Ok(false) => {}
            Err(e) => report.failures.push(format!("data key {id} of {}: {}", tenant.org(), secrets::describe(&e))),
        }
    }
    // People's authenticator secrets, sealed under a master key itself. A person belongs to no
    // one organization's chain, so these are logged rather than audited (never the value).
    for row in secrets::sealed_personal(&app.db).await? {
        report.personal += 1;
        let user = row.user_id;
        match secrets::reseal_personal(&app.db, &app.secrets, row).await {
            Ok(true) => {
                tracing::info!(%user, to = %newest, "resealed a person's authenticator secret");
                report.rewrapped += 1;
            }
            Ok(false) => {}
            Err(e) => {
                report.failures.push(format!("the authenticator secret of person {user}: {}", secrets::describe(&e)))
            }
        }
    }
    // The instance's own keys (the audit checkpoint signing key), sealed under a master key.
    for row in praetor_store::instance_key::all(&app.db).await? {
        report.instance += 1;
        let name = row.name.clone();
        match secrets::reseal_instance(&app.db, &app.secrets, row).await {
            Ok(true) => {
                tracing::info!(key = %name, to = %newest, "resealed an instance key");
                report.instance_resealed += 1;
            }
            Ok(false) => {}
            Err(e) => report.failures.push(format!("the instance key {name}: {}", secrets::describe(&e))),
        }
    }
    Ok(report)
}
