//! `Notification` and `NotificationSetting`: what the viewer is told of, and how.

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_store::notification;

use crate::error::stored_value;
use crate::notifications::{Category, Kind};

/// What a notification is about, which is also what a person chooses e-mail for.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "NotificationCategory", remote = "crate::notifications::Category")]
pub enum NotificationCategoryGql {
    /// Plans waiting for the viewer's approval.
    Approvals,
    /// The viewer's own plans: approved, rejected, expired, finished, failed, killed.
    MyPlans,
    /// Access requests (time-boxed roles) to review, and the viewer's own requests decided.
    AccessRequests,
    /// Kill switches engaged where the viewer works.
    KillSwitches,
    /// Policy pack versions published for, and coming into force in, organizations where the
    /// viewer changes policy.
    PolicyPacks,
}

/// What happened.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "NotificationKind", remote = "crate::notifications::Kind")]
pub enum NotificationKindGql {
    ApprovalWaiting,
    PlanApproved,
    PlanRejected,
    PlanExpired,
    PlanSucceeded,
    PlanFailed,
    PlanKilled,
    AccessRequested,
    AccessGranted,
    AccessDenied,
    KillSwitchEngaged,
    PolicyPackPublished,
    PolicyPackInForce,
}

/// Something that happened that the viewer should know of.
pub struct NotificationObject {
    pub model: notification::Model,
    /// The slug of its organization.
    pub org: String,
}

#[Object(name = "Notification")]
impl NotificationObject {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn kind(&self) -> async_graphql::Result<NotificationKindGql> {
        let what = format_args!("the kind of notification {}", self.model.id);
        Ok(stored_value(what, &self.model.kind, Kind::parse)?.into())
    }

    async fn category(&self) -> async_graphql::Result<NotificationCategoryGql> {
        let what = format_args!("the category of notification {}", self.model.id);
        Ok(stored_value(what, &self.model.category, Category::parse)?.into())
    }

    /// The slug of the organization it happened in.
    async fn org(&self) -> &str {
        &self.org
    }

    /// One line, e.g. "Approval waiting: Deploy web v1 to prod".
    async fn title(&self) -> &str {
        &self.model.title
    }

    /// A sentence or two of detail, e.g. "bob@demo.test asks sre-leads to approve it."
    async fn body(&self) -> &str {
        &self.model.body
    }

    /// Where in the app it leads: a path such as /orgs/demo/plans/pln_… or /orgs/demo/approvals.
    async fn link(&self) -> &str {
        &self.model.link
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// When the viewer marked it read; null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.model.read_at
    }
}

/// A person's choice for one category: in-app notifications always arrive; e-mail is per
/// category.
#[derive(SimpleObject)]
#[graphql(name = "NotificationSetting")]
pub struct NotificationSettingObject {
    pub category: NotificationCategoryGql,
    /// What the category covers, in words ("Plans waiting for my approval").
    pub label: String,
    pub email: bool,
}

impl NotificationSettingObject {
    pub fn new(category: Category, email: bool) -> Self {
        Self { category: category.into(), label: category.label().into(), email }
    }
}
