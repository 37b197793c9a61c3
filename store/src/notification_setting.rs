//! A person's notification choices: the categories they do not want e-mail about (in-app
//! notifications always arrive). No row: e-mail for every category.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    /// JSON array of the categories switched off for e-mail.
    #[sea_orm(column_type = "Text")]
    pub email_off: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Shared};

/// The person's choices, if they made any.
pub async fn of<C: Conn>(db: &C, user: UserId) -> Result<Option<Model>, DbErr> {
    Entity::find_shared().filter(Column::UserId.eq(user)).one(&crate::shared(db)).await
}

/// The choices of these people (those who made any).
pub async fn of_users<C: Conn>(db: &C, users: impl IntoIterator<Item = UserId>) -> Result<Vec<Model>, DbErr> {
    Entity::find_shared().filter(Column::UserId.is_in(users)).all(&crate::shared(db)).await
}

/// Writes the person's choices.
pub async fn put<C: Conn>(db: &C, row: Model) -> Result<(), DbErr> {
    use sea_orm::sea_query::OnConflict;
    let active: ActiveModel = row.into();
    Entity::insert(active)
        .on_conflict(
            OnConflict::column(Column::UserId).update_columns([Column::EmailOff, Column::UpdatedAt]).to_owned(),
        )
        .exec_without_returning(&crate::shared(db))
        .await
        .map(|_| ())
}
