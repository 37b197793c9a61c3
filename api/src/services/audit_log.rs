//! Reading an organization's audit chain. Needs `audit.read` in the organization.

use praetor_entities::{AuditEventId, TenantScoped, audit_event};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

use super::page::{Page, PageArgs};
use crate::AppState;
use crate::audit::verify::{self, Report};
use crate::authz::{Domain, OrgAccess};
use crate::error::{Error, Result};

/// Newest first; the cursor is the entry's sequence number.
pub async fn list(
    app: &AppState,
    access: &OrgAccess,
    args: PageArgs<i64>,
    kind_prefix: Option<&str>,
    subject: Option<&str>,
) -> Result<Page<audit_event::Model>> {
    access.permit(Domain::Org, "audit.read")?;
    let mut q = audit_event::Entity::find_in_org(access.org_id()).order_by_desc(audit_event::Column::Seq);
    if let Some(after) = args.after {
        q = q.filter(audit_event::Column::Seq.lt(after));
    }
    if let Some(prefix) = kind_prefix.filter(|p| !p.is_empty()) {
        q = q.filter(audit_event::Column::Kind.starts_with(prefix));
    }
    if let Some(subject) = subject.filter(|s| !s.is_empty()) {
        q = q.filter(audit_event::Column::Subject.eq(subject));
    }
    let rows = q.limit(args.fetch_limit()).all(&app.db).await?;
    Ok(Page::from_overfetch(rows, args.first))
}

pub async fn find(app: &AppState, access: &OrgAccess, id: AuditEventId) -> Result<audit_event::Model> {
    access.read_permit(Domain::Org, "audit.read", "audit event")?;
    audit_event::Entity::find_in_org(access.org_id())
        .filter(audit_event::Column::Id.eq(id))
        .one(&app.db)
        .await?
        .ok_or_else(|| Error::not_found("audit event"))
}

pub async fn verify(app: &AppState, access: &OrgAccess) -> Result<Report> {
    access.permit(Domain::Org, "audit.read")?;
    verify::verify_org(&app.db, access.org_id()).await
}
