//! `planEvents(planId, after)`: a plan's events, first those after `after` from storage, then
//! live, in the log's order with none missing (a gap in what arrives live is read back from
//! storage). Nothing is lost on reconnect: a client resumes from the last sequence it saw.

use async_graphql::{Context, ID, Result, SimpleObject, Subscription};
use futures_util::Stream;
use praetor_store::PlanId;
use tokio::sync::broadcast::error::RecvError;

use crate::authz::Domain;
use crate::authz::ops;
use crate::events::Event;
use crate::graphql::object::{PlanEventGql, PlanStatusGql};
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::{orgs, plans, validate};

/// One event and the plan's status after it.
#[derive(SimpleObject)]
pub struct PlanUpdate {
    pub plan_id: ID,
    pub status: PlanStatusGql,
    pub event: PlanEventGql,
}

#[derive(Default)]
pub struct PlanSubscription;

#[Subscription]
impl PlanSubscription {
    /// Status changes, approval requests and step progress of a plan. Needs `plan.read`;
    /// checked again for every event.
    async fn plan_events(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
        after: Option<i64>,
    ) -> Result<impl Stream<Item = PlanUpdate> + use<>> {
        let app = app(ctx)?.clone();
        let principal = principal(ctx)?.clone();
        let id: PlanId = validate::id("planId", &plan_id)?;
        let access = NodeId::Plan(id).enter(&app, &principal).await?;
        let org = access.org_id();
        let plan = plans::find(&app, &access, id).await?;
        // Subscribe before reading the backlog so nothing falls between the two.
        let rx = app.bus.subscribe();
        // Each replayed event carries the status right after it, folded from the log itself (a
        // stale status on the last replayed event would stick, since live events up to it are
        // skipped).
        let backlog = plans::events_with_status(&app, &access, &plan, after).await?;
        let last_seq = backlog.last().map(|(e, _)| e.seq).or(after).unwrap_or(0);
        let backlog_items: Vec<PlanUpdate> = backlog
            .iter()
            .map(|(e, status)| PlanUpdate { plan_id: ID(id.to_string()), status: (*status).into(), event: e.into() })
            .collect();
        let project = plan.project_id;
        let update = move |e: &praetor_store::plan_event::Model, status: praetor_domain::PlanStatus| PlanUpdate {
            plan_id: ID(id.to_string()),
            status: status.into(),
            event: e.into(),
        };
        // Events reach a node in the order they are published, which is not always the log's
        // (this node's commits are published at once, other nodes' a moment later through the
        // fan-out): an event past the next one expected is preceded by those missing, read
        // back from storage; anything seen already is skipped.
        let start = (rx, last_seq, std::collections::VecDeque::<PlanUpdate>::new());
        let live = futures_util::stream::unfold(start, move |(mut rx, mut last, mut ready)| {
            let app = app.clone();
            let principal = principal.clone();
            async move {
                loop {
                    if let Some(next) = ready.pop_front() {
                        let allowed = match orgs::enter_by_id(&app, &principal, org).await {
                            Ok(a) => a.may::<ops::PlanRead>(Domain::Project(project)),
                            Err(_) => false,
                        };
                        if !allowed {
                            return None;
                        }
                        return Some((next, (rx, last, ready)));
                    }
                    match rx.recv().await {
                        Ok(event) => {
                            let Event::Plan { plan, event: e, status, .. } = &*event else {
                                continue;
                            };
                            if *plan != id || e.seq <= last {
                                continue;
                            }
                            if e.seq == last + 1 {
                                last = e.seq;
                                ready.push_back(update(e, *status));
                                continue;
                            }
                            let Ok(access) = orgs::enter_by_id(&app, &principal, org).await else { return None };
                            let read = match plans::find(&app, &access, id).await {
                                Ok(p) => plans::events_with_status(&app, &access, &p, Some(last)).await,
                                Err(err) => Err(err),
                            };
                            match read {
                                Ok(rows) => {
                                    for (e, status) in rows {
                                        last = e.seq;
                                        ready.push_back(update(&e, status));
                                    }
                                }
                                Err(err) => {
                                    tracing::warn!(plan = %id, "a plan subscriber could not read back missed events: {err}");
                                    return None;
                                }
                            }
                        }
                        // A slow subscriber's next event is past a gap: it is read back then.
                        Err(RecvError::Lagged(n)) => {
                            tracing::debug!(skipped = n, "plan subscriber lagged; reading back from storage")
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            }
        });
        Ok(futures_util::StreamExt::chain(futures_util::stream::iter(backlog_items), live))
    }
}
