//! `Viewer`: the caller.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, Result};
use praetor_store::NotificationId;

use super::{
    ActorKindGql, NotificationObject, NotificationSettingObject, OrgObject, UserObject, connection, page_complexity,
};
use crate::auth::{Principal, Subject};
use crate::graphql::app;
use crate::services::page::PageArgs;
use crate::services::{notifications, orgs};

pub struct Viewer(pub Principal);

#[Object]
impl Viewer {
    async fn kind(&self) -> ActorKindGql {
        match self.0.subject {
            Subject::User(_) => ActorKindGql::User,
            Subject::ServiceAccount(_) => ActorKindGql::ServiceAccount,
            Subject::Agent(_) => ActorKindGql::Agent,
        }
    }

    pub async fn id(&self) -> ID {
        ID(self.0.actor().id)
    }

    async fn name(&self) -> String {
        self.0.actor().name
    }

    async fn user(&self) -> Option<UserObject> {
        self.0.user().cloned().map(UserObject)
    }

    /// May create organizations.
    async fn instance_admin(&self) -> bool {
        self.0.is_instance_admin()
    }

    /// Organizations the caller belongs to.
    async fn orgs(&self, ctx: &Context<'_>) -> Result<Vec<OrgObject>> {
        Ok(orgs::list_for(app(ctx)?, &self.0).await?.into_iter().map(OrgObject).collect())
    }

    /// The viewer's notifications, newest first (none for accounts and agents).
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] unread_only: bool,
    ) -> Result<Connection<String, NotificationObject>> {
        let args = PageArgs::<NotificationId>::parse(first, after.as_deref())?;
        let page = match self.0.user() {
            Some(u) => notifications::list(app(ctx)?, u.id, unread_only, args).await?,
            None => crate::services::page::Page { items: Vec::new(), has_next: false },
        };
        Ok(connection(
            page,
            args.after.is_some(),
            |(n, _)| n.id.to_string(),
            |(model, org)| NotificationObject { model, org },
        ))
    }

    /// How many of the viewer's notifications are unread.
    async fn unread_notifications(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(match self.0.user() {
            Some(u) => notifications::unread(app(ctx)?, u.id).await? as i64,
            None => 0,
        })
    }

    /// The viewer's e-mail choice for each category (in-app notifications always arrive).
    async fn notification_settings(&self, ctx: &Context<'_>) -> Result<Vec<NotificationSettingObject>> {
        Ok(match self.0.user() {
            Some(u) => notifications::settings(app(ctx)?, u.id)
                .await?
                .into_iter()
                .map(|(c, email)| NotificationSettingObject::new(c, email))
                .collect(),
            None => Vec::new(),
        })
    }

    /// Whether this instance sends e-mail at all (an SMTP server is configured).
    async fn email_notifications(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(app(ctx)?.notifications.mailer.is_some())
    }
}
