//! The viewer's notifications: marking them read, and choosing e-mail per category.

use async_graphql::{Context, ID, InputObject, Object, Result};
use praetor_store::NotificationId;

use crate::error::Error;
use crate::graphql::object::{NotificationCategoryGql, NotificationSettingObject};
use crate::graphql::{app, principal};
use crate::services::{notifications, validate};

#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// These notifications (the viewer's own; others are ignored).
    pub ids: Option<Vec<ID>>,
    /// Every unread notification of the viewer.
    #[graphql(default)]
    pub all: bool,
}

#[derive(InputObject)]
pub struct SetNotificationEmailInput {
    pub category: NotificationCategoryGql,
    pub email: bool,
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks notifications read; returns the viewer's unread count after.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, input: MarkNotificationsReadInput) -> Result<i64> {
        let user = principal(ctx)?.user().ok_or_else(|| Error::forbidden("only people have notifications"))?;
        let ids = match (input.all, input.ids) {
            (true, None) => None,
            (false, Some(ids)) if ids.len() <= 500 => {
                Some(ids.iter().map(|id| validate::id::<NotificationId>("ids", id)).collect::<Result<Vec<_>, _>>()?)
            }
            (false, Some(_)) => return Err(Error::validation("ids", "at most 500 at a time").into()),
            _ => return Err(Error::validation("input", "give either ids or all: true").into()),
        };
        Ok(notifications::mark_read(app(ctx)?, user.id, ids).await? as i64)
    }

    /// Chooses whether the viewer is e-mailed about a category (in-app notifications always
    /// arrive).
    async fn set_notification_email(
        &self,
        ctx: &Context<'_>,
        input: SetNotificationEmailInput,
    ) -> Result<NotificationSettingObject> {
        let (category, email) =
            notifications::set_email(app(ctx)?, principal(ctx)?, input.category.into(), input.email).await?;
        Ok(NotificationSettingObject::new(category, email))
    }
}
