//! An entry of an organization's tamper-evident audit chain.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: AuditEventId,
    pub org_id: OrgId,
    /// Position in the org chain, from 1 without gaps.
    pub seq: i64,
    pub occurred_at: DateTimeUtc,
    pub request_id: String,
    /// Canonical JSON of the principal chain (human -> agent -> ...), exactly as hashed.
    #[sea_orm(column_type = "Text")]
    pub actor: String,
    pub kind: String,
    pub subject: String,
    /// Canonical JSON of the payload (secrets redacted), exactly as hashed.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
    /// Which preimage `hash` is over: 1 (before the entry id was covered) or 2.
    pub hash_version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
