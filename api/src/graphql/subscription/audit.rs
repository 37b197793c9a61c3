//! `auditEvents(org)` and `budgetAlerts(org)`: new audit entries of an organization (all of
//! them, or its budgets' alerts), live.

use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::authz::Domain;
use crate::authz::ops;
use crate::events::Event;
use crate::graphql::object::AuditEventObject;
use crate::graphql::{app, principal};
use crate::services::orgs;

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

/// The organization's new audit entries whose kind `wanted` accepts, while the subscriber may
/// read them (checked again for every entry, against current rules).
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
    let rx = app.bus.subscribe();
    Ok(futures_util::stream::unfold(rx, move |mut rx| {
        let app = app.clone();
        let principal = principal.clone();
        async move {
            loop {
                match rx.recv().await {
                    Ok(event) if event.org_id() == Some(org_id) => {
                        let Event::Audit(e) = &*event else { continue };
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
                        return Some((AuditEventObject(e.clone()), rx));
                    }
                    Ok(_) => continue,
                    // A slow subscriber skips what it missed instead of ending the stream.
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(skipped = n, "audit subscriber lagged")
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    }))
}
