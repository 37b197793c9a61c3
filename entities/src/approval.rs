//! One approver's decision on one stage of a plan.
use sea_orm::entity::prelude::*;

use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "approvals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ApprovalId,
    pub org_id: OrgId,
    pub plan_id: PlanId,
    pub stage: i32,
    pub approver_subject: String,
    pub approver_name: String,
    /// `approve` or `reject`.
    pub decision: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    /// The plan hash this decision signs.
    pub plan_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
