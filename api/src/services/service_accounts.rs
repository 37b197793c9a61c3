//! Service accounts: the principals of integrations.

use praetor_entities::{ServiceAccountId, TenantScoped, service_account};
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::page::{Page, PageArgs};
use super::validate;
use crate::AppState;
use crate::audit::Entry;
use crate::authz::{Domain, OrgAccess, Permit};
use crate::error::{Error, Result, conflict_means};

/// Needs `service_account.create` in the organization.
pub async fn create(app: &AppState, permit: &Permit, name: &str, description: &str) -> Result<service_account::Model> {
    let name = validate::slug("name", name)?;
    let description = validate::text("description", description, 2_000)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let sa = service_account::ActiveModel {
        id: Set(ServiceAccountId::generate()),
        org_id: Set(permit.org_id()),
        name: Set(name),
        description: Set(description),
        created_at: Set(w.now()),
    }
    .insert(w.txn())
    .await
    .map_err(conflict_means("a service account with this name already exists"))?;
    w.audit(permit.org_id(), Entry::new("service_account.created", sa.id, json!({"name": sa.name}))).await?;
    w.commit().await?;
    Ok(sa)
}

pub async fn find(app: &AppState, access: &OrgAccess, id: ServiceAccountId) -> Result<service_account::Model> {
    access.read_permit(Domain::Org, "service_account.read", "service account")?;
    service_account::Entity::find_in_org(access.org_id())
        .filter(service_account::Column::Id.eq(id))
        .one(&app.db)
        .await?
        .ok_or_else(|| Error::not_found("service account"))
}

pub async fn list(
    app: &AppState,
    access: &OrgAccess,
    args: PageArgs<ServiceAccountId>,
) -> Result<Page<service_account::Model>> {
    access.read_permit(Domain::Org, "service_account.read", "service account")?;
    let mut q = service_account::Entity::find_in_org(access.org_id()).order_by_asc(service_account::Column::Id);
    if let Some(a) = args.after {
        q = q.filter(service_account::Column::Id.gt(a));
    }
    let rows = q.limit(args.fetch_limit()).all(&app.db).await?;
    Ok(Page::from_overfetch(rows, args.first))
}
