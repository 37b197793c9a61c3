//! A person's password for signing in without an identity provider (argon2id, PHC string),
//! with the failed attempts that lock it for a while.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "local_credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    /// `$argon2id$…`: the salt and parameters are in it; the password is not.
    #[sea_orm(column_type = "Text")]
    pub password_hash: String,
    pub set_at: DateTimeUtc,
    /// Failed sign-ins in a row.
    pub failed_count: i32,
    pub locked_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
