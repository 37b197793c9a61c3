//! A provider's OAuth client whose own tokens (client credentials) act as a service account.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idp_client_bindings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider_id: IdentityProviderId,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub client_id: String,
    pub org_id: OrgId,
    pub service_account_id: ServiceAccountId,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
