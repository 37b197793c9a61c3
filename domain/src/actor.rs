//! Who did something, as recorded in plans, events and the audit log.

use serde::{Deserialize, Serialize};

use crate::ActorKind;

/// One link of a principal chain, as recorded in audit events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRef {
    pub kind: ActorKind,
    pub id: String,
    pub name: String,
}

impl ActorRef {
    /// Praetor itself acting: `id` names the part (`engine`, `chat`), `name` is what people read.
    pub fn system(id: &str, name: &str) -> ActorRef {
        ActorRef { kind: ActorKind::System, id: id.into(), name: name.into() }
    }

    /// The engine: the last link of the chain of everything it does on a plan's behalf.
    pub fn engine() -> ActorRef {
        ActorRef::system("engine", "praetor engine")
    }
}
