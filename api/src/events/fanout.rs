//! Cross-node fan-out on PostgreSQL. Several server processes share one database; an event
//! committed by one must reach subscribers connected to another. Each write sends, inside its
//! own transaction, one `NOTIFY praetor_events` whose payload points at what it committed
//! (PostgreSQL delivers it only if the transaction commits, in commit order). Every node
//! `LISTEN`s, reads the rows the pointers name and publishes them on its local bus.
//!
//! Payloads stay small (NOTIFY refuses more than 8000 bytes): pointers only, except streamed
//! text deltas, which are not stored and travel whole (a delta is capped well below the limit).
//! If the listening connection drops, notifications sent meanwhile are lost; the listener then
//! tells local chat subscribers to re-read their sessions from storage.

use std::sync::Arc;
use std::time::Duration;

use praetor_store::DatabaseConnection;
use praetor_store::db::Listener;
use praetor_store::{
    AuditEventId, ChatSessionId, Housekeeping, OrgId, PlanId, Tenant, audit_event, chat_event, plan_event,
};
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{ChatDelta, Event};
use crate::AppState;
use crate::error::Result;

pub const CHANNEL: &str = "praetor_events";
/// Below PostgreSQL's 8000-byte payload limit, with room for the envelope.
const MAX_PAYLOAD: usize = 7000;
/// The longest delta text sent in one notification.
pub const MAX_DELTA_BYTES: usize = 2000;

/// One pointer (or, for a delta, the delta itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "k")]
enum Pointer {
    #[serde(rename = "a")]
    Audit { o: OrgId, i: AuditEventId },
    #[serde(rename = "p")]
    Plan { o: OrgId, p: PlanId, q: i64, s: praetor_domain::PlanStatus },
    #[serde(rename = "c")]
    Chat { o: OrgId, s: ChatSessionId, q: i64 },
    #[serde(rename = "d")]
    Delta { o: OrgId, s: ChatSessionId, q: i64, a: String, t: String },
    /// A credential that ended, by the hash of its secret.
    #[serde(rename = "x")]
    Credential { h: String },
    /// An identity provider whose tokens ended.
    #[serde(rename = "i")]
    Provider { p: praetor_store::IdentityProviderId },
    /// An organization whose row changed.
    #[serde(rename = "o")]
    Org { o: OrgId },
    /// A person whose notifications changed.
    #[serde(rename = "n")]
    Notified { o: OrgId, u: praetor_store::UserId },
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    /// The sending node.
    n: String,
    e: Vec<Pointer>,
}

