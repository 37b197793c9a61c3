//! A person's password for signing in without an identity provider (argon2id, PHC string),
//! with the failed attempts that lock it for a while, and an optional second factor (TOTP).
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
    /// The master key `totp_secret` is sealed under.
    pub totp_kek_id: Option<String>,
    /// The authenticator app's shared secret, sealed (AES-256-GCM under a master key, bound to
    /// the person); set at enrolment, in use once `totp_enabled_at` is set.
    #[sea_orm(column_type = "Text", nullable)]
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<DateTimeUtc>,
    /// The last time step a code was accepted for: a code is good once.
    pub totp_last_step: Option<i64>,
    /// SHA-256 of each unused recovery code (a JSON array).
    #[sea_orm(column_type = "Text", nullable)]
    pub recovery_codes: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

/// The credentials that hold a sealed authenticator secret.
pub async fn with_totp<C: crate::Conn>(db: &C) -> Result<Vec<Model>, DbErr> {
    use crate::Shared;
    Entity::find_shared().filter(Column::TotpSecret.is_not_null()).all(db).await
}
