//! Chain verification: recompute every hash of an org's chain in order and name the first entry
//! that does not fit (edited, missing, reordered), then check the head matches the last entry.

use praetor_entities::{OrgId, TenantScoped, audit_event, audit_head};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::{GENESIS, model_hash};
use crate::error::Result;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Broken {
    /// The sequence number found at the broken position.
    pub seq: i64,
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    pub org_id: String,
    pub entries: u64,
    pub head_seq: i64,
    pub first_broken: Option<Broken>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.first_broken.is_none()
    }
}

const PAGE: u64 = 1_000;

pub async fn verify_org<C: ConnectionTrait>(db: &C, org: OrgId) -> Result<Report> {
    let mut expected_seq = 1i64;
    let mut prev_hash = GENESIS.to_string();
    let mut entries = 0u64;
    let mut first_broken = None;
    let mut last_seq = 0i64;
    'pages: loop {
        let page = audit_event::Entity::find_in_org(org)
            .filter(audit_event::Column::Seq.gte(last_seq + 1))
            .order_by_asc(audit_event::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        let n = page.len() as u64;
        for e in page {
            entries += 1;
            last_seq = e.seq;
            let problem = if e.seq != expected_seq {
                Some(if e.seq > expected_seq {
                    format!("expected entry {expected_seq} next but found {}: entries are missing", e.seq)
                } else {
                    format!("expected entry {expected_seq} next but found {}", e.seq)
                })
            } else if e.prev_hash != prev_hash {
                Some("its previous-hash does not match the entry before it (reordered or replaced)".to_string())
            } else if model_hash(&e) != e.hash {
                Some("its content does not match its hash (edited)".to_string())
            } else {
                None
            };
            if let Some(reason) = problem {
                first_broken = Some(Broken { seq: e.seq, id: e.id.to_string(), reason });
                break 'pages;
            }
            prev_hash = e.hash.clone();
            expected_seq += 1;
        }
        if n < PAGE {
            break;
        }
    }
    let head = audit_head::Entity::find_in_org(org).one(db).await?;
    let head_seq = head.as_ref().map(|h| h.seq).unwrap_or(0);
    if first_broken.is_none() {
        let head_hash = head.map(|h| h.hash).unwrap_or_else(|| GENESIS.to_string());
        if head_seq != expected_seq - 1 || head_hash != prev_hash {
            first_broken = Some(Broken {
                seq: expected_seq,
                id: String::new(),
                reason: format!(
                    "the chain head is at entry {head_seq} but the log ends at entry {}: trailing entries are missing",
                    expected_seq - 1
                ),
            });
        }
    }
    if first_broken.is_none() {
        first_broken = cross_check_plan_events(db, org).await?;
    }
    Ok(Report { org_id: org.to_string(), entries, head_seq, first_broken })
}

/// Plan events are anchored in the chain: every one was written with an audit entry carrying
/// a copy of it. An event edited afterwards no longer matches its entry.
async fn cross_check_plan_events<C: ConnectionTrait>(db: &C, org: OrgId) -> Result<Option<Broken>> {
    use praetor_entities::plan_event;
    use serde_json::Value;
    let mut after = 0i64;
    loop {
        let page = audit_event::Entity::find_in_org(org)
            .filter(audit_event::Column::Seq.gt(after))
            .filter(audit_event::Column::Kind.starts_with("plan."))
            .order_by_asc(audit_event::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else {
            return Ok(None);
        };
        after = last.seq;
        for entry in &page {
            let payload: Value = serde_json::from_str(&entry.payload).unwrap_or(Value::Null);
            let (Some(plan), Some(seq)) =
                (payload.get("plan").and_then(Value::as_str), payload.get("seq").and_then(Value::as_i64))
            else {
                continue;
            };
            let Ok(plan_id) = plan.parse::<praetor_entities::PlanId>() else {
                continue;
            };
            let row = plan_event::Entity::find_in_org(org)
                .filter(plan_event::Column::PlanId.eq(plan_id))
                .filter(plan_event::Column::Seq.eq(seq))
                .one(db)
                .await?;
            let problem = match row {
                None => Some(format!("event {seq} of plan {plan} is missing from the plan's log")),
                Some(r) => {
                    let stored: Value = serde_json::from_str(&r.data).unwrap_or(Value::Null);
                    let anchored = payload.get("event").cloned().unwrap_or(Value::Null);
                    (super::canonical_json(&super::redact(stored)) != super::canonical_json(&anchored)).then(|| {
                        format!("event {seq} of plan {plan} differs from the copy anchored in this entry (edited)")
                    })
                }
            };
            if let Some(reason) = problem {
                return Ok(Some(Broken { seq: entry.seq, id: entry.id.to_string(), reason }));
            }
        }
        if (page.len() as u64) < PAGE {
            return Ok(None);
        }
    }
}
