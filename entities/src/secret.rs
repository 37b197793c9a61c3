//! An organization's secret, encrypted under one of its data keys. The value is never stored
//! in the clear nor returned; `fingerprint` lets people tell values apart.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "secrets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: SecretId,
    pub org_id: OrgId,
    pub name: String,
    pub data_key_id: DataKeyId,
    /// base64(nonce || ciphertext); the associated data binds it to this org, row and field.
    pub ciphertext: String,
    pub fingerprint: String,
    pub set_at: DateTimeUtc,
    /// The principal chain that set it (JSON).
    pub set_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
