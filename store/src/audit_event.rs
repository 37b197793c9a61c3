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
    /// The project it happened in, if any (which project-scoped webhook endpoints hear of it).
    /// Not covered by the hash: entries written before it was kept have none.
    pub project_id: Option<ProjectId>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant AuditEventId);

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::{QueryOrder, QuerySelect};

/// Up to `limit` entries of the chain after sequence number `after`, in chain order.
pub async fn after<C: Conn>(db: &C, tenant: Tenant, after: i64, limit: u64) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::Seq.gt(after))
        .order_by_asc(Column::Seq)
        .limit(limit)
        .all(&tenant.on(db))
        .await
}

/// Up to `limit` entries of the chain after sequence number `after` and up to `upto` whose kind
/// is one of `kinds`, in chain order.
pub async fn of_kinds_between<C: Conn>(
    db: &C,
    tenant: Tenant,
    after: i64,
    upto: i64,
    kinds: impl IntoIterator<Item = String>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::Seq.gt(after))
        .filter(Column::Seq.lte(upto))
        .filter(Column::Kind.is_in(kinds))
        .order_by_asc(Column::Seq)
        .limit(limit)
        .all(&tenant.on(db))
        .await
}

/// What a page of the log, newest first, is narrowed to.
#[derive(Debug, Default, Clone, Copy)]
pub struct Filter<'a> {
    /// Entries before this sequence number.
    pub before: Option<i64>,
    /// Entries whose kind starts with this.
    pub kind_prefix: Option<&'a str>,
    /// Entries about this subject.
    pub subject: Option<&'a str>,
}

/// Up to `limit` entries, newest first, that pass `filter`.
pub async fn newest<C: Conn>(db: &C, tenant: Tenant, filter: Filter<'_>, limit: u64) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_in_org(tenant).order_by_desc(Column::Seq);
    if let Some(before) = filter.before {
        q = q.filter(Column::Seq.lt(before));
    }
    if let Some(prefix) = filter.kind_prefix {
        q = q.filter(Column::Kind.starts_with(prefix));
    }
    if let Some(subject) = filter.subject {
        q = q.filter(Column::Subject.eq(subject));
    }
    q.limit(limit).all(&tenant.on(db)).await
}

/// When the latest entry of `kind` about `subject` before sequence number `before` happened.
pub async fn last_time_of<C: Conn>(
    db: &C,
    tenant: Tenant,
    kind: &str,
    subject: &str,
    before: i64,
) -> Result<Option<DateTimeUtc>, DbErr> {
    Entity::find_in_org(tenant)
        .select_only()
        .column(Column::OccurredAt)
        .filter(Column::Kind.eq(kind))
        .filter(Column::Subject.eq(subject))
        .filter(Column::Seq.lt(before))
        .order_by_desc(Column::Seq)
        .into_tuple()
        .one(&tenant.on(db))
        .await
}

/// The sequence number of the first entry at or after `at`.
pub async fn first_seq_since<C: Conn>(db: &C, tenant: Tenant, at: DateTimeUtc) -> Result<Option<i64>, DbErr> {
    Entity::find_in_org(tenant)
        .select_only()
        .column(Column::Seq)
        .filter(Column::OccurredAt.gte(at))
        .order_by_asc(Column::Seq)
        .into_tuple()
        .one(&tenant.on(db))
        .await
}

/// The chain hashes of entries `from..=upto` (`(seq, hash)`, in chain order): the leaves of a
/// checkpoint's Merkle tree.
pub async fn hashes<C: Conn>(db: &C, tenant: Tenant, from: i64, upto: i64) -> Result<Vec<(i64, String)>, DbErr> {
    Entity::find_in_org(tenant)
        .select_only()
        .column(Column::Seq)
        .column(Column::Hash)
        .filter(Column::Seq.gte(from))
        .filter(Column::Seq.lte(upto))
        .order_by_asc(Column::Seq)
        .into_tuple()
        .all(&tenant.on(db))
        .await
}

/// The tenant's entry at `seq`.
pub async fn at_seq<C: Conn>(db: &C, tenant: Tenant, seq: i64) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::Seq.eq(seq)).one(&tenant.on(db)).await
}