fn pointer(event: &Event) -> Option<Pointer> {
    Some(match event {
        Event::Audit(e) => Pointer::Audit { o: e.org_id, i: e.id },
        Event::Plan { org, plan, event, status, .. } => Pointer::Plan { o: *org, p: *plan, q: event.seq, s: *status },
        Event::Chat(e) => Pointer::Chat { o: e.org_id, s: e.session_id, q: e.seq },
        Event::ChatDelta(d) => Pointer::Delta {
            o: d.org,
            s: d.session,
            q: d.after_seq,
            a: d.agent.clone(),
            t: truncate(&d.text, MAX_DELTA_BYTES).to_string(),
        },
        Event::CredentialEnded { hash } => Pointer::Credential { h: hash.clone() },
        Event::ProviderEnded { provider } => Pointer::Provider { p: *provider },
        Event::OrgChanged { org } => Pointer::Org { o: *org },
        Event::Notified { org, user } => Pointer::Notified { o: *org, u: *user },
        Event::Resync => return None,
    })
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The notification payloads announcing `events`, each under the size limit.
fn payloads(node: &str, events: &[Event]) -> Vec<String> {
    let mut out = Vec::new();
    let mut batch: Vec<Pointer> = Vec::new();
    let mut size = 0;
    for p in events.iter().filter_map(pointer) {
        let len = serde_json::to_string(&p).map(|s| s.len() + 1).unwrap_or(0);
        if size + len > MAX_PAYLOAD && !batch.is_empty() {
            let e = std::mem::take(&mut batch);
            out.extend(serde_json::to_string(&Envelope { n: node.to_string(), e }).ok());
            size = 0;
        }
        size += len;
        batch.push(p);
    }
    if !batch.is_empty() {
        out.extend(serde_json::to_string(&Envelope { n: node.to_string(), e: batch }).ok());
    }
    out
}

/// Sends the notifications for `events` on `db` (inside the caller's transaction when `db`
/// is one). Nothing on SQLite: there is only ever one node.
pub async fn notify<C: praetor_store::Conn>(db: &C, node: &str, events: &[Event]) -> Result<()> {
    if events.is_empty() || !praetor_store::db::is_postgres(db) {
        return Ok(());
    }
    Ok(praetor_store::db::notify(db, CHANNEL, payloads(node, events)).await?)
}

/// Starts the listener when the database is PostgreSQL; it stops with `shutdown`.
pub fn spawn(app: Arc<AppState>, shutdown: CancellationToken) -> Option<JoinHandle<()>> {
    if !praetor_store::db::is_postgres(&app.db) {
        return None;
    }
    let url = app.config.effective_database_url();
    Some(tokio::spawn(async move {
        let mut backoff = Duration::from_millis(100);
        loop {
            let run = listen(&app, &url, &shutdown);
            match run.await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!("event fan-out listener failed, retrying in {backoff:?}: {e}");
                    app.live.set_hearing(false);
                    app.authz.rows.set_hearing(false);
                    app.bus.publish(Event::Resync);
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        tracing::info!("event fan-out listener stopped");
    }))
}

/// Listens until shutdown (`Ok`) or a connection error (`Err`).
async fn listen(app: &Arc<AppState>, url: &str, shutdown: &CancellationToken) -> Result<()> {
    let fail = |e: String| crate::error::Error::Conflict(format!("LISTEN connection: {e}"));
    let mut listener = Listener::listen(url, CHANNEL).await.map_err(fail)?;
    // Anything committed while this node was not listening can only be found in storage, and
    // credentials that ended meanwhile must be read again.
    app.live.set_hearing(true);
    app.authz.rows.set_hearing(true);
    app.bus.publish(Event::Resync);
    loop {
        let next = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            n = listener.next() => n.map_err(fail)?,
        };
        let Some(notification) = next else {
            // What was sent while the connection was down is lost: listen again from scratch
            // (and trust no cached credential until then).
            return Err(crate::error::Error::Conflict("LISTEN connection lost".into()));
        };
        let Ok(envelope) = serde_json::from_str::<Envelope>(&notification) else {
            tracing::warn!("ignoring an unreadable fan-out notification");
            continue;
        };
        if envelope.n == app.bus.node() {
            continue;
        }
        for p in &envelope.e {
            match p {
                Pointer::Credential { h } => app.live.end(h),
                Pointer::Provider { p } => app.live.end_provider(*p),
                Pointer::Org { o } => app.authz.rows.forget(*o),
                // A plan queued on another node: this node's workers may take it now.
                Pointer::Plan { s: praetor_domain::PlanStatus::Queued, .. } => app.wakeup.notify_one(),
                _ => {}
            }
        }
        // Nobody here to publish to (a worker, an API node without subscriptions): the rows
        // are not read (a subscription that starts later reads storage first). Streamed text
        // is kept all the same, for whoever subscribes while the answer is under way.
        let mut pointers = envelope.e;
        if !app.bus.heard() {
            pointers.retain(|p| matches!(p, Pointer::Delta { .. }));
            if pointers.is_empty() {
                continue;
            }
        }
        if let Err(e) = deliver(&app.db, &app.bus, pointers).await {
            tracing::warn!("could not deliver events from another node: {e}");
            app.bus.publish(Event::Resync);
        }
    }
}

/// Reads what the pointers name (one query per kind and plan or session) and publishes it
/// locally, in the order it was sent.
async fn deliver(db: &DatabaseConnection, bus: &super::Bus, pointers: Vec<Pointer>) -> Result<()> {
    use std::collections::{BTreeMap, HashMap};
    let mut audits: BTreeMap<OrgId, Vec<AuditEventId>> = BTreeMap::new();
    let mut plans: BTreeMap<(OrgId, PlanId), Vec<i64>> = BTreeMap::new();
    let mut chats: BTreeMap<(OrgId, ChatSessionId), Vec<i64>> = BTreeMap::new();
    for p in &pointers {
        match p {
            Pointer::Audit { o, i } => audits.entry(*o).or_default().push(*i),
            Pointer::Plan { o, p, q, .. } => plans.entry((*o, *p)).or_default().push(*q),
            Pointer::Chat { o, s, q } => chats.entry((*o, *s)).or_default().push(*q),
            Pointer::Delta { .. }
            | Pointer::Credential { .. }
            | Pointer::Provider { .. }
            | Pointer::Org { .. }
            | Pointer::Notified { .. } => {}
        }
    }
    let mut audit_rows: HashMap<AuditEventId, audit_event::Model> = HashMap::new();
    for (org, ids) in audits {
        for e in audit_event::by_ids(db, Tenant::housekeeping(org, Housekeeping::Fanout), ids).await? {
            audit_rows.insert(e.id, e);
        }
    }
    let mut plan_rows: HashMap<(PlanId, i64), plan_event::Model> = HashMap::new();
    for ((org, plan), seqs) in plans {
        for e in plan_event::at_seqs(db, Tenant::housekeeping(org, Housekeeping::Fanout), plan, seqs).await? {
            plan_rows.insert((plan, e.seq), e);
        }
    }
    let mut chat_rows: HashMap<(ChatSessionId, i64), chat_event::Model> = HashMap::new();
    for ((org, session), seqs) in chats {
        for e in chat_event::at_seqs(db, Tenant::housekeeping(org, Housekeeping::Fanout), session, seqs).await? {
            chat_rows.insert((session, e.seq), e);
        }
    }
    for p in pointers {
        match p {
            Pointer::Audit { i, .. } => {
                if let Some(e) = audit_rows.remove(&i) {
                    bus.publish(Event::Audit(e));
                }
            }
            Pointer::Plan { o, p, q, s } => {
                if let Some(e) = plan_rows.remove(&(p, q)) {
                    bus.publish(Event::Plan { org: o, project: e.project_id, plan: p, event: e, status: s });
                }
            }
            Pointer::Chat { s, q, .. } => {
                if let Some(e) = chat_rows.remove(&(s, q)) {
                    bus.publish(Event::Chat(e));
                }
            }
            Pointer::Delta { o, s, q, a, t } => {
                bus.publish(Event::ChatDelta(ChatDelta { org: o, session: s, after_seq: q, agent: a, text: t }))
            }
            Pointer::Notified { o, u } => bus.publish(Event::Notified { org: o, user: u }),
            // Handled by the listener before delivery.
            Pointer::Credential { .. } | Pointer::Provider { .. } | Pointer::Org { .. } => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_stay_under_the_notify_limit_and_round_trip() {
        let org = OrgId::generate();
        let session = ChatSessionId::generate();
        let events: Vec<Event> = (0..400)
            .map(|i| {
                Event::ChatDelta(ChatDelta {
                    org,
                    session,
                    after_seq: i,
                    agent: "alias".into(),
                    text: "é".repeat(if i == 3 { 5000 } else { 10 }),
                })
            })
            .chain([Event::Resync])
            .collect();
        let out = payloads("node-a", &events);
        assert!(out.len() > 1);
        let mut seqs = Vec::new();
        for p in &out {
            assert!(p.len() < 8000, "{}", p.len());
            let env: Envelope = serde_json::from_str(p).unwrap();
            assert_eq!(env.n, "node-a");
            for e in env.e {
                let Pointer::Delta { q, t, .. } = e else { panic!("not a delta") };
                assert!(t.len() <= MAX_DELTA_BYTES);
                seqs.push(q);
            }
        }
        assert_eq!(seqs, (0..400).collect::<Vec<_>>(), "every event once, in order");
    }
}
