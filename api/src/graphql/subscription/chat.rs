//! `chatEvents(sessionId, after)`: a conversation's events, first those after `after` from
//! storage, then the text streamed so far of an answer still coming, then live; streamed text
//! as it is produced. Nothing is lost on reconnect: a client resumes after the last `seq` it
//! saw and gets every stored event once, in order.
//!
//! The live part listens on the session's own channel of the bus (fed from other nodes too, on
//! PostgreSQL). A gap in the sequence, a lag on the channel, or a resync signal sends the
//! subscriber back to storage for what it missed; none of them ends the stream. The right to
//! read the session is checked again as events flow (at most once a second), and the stream
//! ends when it is gone.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::{Context, ID, Result, Subscription};
use futures_util::Stream;
use praetor_store::{ChatSessionId, OrgId, ProjectId, chat_event};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::AppState;
use crate::auth::Principal;
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::chat::sessions as chat;
use crate::chatlog::store;
use crate::error::Error;
use crate::events::{ChatDelta, Event};
use crate::graphql::object::ChatEventObject;
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::validate;

/// Events read from storage at a time while catching up.
const PAGE: u64 = 200;
/// How long a permission check is trusted while events flow (and how old the organization's
/// row may be for it: a changed role binding reaches live streams within twice this).
const RECHECK: Duration = Duration::from_secs(1);

struct Feed {
    app: Arc<AppState>,
    org: OrgId,
    project: ProjectId,
    session: ChatSessionId,
    rx: broadcast::Receiver<Arc<Event>>,
    /// The last stored event delivered.
    last: i64,
    backlog: VecDeque<chat_event::Model>,
    /// Text streamed before the subscription began for answers not yet stored, sent once
    /// storage has been caught up with (if storage does not hold those answers by then).
    so_far: Vec<ChatDelta>,
    /// The seq of the last delivered event that ended a turn (an answer, a ranking).
    turn_ended: i64,
    /// Storage holds nothing after `last` that the channel will not bring.
    caught_up: bool,
    access: OrgAccess,
    checked: Instant,
}

impl Feed {
    /// Whether the subscriber may still read the session (re-checked at most every second).
    async fn allowed(&mut self) -> bool {
        if self.checked.elapsed() < RECHECK {
            return true;
        }
        // Boxed: a subscription's future lives as long as the subscription, sized for its
        // largest await; the database work must not make every idle subscriber that large.
        let check = self.app.authz.enter_recent(self.access.principal(), self.org, RECHECK);
        match Box::pin(check).await {
            Ok(a) if a.may::<ops::ChatRead>(Domain::Project(self.project)) => {
                self.access = a;
                self.checked = Instant::now();
                true
            }
            _ => false,
        }
    }

    fn delivered(&mut self, e: &chat_event::Model) {
        self.last = e.seq;
        if crate::events::ends_turn(&e.kind) {
            self.turn_ended = e.seq;
        }
    }

