//! Users are global; an organization provisions them by e-mail (they sign in later through a
//! session or OIDC). Provisioning is audited in the organization that asked for it.

use praetor_store::{Tenant, UserId, user};
use serde_json::json;

use crate::audit::Entry;
use crate::error::Result;
use crate::write::Write;

/// The user with `email`, created if there is none yet. `email` must already be validated.
pub async fn find_or_provision(w: &mut Write<'_>, tenant: Tenant, email: &str) -> Result<user::Model> {
    let _org = tenant.org();
    if let Some(u) = find_by_email(w.txn(), email).await? {
        return Ok(u);
    }
    let display = email.split('@').next().unwrap_or(email).to_string();
    let u = praetor_store::insert(
        w.txn(),
        user::Model {
            id: UserId::generate(),
            email: email.to_string(),
            display_name: display,
            instance_admin: false,
            created_at: w.now(),
        },
    )
    .await?;
    w.audit(tenant, Entry::new("user.provisioned", u.id, json!({"email": u.email}))).await?;
    Ok(u)
}

pub async fn find_by_email<C: praetor_store::Conn>(db: &C, email: &str) -> Result<Option<user::Model>> {
    Ok(user::by_email(db, email).await?)
}

/// Ends the sessions `which` selects, on every node (open websockets signed in with them close):
/// a provider deleted or disabled, a password changed or reset.
pub async fn end_sessions(w: &mut Write<'_>, which: praetor_store::user_session::Which) -> Result<usize> {
    let ending = praetor_store::user_session::delete_which(w.txn(), &which).await?;
    for s in &ending {
        w.publish(crate::events::Event::CredentialEnded { hash: s.token_hash.clone() });
    }
    Ok(ending.len())
}
