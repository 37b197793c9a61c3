//! The head of an organization's audit chain; its row lock serialises appends per org.
use sea_orm::entity::prelude::*;

use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_heads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: OrgId,
    pub seq: i64,
    pub hash: String,
    /// Bumped with every change to the organization's webhook endpoints.
    pub webhooks_version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
