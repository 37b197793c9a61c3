//! A human user. Users are global; they enter an org through role bindings or groups.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: UserId,
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    /// May create organizations and engage the global kill switch. Sees no tenant data by itself.
    pub instance_admin: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(shared UserId);

// Queries.

/// The person with this e-mail address.
pub async fn by_email<C: crate::Conn>(db: &C, email: &str) -> Result<Option<Model>, DbErr> {
    use crate::Shared;
    Entity::find_shared().filter(Column::Email.eq(email)).one(&crate::shared(db)).await
}
