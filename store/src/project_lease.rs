//! The lease that serialises state changes of one project across workers and nodes.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "project_leases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: ProjectId,
    pub holder: String,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

/// The lease on `project`, locked until the transaction `db` ends.
pub async fn lock<C: crate::Conn>(db: &C, project: ProjectId) -> Result<Option<Model>, DbErr> {
    use crate::Shared;
    use sea_orm::QuerySelect;
    Entity::find_shared().filter(Column::ProjectId.eq(project)).lock_exclusive().one(&crate::shared(db)).await
}

/// Gives up `holder`'s lease on `project` (nothing when another holds it).
pub async fn release<C: crate::Conn>(db: &C, project: ProjectId, holder: &str) -> Result<(), DbErr> {
    use crate::Shared;
    Entity::delete_shared()
        .filter(Column::ProjectId.eq(project))
        .filter(Column::Holder.eq(holder))
        .exec(&crate::shared(db))
        .await
        .map(|_| ())
}
