//! A provider's group (a value of its groups claim) mapped onto a Praetor group: people whose
//! claim carries it are members, kept in step at each sign-in and token use.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idp_group_mappings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider_id: IdentityProviderId,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub claim_value: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: GroupId,
    pub org_id: OrgId,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
