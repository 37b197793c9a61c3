//! `notifications`: the viewer's unread count now, then again with each new notification (and
//! it) or read mark, from any node. A client keeps its badge and list from these updates
//! without asking again.

use async_graphql::{Context, Result, SimpleObject, Subscription};
use futures_util::Stream;
use praetor_store::{NotificationId, UserId};
use tokio::sync::broadcast::error::RecvError;

use crate::error::Error;
use crate::events::Event;
use crate::graphql::object::NotificationObject;
use crate::graphql::{app, principal};
use crate::services::notifications;

/// The viewer's unread count, and the notification that changed it (null when it went down:
/// marked read, here or in another tab).
#[derive(SimpleObject)]
pub struct NotificationUpdate {
    pub unread: i64,
    pub notification: Option<NotificationObject>,
}

#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// The viewer's unread count now, then again with each new notification or read mark.
    /// People only: accounts and agents have no notifications.
    async fn notifications(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = NotificationUpdate> + use<>> {
        let app = app(ctx)?.clone();
        let user =
            principal(ctx)?.user().map(|u| u.id).ok_or_else(|| Error::forbidden("only people have notifications"))?;
        // Subscribe before reading, so nothing falls between the two.
        let rx = app.bus.subscribe();
        let (first, newest) = update(&app, user, None, true).await?;
        let live = futures_util::stream::unfold((rx, newest), move |(mut rx, mut newest)| {
            let app = app.clone();
            async move {
                loop {
                    match rx.recv().await {
                        Ok(event) => {
                            let Event::Notified { user: u, .. } = &*event else { continue };
                            if *u != user {
                                continue;
                            }
                        }
                        // Missed events may have been ours: say where things are now.
                        Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => return None,
                    }
                    match update(&app, user, newest, false).await {
                        Ok((u, n)) => {
                            newest = n;
                            return Some((u, (rx, newest)));
                        }
                        Err(e) => {
                            tracing::warn!("notification subscriber: {e}");
                            return None;
                        }
                    }
                }
            }
        });
        Ok(futures_util::StreamExt::chain(futures_util::stream::iter([first]), live))
    }
}

/// The person's unread count, with their newest notification unless this is the `first`
/// update or it is not newer than `seen`, and the newest id now.
async fn update(
    app: &crate::AppState,
    user: UserId,
    seen: Option<NotificationId>,
    first: bool,
) -> crate::error::Result<(NotificationUpdate, Option<NotificationId>)> {
    let (unread, newest) = notifications::latest(app, user).await?;
    let unread = unread as i64;
    let newest_id = newest.as_ref().map(|(n, _)| n.id).or(seen);
    let notification = match newest {
        Some((model, org)) if !first && seen.is_none_or(|s| model.id > s) => Some(NotificationObject { model, org }),
        _ => None,
    };
    Ok((NotificationUpdate { unread, notification }, newest_id))
}
