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

use crate::{Conn, Shared};
use sea_orm::Condition;
use sea_orm::sea_query::Expr;

/// The credentials that hold a sealed authenticator secret.
pub async fn with_totp<C: Conn>(db: &C) -> Result<Vec<Model>, DbErr> {
    Entity::find_shared().filter(Column::TotpSecret.is_not_null()).all(&crate::shared(db)).await
}

/// The person's password (and second factor), if they have one.
pub async fn of_user<C: Conn>(db: &C, user: UserId) -> Result<Option<Model>, DbErr> {
    Entity::find_shared().filter(Column::UserId.eq(user)).one(&crate::shared(db)).await
}

/// Records `step` as the last time step a code of the person's was accepted for, unless one as
/// late already was: answers whether this call recorded it (of two racing with one code, one
/// wins).
pub async fn accept_step<C: Conn>(db: &C, user: UserId, step: i64) -> Result<bool, DbErr> {
    let done = Entity::update_shared()
        .col_expr(Column::TotpLastStep, Expr::value(Some(step)))
        .filter(Column::UserId.eq(user))
        .filter(Condition::any().add(Column::TotpLastStep.is_null()).add(Column::TotpLastStep.lt(step)))
        .exec(&crate::shared(db))
        .await?;
    Ok(done.rows_affected == 1)
}

/// Replaces the person's recovery codes (hashes, JSON) by `left` if they are still `was`: answers
/// whether this call did (of two racing to spend one code, one wins).
pub async fn spend_recovery_code<C: Conn>(
    db: &C,
    user: UserId,
    was: Option<String>,
    left: String,
) -> Result<bool, DbErr> {
    let done = Entity::update_shared()
        .col_expr(Column::RecoveryCodes, Expr::value(Some(left)))
        .filter(Column::UserId.eq(user))
        .filter(Column::RecoveryCodes.eq(was))
        .exec(&crate::shared(db))
        .await?;
    Ok(done.rows_affected == 1)
}

/// Turns the person's enrolled second factor on from `at`, with the hashes of their recovery
/// codes (JSON).
pub async fn enable_totp<C: Conn>(db: &C, user: UserId, at: DateTimeUtc, recovery_codes: String) -> Result<(), DbErr> {
    Entity::update_shared()
        .col_expr(Column::TotpEnabledAt, Expr::value(Some(at)))
        .col_expr(Column::RecoveryCodes, Expr::value(Some(recovery_codes)))
        .filter(Column::UserId.eq(user))
        .exec(&crate::shared(db))
        .await
        .map(|_| ())
}

/// Forgets the person's second factor: its sealed secret, when it was turned on, the last step
/// used and the recovery codes (the password stays).
pub async fn clear_totp<C: Conn>(db: &C, user: UserId) -> Result<(), DbErr> {
    Entity::update_shared()
        .col_expr(Column::TotpKekId, Expr::value(Option::<String>::None))
        .col_expr(Column::TotpSecret, Expr::value(Option::<String>::None))
        .col_expr(Column::TotpEnabledAt, Expr::value(Option::<DateTimeUtc>::None))
        .col_expr(Column::TotpLastStep, Expr::value(Option::<i64>::None))
        .col_expr(Column::RecoveryCodes, Expr::value(Option::<String>::None))
        .filter(Column::UserId.eq(user))
        .exec(&crate::shared(db))
        .await
        .map(|_| ())
}
