//! `auditEvents(org)` and `budgetAlerts(org)`: new audit entries of an organization (all of
//! them, or its budgets' alerts), live.

use std::collections::VecDeque;

use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::authz::Domain;
use crate::authz::ops;
use crate::events::Event;
use crate::graphql::object::AuditEventObject;
use crate::graphql::{app, principal};
use crate::services::{audit_log, orgs};

#[derive(Default)]
pub struct AuditSubscription;

#[Subscription]
impl AuditSubscription {
    /// Entries appended to the organization's audit chain from now on. Needs `audit.read`;
    /// the stream ends if the subscriber loses it.
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        org: String,
    ) -> Result<impl Stream<Item = AuditEventObject> + use<>> {
        entries(ctx, &org, |_| true).await
    }

    /// Budget alerts of the organization from now on: a budget crossing one of its alert
    /// thresholds (`budget.threshold_crossed`), its forecast running out before the reset
    /// (`budget.forecast_exhaustion`, with `exhaustsAt` and a message such as "exhausted at
    /// 15:40 UTC, 2 h before the reset") and the forecast falling back
    /// (`budget.forecast_cleared`). Needs `audit.read`.
    async fn budget_alerts(
        &self,
        ctx: &Context<'_>,
        org: String,
    ) -> Result<impl Stream<Item = AuditEventObject> + use<>> {
        entries(ctx, &org, |kind| kind.starts_with("budget.")).await
    }
}

/// Entries read back per statement when a subscriber fills a gap.
const FILL_BATCH: u64 = 500;

/// The organization's new audit entries whose kind `wanted` accepts, while the subscriber may
/// read them (checked again for every entry, against current rules), in chain order with none
/// missing. Entries reach a node in the order they are published, which is not always the
/// chain's: this node's own commits are published at once, other nodes' arrive a moment later
/// through the fan-out, and a slow subscriber may lag behind the bus. So an entry past the
/// next expected one is not sent at once: the missing ones are read back from storage first
/// (every entry before a committed one is committed), and anything seen already is skipped.
async fn entries(
    ctx: &Context<'_>,
    org: &str,
    wanted: fn(&str) -> bool,
) -> Result<impl Stream<Item = AuditEventObject> + use<>> {
    let app = app(ctx)?.clone();
    let principal = principal(ctx)?.clone();
    let access = orgs::enter_by_slug(&app, &principal, org).await?;
    access.permit::<ops::AuditRead>(Domain::Org)?;
    let org_id = access.org_id();
    // Subscribed before the head is read: an entry committed in between is both on the bus
    // and after the head.
    let rx = app.bus.subscribe();
    let head = audit_log::head_seq(&app, &access).await?;
    let start = Reader { rx, last: head, ready: VecDeque::new() };
    Ok(futures_util::stream::unfold(start, move |mut reader| {
        let app = app.clone();
        let principal = principal.clone();
        async move {
            loop {
                if let Some(e) = reader.ready.pop_front() {
                    if !wanted(&e.kind) {
                        continue;
                    }
                    let still_allowed = match orgs::enter_by_id(&app, &principal, org_id).await {
                        Ok(access) => access.may::<ops::AuditRead>(Domain::Org),
                        Err(_) => false,
                    };
                    if !still_allowed {
                        return None;
                    }
                    return Some((AuditEventObject(e), reader));
                }
                match reader.rx.recv().await {
                    Ok(event) if event.org_id() == Some(org_id) => {
                        let Event::Audit(e) = &*event else { continue };
                        if e.seq <= reader.last {
                            continue;
                        }
                        if e.seq == reader.last + 1 {
                            reader.last = e.seq;
                            reader.ready.push_back(e.clone());
                            continue;
                        }
                        let access = match orgs::enter_by_id(&app, &principal, org_id).await {
                            Ok(a) => a,
                            Err(_) => return None,
                        };
                        while reader.last < e.seq {
                            let rows = match audit_log::between(&app, &access, reader.last, e.seq, FILL_BATCH).await {
                                Ok(rows) if !rows.is_empty() => rows,
                                Ok(_) => break,
                                Err(err) => {
                                    tracing::warn!("an audit subscriber could not read back missed entries: {err}");
                                    return None;
                                }
                            };
                            for row in rows {
                                reader.last = row.seq;
                                reader.ready.push_back(row);
                            }
                        }
                    }
                    Ok(_) => continue,
                    // A slow subscriber's next entry is past a gap: it is read back then.
                    Err(RecvError::Lagged(n)) => {
                        tracing::debug!(skipped = n, "audit subscriber lagged; reading back from storage")
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    }))
}

struct Reader {
    rx: tokio::sync::broadcast::Receiver<std::sync::Arc<Event>>,
    /// The last entry taken (sent, or queued to be).
    last: i64,
    /// Entries taken in chain order, not yet sent.
    ready: VecDeque<praetor_store::audit_event::Model>,
}
