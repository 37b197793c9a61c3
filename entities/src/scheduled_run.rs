//! One slot of a scheduled job on this database: the node that claimed it, until when (a node
//! that dies lets the lease lapse and another takes the slot over), and how it ended. Jobs are
//! the instance's own (housekeeping across organizations), so the rows belong to no
//! organization. Unique on `(job, slot)`.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduled_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ScheduledRunId,
    /// The job's key: its name, under the scheduler's namespace (and organization, for a node
    /// dedicated to one).
    pub job: String,
    /// The instant the job was due, by its schedule.
    pub slot: DateTimeUtc,
    pub node: String,
    /// `running`, `succeeded`, `failed` or `skipped`.
    pub status: String,
    /// Claims of this slot: more than one when a node's lease lapsed and another took it over.
    pub attempts: i32,
    /// Slots due since the previous recorded one that did not run on their own (nodes were
    /// down); this run covers them, or, skipped, records them.
    pub missed_slots: i64,
    pub claimed_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub duration_ms: Option<i64>,
    /// What the run did ("3 expired"), or why it failed or was skipped.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
