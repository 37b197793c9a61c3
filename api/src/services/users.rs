//! Users are global; an organization provisions them by e-mail (they sign in later through a
//! session or OIDC). Provisioning is audited in the organization that asked for it.

use praetor_entities::{Shared, Tenant, UserId, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, Set};
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
    let u = user::ActiveModel {
        id: Set(UserId::generate()),
        email: Set(email.to_string()),
        display_name: Set(display),
        instance_admin: Set(false),
        created_at: Set(w.now()),
    }
    .insert(w.txn())
    .await?;
    w.audit(tenant, Entry::new("user.provisioned", u.id, json!({"email": u.email}))).await?;
    Ok(u)
}

pub async fn find_by_email<C: ConnectionTrait>(db: &C, email: &str) -> Result<Option<user::Model>> {
    Ok(user::Entity::find_shared().filter(user::Column::Email.eq(email)).one(db).await?)
}

/// Ends the sessions `which` selects, on every node (open websockets signed in with them close):
/// a provider deleted or disabled, a password changed or reset.
pub async fn end_sessions(w: &mut Write<'_>, which: impl sea_orm::sea_query::IntoCondition) -> Result<usize> {
    use praetor_entities::user_session;
    let which = which.into_condition();
    let ending = user_session::Entity::find_shared().filter(which.clone()).all(w.txn()).await?;
    user_session::Entity::delete_shared().filter(which).exec(w.txn()).await?;
    for s in &ending {
        w.publish(crate::events::Event::CredentialEnded { hash: s.token_hash.clone() });
    }
    Ok(ending.len())
}
