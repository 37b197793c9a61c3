//! One bucket of an organization's rollups: the sum of what happened in one scope (a project's
//! id, `org` for the organization outside any project, `*` for all of it) over one hour or UTC
//! day, as `praetor_domain::rollup::Bucket` in canonical JSON.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rollups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RollupId,
    pub org_id: OrgId,
    pub scope: String,
    /// `hour` or `day`.
    pub granularity: String,
    pub bucket_start: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub data: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant RollupId);
