//! A plan: frozen steps with their preview, approvals and execution status.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: PlanId,
    pub org_id: OrgId,
    pub project_id: ProjectId,
    pub title: String,
    /// draft, proposed, pending_approval, approved, rejected, expired, queued, running,
    /// succeeded, failed, cancelled, killed.
    pub status: String,
    /// allowed, needs_approval or denied (from the preview).
    pub verdict: String,
    /// SHA-256 over steps, parameters, policy version and preview; what approvals sign.
    pub plan_hash: String,
    pub policy_version: String,
    #[sea_orm(column_type = "Text")]
    pub steps: String,
    #[sea_orm(column_type = "Text")]
    pub preview: String,
    /// JSON array of the approval stages still to satisfy, in order.
    #[sea_orm(column_type = "Text")]
    pub approval_stages: String,
    pub current_stage: i32,
    pub template: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub template_args: Option<String>,
    pub idempotency_key: Option<String>,
    /// Queue the plan as soon as it is approved.
    pub run_when_approved: bool,
    /// Canonical JSON of the proposer's principal chain.
    #[sea_orm(column_type = "Text")]
    pub proposer: String,
    /// RBAC subject of the proposer (`user:…`, `sa:…`).
    pub proposer_subject: String,
    /// RBAC subject of the human the proposer acted for, if any.
    pub on_behalf_of: Option<String>,
    pub cost: f64,
    pub risk: String,
    pub expires_at: Option<DateTimeUtc>,
    pub state_hash: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// Index of the next step to run.
    pub next_step: i32,
    pub event_count: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Proposed with no person in the principal chain (an agent or integration on its own):
    /// autonomy settings apply.
    pub unattended: bool,
    /// The chat session the plan was proposed from: its progress is told there.
    pub chat_session_id: Option<ChatSessionId>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant PlanId);

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{QueryOrder, QuerySelect};

/// The project's plan proposed with this idempotency key.
pub async fn by_idempotency_key<C: Conn>(
    db: &C,
    tenant: Tenant,
    project: ProjectId,
    key: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::ProjectId.eq(project))
        .filter(Column::IdempotencyKey.eq(key))
        .one(&tenant.on(db))
        .await
}

/// The stored status of a plan.
pub async fn status_of<C: Conn>(db: &C, tenant: Tenant, id: PlanId) -> Result<Option<String>, DbErr> {
    Entity::find_in_org(tenant)
        .select_only()
        .column(Column::Status)
        .filter(Column::Id.eq(id))
        .into_tuple()
        .one(&tenant.on(db))
        .await
}

/// Up to `limit` plans of a project, newest first, before `before`; only those in `status`
/// when given.
pub async fn newest_of_project<C: Conn>(
    db: &C,
    tenant: Tenant,
    project: ProjectId,
    status: Option<&str>,
    before: Option<PlanId>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_in_org(tenant).filter(Column::ProjectId.eq(project)).order_by_desc(Column::Id);
    if let Some(s) = status {
        q = q.filter(Column::Status.eq(s));
    }
    if let Some(b) = before {
        q = q.filter(Column::Id.lt(b));
    }
    q.limit(limit).all(&tenant.on(db)).await
}

/// Every plan of a project, oldest first.
pub async fn of_project<C: Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::ProjectId.eq(project)).order_by_asc(Column::Id).all(&tenant.on(db)).await
}

/// Up to `limit` of the tenant's plans in `status`, oldest first.
pub async fn with_status<C: Conn>(db: &C, tenant: Tenant, status: &str, limit: u64) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::Status.eq(status))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(&tenant.on(db))
        .await
}

/// `(organization, plan)` of the plans in `status`: of the tenant's, or (`None`) of every
/// organization's (housekeeping: an instance-wide kill switch); of one project when given.
pub async fn ids_with_status<C: Conn>(
    db: &C,
    tenant: Option<Tenant>,
    project: Option<ProjectId>,
    status: &str,
) -> Result<Vec<(OrgId, PlanId)>, DbErr> {
    let (q, on) = match tenant {
        Some(t) => (Entity::find_in_org(t), t.on(db)),
        None => (Entity::find_across_orgs(Housekeeping::InstanceKill), Housekeeping::InstanceKill.on(db)),
    };
    let mut q = q.select_only().column(Column::OrgId).column(Column::Id).filter(Column::Status.eq(status));
    if let Some(p) = project {
        q = q.filter(Column::ProjectId.eq(p));
    }
    q.into_tuple().all(&on).await
}

