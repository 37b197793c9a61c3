//! A key of the instance itself (not of any organization), sealed under a master key: today
//! the Ed25519 key that signs audit checkpoints (`audit.checkpoint`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instance_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// A fingerprint of the public key.
    pub key_id: String,
    /// The public key (base64).
    pub public_key: String,
    /// The master key the private key is sealed under.
    pub kek_id: String,
    /// The private key (PKCS#8), sealed: AES-256-GCM under the master key, bound to the name.
    #[sea_orm(column_type = "Text")]
    pub sealed: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Shared};

/// The key called `name`.
pub async fn by_name<C: Conn>(db: &C, name: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_shared().filter(Column::Name.eq(name)).one(&crate::shared(db)).await
}

/// Every instance key (to reseal under a new master key).
pub async fn all<C: Conn>(db: &C) -> Result<Vec<Model>, DbErr> {
    Entity::find_shared().all(&crate::shared(db)).await
}

/// Stores `row` unless a key of its name exists already (another node made it first); answers
/// whether it was stored.
pub async fn create<C: Conn>(db: &C, row: Model) -> Result<bool, DbErr> {
    use sea_orm::IntoActiveModel;
    use sea_orm::sea_query::OnConflict;
    let inserted = Entity::insert(row.into_active_model().reset_all())
        .on_conflict(OnConflict::column(Column::Name).do_nothing().to_owned())
        .exec_without_returning(&crate::shared(db))
        .await?;
    Ok(inserted == 1)
}
