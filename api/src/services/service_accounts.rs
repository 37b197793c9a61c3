//! Service accounts: the principals of integrations.

use praetor_store::{ServiceAccountId, service_account};
use serde_json::json;

use super::page::{Page, PageArgs};
use super::validate;
use crate::AppState;
use crate::audit::Entry;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess, Permit};
use crate::error::{Error, Result, conflict_means};

/// What a trigger or a schedule proposes, checked when it is made: a plan template the
/// project's policy has (its name trimmed), fixed arguments that are a JSON object, and the
/// organization's service account it proposes as, by name. Answers the template's name and the
/// account.
pub async fn standing_proposal(
    app: &AppState,
    tenant: praetor_store::Tenant,
    project: &praetor_store::project::Model,
    template: &str,
    args: &serde_json::Value,
    service_account: &str,
) -> Result<(String, service_account::Model)> {
    let template = template.trim().to_string();
    if !args.is_object() {
        return Err(Error::validation("args", "must be a JSON object"));
    }
    let policy = app.policies.effective(&app.db, tenant, Some(project.id)).await?;
    if policy.effective.template(&template).is_none() {
        return Err(Error::validation(
            "template",
            format!("project {} has no plan template named `{template}`", project.slug),
        ));
    }
    let sa = service_account::by_name(&app.db, tenant, service_account.trim())
        .await?
        .ok_or_else(|| Error::validation("serviceAccount", format!("no service account named `{service_account}`")))?;
    Ok((template, sa))
}

/// The service account `id` that `owner` (a trigger, a schedule) proposes as; its absence is an
/// internal error (the account cannot be deleted from under its owner unnoticed).
pub async fn proposing_as(
    app: &AppState,
    tenant: praetor_store::Tenant,
    id: ServiceAccountId,
    owner: &str,
) -> Result<service_account::Model> {
    service_account::by_id(&app.db, tenant, id)
        .await?
        .ok_or_else(|| Error::internal(format!("{owner} names a missing service account")))
}

/// The longest key lifetime an account's policy may name, in days (ten years).
const MAX_KEY_LIFETIME_DAYS: i32 = 3650;

fn key_lifetime(days: Option<i32>) -> Result<Option<i32>> {
    match days {
        Some(d) if !(1..=MAX_KEY_LIFETIME_DAYS).contains(&d) => {
            Err(Error::validation("maxKeyLifetimeDays", format!("must be between 1 and {MAX_KEY_LIFETIME_DAYS}")))
        }
        other => Ok(other),
    }
}

/// Needs `service_account.create` in the organization. `max_key_lifetime_days` is the
/// account's key policy: its keys must expire within that many days of their creation.
pub async fn create(
    app: &AppState,
    permit: &Permit<ops::ServiceAccountCreate>,
    name: &str,
    description: &str,
    max_key_lifetime_days: Option<i32>,
) -> Result<service_account::Model> {
    let name = validate::slug("name", name)?;
    let description = validate::text("description", description, 2_000)?;
    let max_key_lifetime_days = key_lifetime(max_key_lifetime_days)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let sa = praetor_store::insert(
        w.txn(),
        service_account::Model {
            id: ServiceAccountId::generate(),
            org_id: permit.org_id(),
            name,
            description,
            created_at: w.now(),
            max_key_lifetime_days,
        },
    )
    .await
    .map_err(conflict_means("a service account with this name already exists"))?;
    w.audit(
        permit.tenant(),
        Entry::new(
            "service_account.created",
            sa.id,
            json!({"name": sa.name, "maxKeyLifetimeDays": sa.max_key_lifetime_days}),
        ),
    )
    .await?;
    w.commit().await?;
    Ok(sa)
}

/// Changes an account's key policy (`service_account.create` in the organization). Keys that
/// exist keep their expiry; new keys follow the new policy.
pub async fn set_key_policy(
    app: &AppState,
    permit: &Permit<ops::ServiceAccountManage>,
    id: ServiceAccountId,
    max_key_lifetime_days: Option<i32>,
) -> Result<service_account::Model> {
    let days = key_lifetime(max_key_lifetime_days)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let sa = service_account::lock(w.txn(), permit.tenant(), id)
        .await?
        .ok_or_else(|| Error::not_found("service account"))?;
    let before = sa.max_key_lifetime_days;
    let active_before = sa.clone();
    let mut active = sa.clone();
    active.max_key_lifetime_days = days;
    let sa = praetor_store::update(w.txn(), &active_before, active).await?;
    w.audit(
        permit.tenant(),
        Entry::new(
            "service_account.key_policy_changed",
            sa.id,
            json!({"name": sa.name, "maxKeyLifetimeDays": {"before": before, "after": days}}),
        ),
    )
    .await?;
    w.commit().await?;
    Ok(sa)
}

pub async fn find(app: &AppState, access: &OrgAccess, id: ServiceAccountId) -> Result<service_account::Model> {
    access.read_permit::<ops::ServiceAccountRead>(Domain::Org, "service account")?;
    service_account::by_id(&app.db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("service account"))
}

pub async fn list(
    app: &AppState,
    access: &OrgAccess,
    args: PageArgs<ServiceAccountId>,
) -> Result<Page<service_account::Model>> {
    access.read_permit::<ops::ServiceAccountRead>(Domain::Org, "service account")?;
    let rows = service_account::page(&app.db, access.tenant(), args.after, args.fetch_limit()).await?;
    Ok(Page::from_overfetch(rows, args.first))
}