/// Up to `limit` plans in `status` whose approval expired by `now`, across organizations or
/// in `only` one (housekeeping: the expiry sweep).
pub async fn expired<C: Conn>(
    db: &C,
    status: &str,
    now: DateTimeUtc,
    only: Option<OrgId>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_across_orgs(Housekeeping::Sweep)
        .filter(Column::Status.eq(status))
        .filter(Column::ExpiresAt.lte(now));
    if let Some(org) = only {
        q = q.filter(Column::OrgId.eq(org));
    }
    q.limit(limit).all(&Housekeeping::Sweep.on(db)).await
}

/// How many plans of the project were created after `since` (only unattended ones when
/// `unattended_only`).
pub async fn count_created_since<C: Conn>(
    db: &C,
    tenant: Tenant,
    project: ProjectId,
    since: DateTimeUtc,
    unattended_only: bool,
) -> Result<u64, DbErr> {
    let mut q = Entity::find_in_org(tenant).filter(Column::ProjectId.eq(project)).filter(Column::CreatedAt.gt(since));
    if unattended_only {
        q = q.filter(Column::Unattended.eq(true));
    }
    q.count(&tenant.on(db)).await
}

/// How many plans are in each of `statuses`, across organizations (housekeeping: metrics):
/// `(status, n)`.
pub async fn count_by_status<C: Conn>(db: &C, statuses: &[&str]) -> Result<Vec<(String, i64)>, DbErr> {
    Entity::find_across_orgs(Housekeeping::Metrics)
        .filter(Column::Status.is_in(statuses.iter().copied()))
        .select_only()
        .column(Column::Status)
        .column_as(Expr::col(Column::Id).count(), "n")
        .group_by(Column::Status)
        .into_tuple()
        .all(&Housekeeping::Metrics.on(db))
        .await
}

/// As [`count_by_status`], by organization and project too: `(status, org, project, n)`.
pub async fn count_by_status_and_project<C: Conn>(
    db: &C,
    statuses: &[&str],
) -> Result<Vec<(String, OrgId, ProjectId, i64)>, DbErr> {
    Entity::find_across_orgs(Housekeeping::Metrics)
        .filter(Column::Status.is_in(statuses.iter().copied()))
        .select_only()
        .column(Column::Status)
        .column(Column::OrgId)
        .column(Column::ProjectId)
        .column_as(Expr::col(Column::Id).count(), "n")
        .group_by(Column::Status)
        .group_by(Column::OrgId)
        .group_by(Column::ProjectId)
        .into_tuple()
        .all(&Housekeeping::Metrics.on(db))
        .await
}

/// Writes a plan's progress as `row` holds it: status, next step, stages satisfied, event
/// count, state hash and time of update (its other columns are left as stored).
pub async fn save_progress<C: Conn>(db: &C, row: &Model) -> Result<Model, DbErr> {
    use sea_orm::{ActiveModelTrait, Set};
    let mut a: ActiveModel = row.clone().into();
    a.status = Set(row.status.clone());
    a.next_step = Set(row.next_step);
    a.current_stage = Set(row.current_stage);
    a.event_count = Set(row.event_count);
    a.state_hash = Set(row.state_hash.clone());
    a.updated_at = Set(row.updated_at);
    a.update(&crate::on_row(db, row)).await
}

/// Writes a plan's approval stages (JSON).
pub async fn set_approval_stages<C: Conn>(db: &C, row: &Model, stages: String) -> Result<Model, DbErr> {
    use sea_orm::{ActiveModelTrait, Set};
    let mut a: ActiveModel = row.clone().into();
    a.approval_stages = Set(stages);
    a.update(&crate::on_row(db, row)).await
}

/// The plan with this id in any organization (housekeeping: the operator's command line).
pub async fn find_anywhere<C: Conn>(db: &C, why: Housekeeping, id: PlanId) -> Result<Option<Model>, DbErr> {
    Entity::find_across_orgs(why).filter(Column::Id.eq(id)).one(&why.on(db)).await
}
