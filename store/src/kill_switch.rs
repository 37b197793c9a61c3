//! A kill switch: while engaged, no new step starts in its scope (the whole instance, one
//! organization or one project) and running plans are killed.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kill_switches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: KillSwitchId,
    /// `global`, `org:<org id>` or `project:<project id>`: one row per scope.
    #[sea_orm(unique)]
    pub scope_key: String,
    /// `global`, `org` or `project`.
    pub scope: String,
    pub org_id: Option<OrgId>,
    pub project_id: Option<ProjectId>,
    pub engaged: bool,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// Canonical JSON of the principal chain that last changed the switch.
    #[sea_orm(column_type = "Text")]
    pub actor: String,
    pub engaged_at: Option<DateTimeUtc>,
    pub released_at: Option<DateTimeUtc>,
    /// On release: `resume` (held plans run) or `cancel` (held plans are cancelled).
    pub release_mode: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(shared KillSwitchId);

// Queries.

use crate::{Conn, Shared};
use sea_orm::QuerySelect;
use sea_orm::sea_query::{Expr, ExprTrait};

/// The switch of one scope (by its key), engaged or not.
pub async fn by_scope_key<C: Conn>(db: &C, key: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_shared().filter(Column::ScopeKey.eq(key)).one(&crate::shared(db)).await
}

/// The engaged switches among these scope keys.
pub async fn engaged_among<C: Conn>(db: &C, keys: impl IntoIterator<Item = String>) -> Result<Vec<Model>, DbErr> {
    Entity::find_shared()
        .filter(Column::ScopeKey.is_in(keys))
        .filter(Column::Engaged.eq(true))
        .all(&crate::shared(db))
        .await
}

/// How many switches are engaged, instance-wide.
pub async fn count_engaged<C: Conn>(db: &C) -> Result<i64, DbErr> {
    Ok(Entity::find_shared()
        .filter(Column::Engaged.eq(true))
        .select_only()
        .column_as(Expr::col(Column::Id).count(), "n")
        .into_tuple::<i64>()
        .one(&crate::shared(db))
        .await?
        .unwrap_or(0))
}
