//! `RoleBinding`.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use praetor_store::role_binding;

use super::{ProjectObject, ScopeGql};
use crate::authz::OrgAccess;
use crate::graphql::app;
use crate::services::projects;

pub struct RoleBindingObject {
    access: OrgAccess,
    model: role_binding::Model,
}

impl RoleBindingObject {
    pub fn new(access: OrgAccess, model: role_binding::Model) -> Self {
        Self { access, model }
    }
}

#[Object(name = "RoleBinding")]
impl RoleBindingObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn role(&self) -> &str {
        &self.model.role
    }

    /// `user`, `group` or `service_account`.
    async fn subject_kind(&self) -> &str {
        &self.model.subject_kind
    }

    /// The subject's id (`usr_…`, `grp_…` or `sa_…`).
    async fn subject_id(&self) -> ID {
        let prefix = match self.model.subject_kind.as_str() {
            "user" => "usr",
            "group" => "grp",
            _ => "sa",
        };
        ID(format!("{prefix}_{}", self.model.subject_id.simple()))
    }

    /// The subject as people know it: a user's e-mail, a group's or service account's name.
    async fn subject(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(crate::services::roles::subject_label(app(ctx)?, &self.access, &self.model).await?)
    }

    /// The whole organization, or one project (`project`).
    async fn scope(&self) -> ScopeGql {
        if self.model.project_id.is_some() { ScopeGql::Project } else { ScopeGql::Org }
    }

    /// The project of a project binding, if the caller may read it.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<ProjectObject>> {
        let Some(id) = self.model.project_id else {
            return Ok(None);
        };
        Ok(projects::find_by_id(app(ctx)?, &self.access, id)
            .await
            .ok()
            .map(|p| ProjectObject::new(self.access.clone(), p)))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}
