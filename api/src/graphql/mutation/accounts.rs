//! Local accounts: invitations by link (`role.bind`: they grant a role), reset links and
//! unlocking, removing a lost second factor and switching local accounts off (`identity.manage`). Links are shown once; Praetor keeps only their hashes.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use praetor_store::InvitationId;

use crate::authz::{Domain, ops};
use crate::graphql::object::{InvitationObject, OrgObject};
use crate::graphql::{app, principal};
use crate::services::accounts::{self, INVITATION_PATH};
use crate::services::{orgs, projects, validate};

#[derive(InputObject)]
pub struct InviteMemberInput {
    pub org: String,
    pub email: String,
    /// The role the person gets on accepting (org-wide, or in `project`).
    pub role: String,
    /// A project slug; omit for an org-wide role.
    pub project: Option<String>,
}

/// A link made: `link` (a path under this server's address) is shown this once.
#[derive(SimpleObject)]
pub struct InvitationWithLink {
    pub invitation: InvitationObject,
    pub link: String,
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Invites a person by e-mail: the link lets them choose a password and join with the role.
    async fn invite_member(&self, ctx: &Context<'_>, input: InviteMemberInput) -> Result<InvitationWithLink> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = match &input.project {
            Some(slug) => Some(projects::find_by_slug(app, &access, slug).await?.id),
            None => None,
        };
        let permit = access.permit::<ops::RoleBind>(project.map(Domain::Project).unwrap_or(Domain::Org))?;
        let issued = accounts::invite(app, &permit, &input.email, &input.role, project).await?;
        Ok(InvitationWithLink {
            link: format!("{INVITATION_PATH}{}", issued.token.expose()),
            invitation: InvitationObject { access, model: issued.invitation },
        })
    }

    /// Withdraws a link not yet used: an invitation with `role.bind`, a reset link with
    /// `identity.manage`.
    async fn revoke_invitation(&self, ctx: &Context<'_>, org: String, id: ID) -> Result<bool> {
        let app = app(ctx)?;
        let id: InvitationId = validate::id("id", &id)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        accounts::revoke(app, &access, id).await?;
        Ok(true)
    }

    /// A link on which a member of this organization (and of no other) sets a new password.
    async fn issue_password_reset(&self, ctx: &Context<'_>, org: String, email: String) -> Result<InvitationWithLink> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        let permit = access.permit::<ops::IdentityManage>(Domain::Org)?;
        let issued = accounts::reset_link(app, &permit, &email).await?;
        Ok(InvitationWithLink {
            link: format!("{INVITATION_PATH}{}", issued.token.expose()),
            invitation: InvitationObject { access, model: issued.invitation },
        })
    }

    /// Removes the second factor (authenticator app and recovery codes) of a member of this
    /// organization (and of no other) who lost it; they sign in with their password alone and
    /// may enrol again.
    async fn remove_second_factor(&self, ctx: &Context<'_>, org: String, email: String) -> Result<bool> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        let permit = access.permit::<ops::IdentityManage>(Domain::Org)?;
        accounts::remove_second_factor(app, &permit, &email).await?;
        Ok(true)
    }

    /// Switches the organization's local accounts (passwords) on or off. Off needs an enabled
    /// identity provider and a caller who did not sign in with a password; then no invitation
    /// or reset links are issued and sessions begun with a password do not enter it.
    async fn set_local_accounts(&self, ctx: &Context<'_>, org: String, enabled: bool) -> Result<OrgObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        let permit = access.permit::<ops::IdentityManage>(Domain::Org)?;
        crate::services::identity::set_local_accounts(app, &permit, enabled).await?;
        Ok(OrgObject(orgs::enter_by_slug(app, principal(ctx)?, &org).await?))
    }

    /// Lifts the lockout of a member whose password was given wrong too often.
    async fn unlock_account(&self, ctx: &Context<'_>, org: String, email: String) -> Result<bool> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        let permit = access.permit::<ops::IdentityManage>(Domain::Org)?;
        accounts::unlock(app, &permit, &email).await?;
        Ok(true)
    }
}
