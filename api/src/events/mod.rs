//! In-process event bus for subscriptions. Services publish after their transaction commits, so
//! a subscriber never sees an event that was rolled back. A slow subscriber that falls behind
//! skips what it missed (and can re-read it from storage) instead of holding everyone up.

use std::sync::Arc;

use praetor_entities::{OrgId, PlanId, ProjectId, audit_event, plan_event};
use tokio::sync::broadcast;

#[derive(Debug, Clone)]
pub enum Event {
    Audit(audit_event::Model),
    /// A plan event, with the plan's status after it.
    Plan {
        org: OrgId,
        project: ProjectId,
        plan: PlanId,
        event: plan_event::Model,
        status: String,
    },
}

impl Event {
    pub fn org_id(&self) -> OrgId {
        match self {
            Event::Audit(e) => e.org_id,
            Event::Plan { org, .. } => *org,
        }
    }
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Event>>,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl Bus {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        Self { tx }
    }

    pub fn publish(&self, event: Event) {
        // No receivers is not an error: nobody is listening right now.
        let _ = self.tx.send(Arc::new(event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}
