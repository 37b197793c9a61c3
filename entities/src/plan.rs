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
