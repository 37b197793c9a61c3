//! Projects of an organization.

use praetor_store::{ProjectId, project};
use serde_json::json;

use super::page::{Page, PageArgs};
use super::validate;
use crate::AppState;
use crate::audit::Entry;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess, Permit};
use crate::error::{Error, Result, conflict_means};

/// Creates a project. Needs `project.create` in the organization.
pub async fn create(
    app: &AppState,
    permit: &Permit<ops::ProjectCreate>,
    slug: &str,
    name: &str,
    description: &str,
) -> Result<project::Model> {
    let slug = validate::slug("slug", slug)?;
    let name = validate::name("name", name)?;
    let description = validate::text("description", description, 2_000)?;
    let mut w = app.write(permit.principal().chain()).await?;
    let row = project::Model {
        id: ProjectId::generate(),
        org_id: permit.org_id(),
        slug,
        name,
        description,
        created_at: w.now(),
        autonomy_paused_at: None,
        autonomy_pause: None,
    };
    let p = praetor_store::insert(w.txn(), row)
        .await
        .map_err(conflict_means("a project with this slug already exists in the organization"))?;
    w.audit(permit.tenant(), Entry::new("project.created", p.id, json!({"slug": p.slug, "name": p.name}))).await?;
    w.commit().await?;
    Ok(p)
}

/// A project the principal may read, by slug; NOT_FOUND otherwise.
pub async fn find_by_slug(app: &AppState, access: &OrgAccess, slug: &str) -> Result<project::Model> {
    let p =
        project::by_slug(&app.db, access.tenant(), slug.trim()).await?.ok_or_else(|| Error::not_found("project"))?;
    access.read_permit::<ops::ProjectRead>(Domain::Project(p.id), "project")?;
    Ok(p)
}

pub async fn find_by_id(app: &AppState, access: &OrgAccess, id: ProjectId) -> Result<project::Model> {
    find_by_id_on(&app.db, access, id).await
}

/// [`find_by_id`] on `db` (a caller's transaction or reads).
pub async fn find_by_id_on<C: praetor_store::Conn>(
    db: &C,
    access: &OrgAccess,
    id: ProjectId,
) -> Result<project::Model> {
    let p = project::by_id(db, access.tenant(), id).await?.ok_or_else(|| Error::not_found("project"))?;
    access.read_permit::<ops::ProjectRead>(Domain::Project(p.id), "project")?;
    Ok(p)
}

/// The projects the principal may read, in creation order.
pub async fn list(app: &AppState, access: &OrgAccess, args: PageArgs<ProjectId>) -> Result<Page<project::Model>> {
    let mut out = Vec::new();
    let mut after = args.after;
    loop {
        let batch = project::page(&app.db, access.tenant(), after, args.fetch_limit().max(50)).await?;
        let exhausted = (batch.len() as u64) < args.fetch_limit().max(50);
        after = batch.last().map(|p| p.id);
        out.extend(batch.into_iter().filter(|p| access.may::<ops::ProjectRead>(Domain::Project(p.id))));
        if exhausted || out.len() as u64 > args.first {
            break;
        }
    }
    Ok(Page::from_overfetch(out, args.first))
}
