//! A browser session (the cookie holds a random token; only its hash is stored).
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_sessions")]
pub struct Model {
    /// SHA-256 of the cookie value; the cookie itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub user_id: UserId,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Set when the session began at an organization's identity provider: it enters that
    /// organization only.
    pub org_id: Option<OrgId>,
    pub provider_id: Option<IdentityProviderId>,
    /// How it began: `password`, `provider` or `demo`.
    pub method: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Shared};
use sea_orm::Condition;

/// Which sessions to end.
#[derive(Debug, Clone)]
pub enum Which {
    /// Those begun at this identity provider.
    OfProvider(IdentityProviderId),
    /// Every session of this person.
    OfUser(UserId),
    /// Every session of this person but the one with this token hash.
    OfUserBut(UserId, String),
}

impl Which {
    fn condition(&self) -> Condition {
        match self {
            Which::OfProvider(p) => Condition::all().add(Column::ProviderId.eq(*p)),
            Which::OfUser(u) => Condition::all().add(Column::UserId.eq(*u)),
            Which::OfUserBut(u, hash) => {
                Condition::all().add(Column::UserId.eq(*u)).add(Column::TokenHash.ne(hash.as_str()))
            }
        }
    }
}

/// The session whose token hashes to `hash`.
pub async fn by_token_hash<C: Conn>(db: &C, hash: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_shared().filter(Column::TokenHash.eq(hash)).one(&crate::shared(db)).await
}

/// Deletes the session whose token hashes to `hash`; answers whether there was one.
pub async fn delete_by_token_hash<C: Conn>(db: &C, hash: &str) -> Result<bool, DbErr> {
    Ok(Entity::delete_shared().filter(Column::TokenHash.eq(hash)).exec(&crate::shared(db)).await?.rows_affected > 0)
}

/// Deletes the sessions expired by `now`.
pub async fn delete_expired<C: Conn>(db: &C, now: DateTimeUtc) -> Result<u64, DbErr> {
    Ok(Entity::delete_shared().filter(Column::ExpiresAt.lte(now)).exec(&crate::shared(db)).await?.rows_affected)
}

/// Deletes the sessions `which` selects and answers them.
pub async fn delete_which<C: Conn>(db: &C, which: &Which) -> Result<Vec<Model>, DbErr> {
    let ending = Entity::find_shared().filter(which.condition()).all(&crate::shared(db)).await?;
    Entity::delete_shared().filter(which.condition()).exec(&crate::shared(db)).await?;
    Ok(ending)
}
