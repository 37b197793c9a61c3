//! `setKillSwitch`, `grantTemporaryRole`, `approveRoleGrant`, `rejectRoleGrant`,
//! `revokeRoleGrant`, `pauseAutonomy`, `resumeAutonomy`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use praetor_store::RoleGrantId;

use super::roles::{SubjectInput, subject};
use crate::authz::InstanceAdmin;
use crate::error::Error;
use crate::graphql::object::{KillSwitchObject, KillSwitchScope, ProjectObject, RoleGrantObject};
use crate::graphql::{app, principal};
use crate::services::kill_switches::{self, OnRelease, Scope};
use crate::services::locate::NodeId;
use crate::services::{autonomy, grants, orgs, projects, validate};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ReleaseMode {
    /// Held plans run.
    #[default]
    Resume,
    /// Held plans are cancelled.
    Cancel,
}

#[derive(InputObject)]
pub struct SetKillSwitchInput {
    pub scope: KillSwitchScope,
    /// The organization's slug (org and project scopes).
    pub org: Option<String>,
    /// The project's slug (project scope).
    pub project: Option<String>,
    /// `true` engages, `false` releases.
    pub engaged: bool,
    /// Why (required to engage).
    #[graphql(default)]
    pub reason: String,
    /// On release: what happens to the plans the switch held.
    #[graphql(default)]
    pub on_release: ReleaseMode,
}

#[derive(InputObject)]
pub struct GrantTemporaryRoleInput {
    pub org: String,
    pub role: String,
    pub subject: SubjectInput,
    /// A project slug; omit for the whole organization.
    pub project: Option<String>,
    /// When the access starts (default: now).
    pub from: Option<DateTime<Utc>>,
    /// When the access ends by itself.
    pub until: DateTime<Utc>,
    pub reason: String,
}

#[derive(InputObject)]
pub struct AutonomyInput {
    pub org: String,
    pub project: String,
    #[graphql(default)]
    pub reason: String,
}

#[derive(Default)]
pub struct GovernanceMutation;

async fn grant_access(ctx: &Context<'_>, id: &ID) -> Result<(crate::authz::OrgAccess, RoleGrantId)> {
    let app = app(ctx)?;
    let id: RoleGrantId = validate::id("id", id)?;
    let access = NodeId::RoleGrant(id).enter(app, principal(ctx)?).await?;
    Ok((access, id))
}

async fn grant_object(
    ctx: &Context<'_>,
    access: &crate::authz::OrgAccess,
    g: praetor_store::role_grant::Model,
) -> Result<RoleGrantObject> {
    let app = app(ctx)?;
    let project_slug = grants::project_of(app, &g).await?.map(|p| p.slug);
    Ok(RoleGrantObject::new(access, g, app.clock.now(), project_slug))
}

#[Object]
impl GovernanceMutation {
    /// Engages or releases a kill switch. Project and org scopes need `killswitch.set` there;
    /// the global switch is for instance administrators. While engaged no new step starts,
    /// running plans are killed (with compensation where defined) and queued plans are held.
    async fn set_kill_switch(&self, ctx: &Context<'_>, input: SetKillSwitchInput) -> Result<KillSwitchObject> {
        let app = app(ctx)?;
        let p = principal(ctx)?;
        let on_release = match input.on_release {
            ReleaseMode::Resume => OnRelease::Resume,
            ReleaseMode::Cancel => OnRelease::Cancel,
        };
        let changed = match input.scope {
            KillSwitchScope::Global => {
                let ia = InstanceAdmin::check(p)?;
                kill_switches::set(app, Scope::Global(&ia), input.engaged, &input.reason, on_release).await?
            }
            KillSwitchScope::Org | KillSwitchScope::Project => {
                let org = input.org.as_deref().ok_or_else(|| Error::validation("org", "name the organization"))?;
                let access = orgs::enter_by_slug(app, p, org).await?;
                let scope = match (input.scope, input.project.as_deref()) {
                    (KillSwitchScope::Project, Some(slug)) => {
                        Scope::Project(&access, projects::find_by_slug(app, &access, slug).await?.id)
                    }
                    (KillSwitchScope::Project, None) => {
                        return Err(Error::validation("project", "name the project").into());
                    }
                    (_, Some(_)) => {
                        return Err(Error::validation("project", "only the project scope takes a project").into());
                    }
                    _ => Scope::Org(&access),
                };
                kill_switches::set(app, scope, input.engaged, &input.reason, on_release).await?
            }
        };
        Ok(KillSwitchObject { model: changed.switch, plans: Some(changed.plans) })
    }

    /// Just-in-time access that ends by itself at `until`. With `role.bind` in the scope you
    /// grant it to anyone; without, you may ask for yourself. Policy (`grants:`) bounds the
    /// duration and may require a second person's approval (a request for yourself always does).
    async fn grant_temporary_role(&self, ctx: &Context<'_>, input: GrantTemporaryRoleInput) -> Result<RoleGrantObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = match input.project {
            Some(slug) => Some(projects::find_by_slug(app, &access, &slug).await?.id),
            None => None,
        };
        let g = grants::grant(
            app,
            &access,
            grants::Request {
                subject: subject(input.subject)?,
                role: input.role,
                project,
                from: input.from,
                until: input.until,
                reason: input.reason,
            },
        )
        .await?;
        grant_object(ctx, &access, g).await
    }

    /// Approves a pending grant. Needs `role.bind` in its scope; not the requester nor the
    /// person who gets the role.
    async fn approve_role_grant(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] comment: String,
    ) -> Result<RoleGrantObject> {
        let (access, id) = grant_access(ctx, &id).await?;
        let g = grants::decide(app(ctx)?, &access, id, true, &comment).await?;
        grant_object(ctx, &access, g).await
    }

    /// Rejects a pending grant. Needs `role.bind` in its scope.
    async fn reject_role_grant(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] comment: String,
    ) -> Result<RoleGrantObject> {
        let (access, id) = grant_access(ctx, &id).await?;
        let g = grants::decide(app(ctx)?, &access, id, false, &comment).await?;
        grant_object(ctx, &access, g).await
    }

    /// Ends a grant before its time. Needs `role.bind` in its scope.
    async fn revoke_role_grant(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] reason: String,
    ) -> Result<RoleGrantObject> {
        let (access, id) = grant_access(ctx, &id).await?;
        let g = grants::revoke(app(ctx)?, &access, id, &reason).await?;
        grant_object(ctx, &access, g).await
    }

    /// Pauses the project's autonomy: unattended plans wait for a person whatever policy
    /// allows. Needs `plan.approve` in the project.
    async fn pause_autonomy(&self, ctx: &Context<'_>, input: AutonomyInput) -> Result<ProjectObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let p = projects::find_by_slug(app, &access, &input.project).await?;
        let p = autonomy::set_paused(app, &access, p.id, true, &input.reason).await?;
        Ok(ProjectObject::new(access, p))
    }

    /// Resumes the project's autonomy. Needs `plan.approve` in the project.
    async fn resume_autonomy(&self, ctx: &Context<'_>, input: AutonomyInput) -> Result<ProjectObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let p = projects::find_by_slug(app, &access, &input.project).await?;
        let p = autonomy::set_paused(app, &access, p.id, false, &input.reason).await?;
        Ok(ProjectObject::new(access, p))
    }
}
