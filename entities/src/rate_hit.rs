//! One admitted invocation counted by a rate limit (`key` names the limit and its subject).
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_hits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RateHitId,
    pub org_id: OrgId,
    pub key: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