    /// The next event for the subscriber; a stored event that does not parse is an error on
    /// the stream (the subscription goes on).
    async fn next(&mut self) -> Option<Result<ChatEventObject>> {
        loop {
            // (What is delivered is taken only after the awaits: an event held across them
            // would make every idle subscriber's future that much larger.)
            if let Some(front) = self.backlog.front() {
                if front.seq <= self.last {
                    self.backlog.pop_front();
                    continue;
                }
                if !self.allowed().await {
                    return None;
                }
                let Some(e) = self.backlog.pop_front() else { continue };
                self.delivered(&e);
                return Some(ChatEventObject::stored(self.access.clone(), e).map_err(Into::into));
            }
            if self.backlog.capacity() > 0 {
                // A replayed page must not stay allocated for the life of an idle subscriber.
                self.backlog = VecDeque::new();
            }
            if !self.caught_up {
                match Box::pin(store::after(&self.app.db, self.access.tenant(), self.session, self.last, PAGE)).await {
                    Ok(rows) => {
                        self.caught_up = (rows.len() as u64) < PAGE;
                        self.backlog.extend(rows);
                    }
                    Err(e) => {
                        tracing::warn!(session = %self.session, "chat subscriber could not read storage: {e}");
                        tokio::select! {
                            _ = self.app.closing.cancelled() => return None,
                            _ = Box::pin(tokio::time::sleep(Duration::from_secs(1))) => {}
                        }
                    }
                }
                continue;
            }
            // Kept newest first: the oldest answer's text goes first.
            while let Some(d) = self.so_far.last() {
                // An answer stored since (read from storage above) has the text already.
                if d.after_seq < self.turn_ended {
                    self.so_far.pop();
                    continue;
                }
                if !self.allowed().await {
                    return None;
                }
                let Some(d) = self.so_far.pop() else { continue };
                return Some(Ok(ChatEventObject::delta_so_far(self.access.clone(), d, self.app.clock.now())));
            }
            if self.so_far.capacity() > 0 {
                self.so_far = Vec::new();
            }
            let received = tokio::select! {
                _ = self.app.closing.cancelled() => return None,
                r = self.rx.recv() => r,
            };
            match received {
                Ok(event) => match &*event {
                    Event::Chat(e) if e.session_id == self.session => {
                        if e.seq <= self.last {
                            continue;
                        }
                        if e.seq > self.last + 1 {
                            // Something in between went by unseen: storage has it.
                            self.caught_up = false;
                            continue;
                        }
                        if !self.allowed().await {
                            return None;
                        }
                        self.delivered(e);
                        return Some(ChatEventObject::stored(self.access.clone(), e.clone()).map_err(Into::into));
                    }
                    Event::ChatDelta(d) if d.session == self.session => {
                        if !self.allowed().await {
                            return None;
                        }
                        return Some(Ok(ChatEventObject::delta(self.access.clone(), d.clone(), self.app.clock.now())));
                    }
                    Event::Resync => self.caught_up = false,
                    _ => {}
                },
                Err(RecvError::Lagged(n)) => {
                    tracing::debug!(session = %self.session, skipped = n, "chat subscriber lagged; re-reading storage");
                    self.caught_up = false;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// Checks the subscriber may read the session and positions the feed after `after`.
async fn open(app: Arc<AppState>, principal: Principal, session_id: ID, after: Option<i64>) -> Result<Feed> {
    let id: ChatSessionId = validate::id("sessionId", &session_id)?;
    if after.is_some_and(|a| a < 0) {
        return Err(Error::validation("after", "a sequence number, 0 or more").into());
    }
    let access = NodeId::ChatSession(id).enter(&app, &principal).await?;
    let org = access.org_id();
    let session = chat::find(&app, &access, id).await?;
    // Subscribe before reading storage, so nothing falls between the two.
    let (rx, mut so_far) = app.bus.subscribe_chat(id);
    so_far.reverse();
    Ok(Feed {
        project: session.project_id,
        app,
        org,
        session: id,
        rx,
        last: after.unwrap_or(0),
        backlog: VecDeque::new(),
        so_far,
        turn_ended: 0,
        caught_up: false,
        access,
        checked: Instant::now(),
    })
}

#[derive(Default)]
pub struct ChatSubscription;

#[Subscription]
impl ChatSubscription {
    /// A conversation's events after `after` (a `seq`; none: from the start), then live:
    /// messages, streamed text (`TEXT_DELTA`, not stored: a subscriber arriving mid-answer
    /// first gets the text so far in one delta per agent), ranked proposals, the proposed plan
    /// with its preview, approval requests, step progress, the plan's end. Needs `chat.read`
    /// in the session's project.
    async fn chat_events(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        after: Option<i64>,
    ) -> Result<impl Stream<Item = Result<ChatEventObject>> + use<>> {
        let app = app(ctx)?.clone();
        let principal = principal(ctx)?.clone();
        // Boxed for the same reason as the database work in `Feed`: async-graphql keeps this
        // future's space for as long as the subscription lives.
        let feed = Box::pin(open(app, principal, session_id, after)).await?;
        Ok(futures_util::stream::unfold(feed, |mut f| async move { f.next().await.map(|e| (e, f)) }))
    }
}
