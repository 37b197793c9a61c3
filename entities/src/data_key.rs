//! An organization's data key: 32 random bytes that encrypt its secrets, stored only wrapped
//! (AES-256-GCM) by the instance's master key named by `kek_id`.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DataKeyId,
    pub org_id: OrgId,
    /// A fingerprint of the master key that wraps it.
    pub kek_id: String,
    /// base64(nonce || ciphertext).
    pub wrapped: String,
    pub created_at: DateTimeUtc,
    /// When it was last wrapped (rotation rewraps it under the newest master key).
    pub wrapped_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
