//! `bindRole`, `unbindRole`.

use async_graphql::{Context, ID, InputObject, Object, Result};
use praetor_store::RoleBindingId;

use crate::error::Error;
use crate::graphql::object::RoleBindingObject;
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::roles::BindingSubject;
use crate::services::{orgs, projects, roles, validate};

/// Exactly one of the fields.
#[derive(InputObject)]
pub struct SubjectInput {
    /// A user by e-mail (provisioned if unknown).
    pub user_email: Option<String>,
    pub group_id: Option<ID>,
    pub service_account_id: Option<ID>,
}

#[derive(InputObject)]
pub struct BindRoleInput {
    pub org: String,
    /// One of org_admin, org_member, project_admin, operator, approver, viewer.
    pub role: String,
    pub subject: SubjectInput,
    /// A project slug; omit for an org-wide binding.
    pub project: Option<String>,
}

#[derive(Default)]
pub struct RoleMutation;

pub(super) fn subject(input: SubjectInput) -> crate::error::Result<BindingSubject> {
    match (input.user_email, input.group_id, input.service_account_id) {
        (Some(email), None, None) => Ok(BindingSubject::UserEmail(email)),
        (None, Some(g), None) => Ok(BindingSubject::Group(validate::id("subject.groupId", &g)?)),
        (None, None, Some(sa)) => Ok(BindingSubject::ServiceAccount(validate::id("subject.serviceAccountId", &sa)?)),
        _ => Err(Error::validation("subject", "give exactly one of userEmail, groupId, serviceAccountId")),
    }
}

#[Object]
impl RoleMutation {
    /// Needs `role.bind` in the binding's scope (the organization, or the project).
    async fn bind_role(&self, ctx: &Context<'_>, input: BindRoleInput) -> Result<RoleBindingObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let subject = subject(input.subject)?;
        let project = match input.project {
            Some(slug) => Some(projects::find_by_slug(app, &access, &slug).await?.id),
            None => None,
        };
        let b = roles::bind(app, &access, subject, &input.role, project).await?;
        Ok(RoleBindingObject::new(access, b))
    }

    /// Needs `role.bind` in the binding's scope.
    async fn unbind_role(&self, ctx: &Context<'_>, id: ID) -> Result<RoleBindingObject> {
        let app = app(ctx)?;
        let id: RoleBindingId = validate::id("id", &id)?;
        let access = NodeId::RoleBinding(id).enter(app, principal(ctx)?).await?;
        let b = roles::unbind(app, &access, id).await?;
        Ok(RoleBindingObject::new(access, b))
    }
}
