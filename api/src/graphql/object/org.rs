//! `Org`: an organization as seen by a member.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use praetor_store::{ApiKeyId, AuditEventId, GroupId, ProjectId, RoleBindingId, ServiceAccountId};

use super::{
    ApiKeyObject, AuditChainStatus, AuditEventObject, GroupObject, ProjectObject, RoleBindingObject,
    ServiceAccountObject, connection, page_complexity,
};
use crate::authz::{Domain, OrgAccess};
use crate::graphql::app;
use crate::services::page::PageArgs;
use crate::services::{api_keys, audit_log, groups, projects, roles, service_accounts, validate};

pub struct OrgObject(pub OrgAccess);

#[Object(name = "Org")]
impl OrgObject {
    pub async fn id(&self) -> ID {
        ID(self.0.org_id().to_string())
    }

    async fn slug(&self) -> &str {
        &self.0.org().slug
    }

    async fn name(&self) -> &str {
        &self.0.org().name
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.org().created_at
    }

    /// Whether people may sign in to the organization with a password (local accounts); off
    /// once it admits people through its identity providers only.
    async fn local_accounts(&self) -> bool {
        self.0.org().local_accounts
    }

    /// Whether the caller may perform `operation` (e.g. `project.create`, `plan.approve`) in the
    /// organization, or in `project` (slug) when given. Lets a UI show only what will work.
    async fn viewer_can(&self, ctx: &Context<'_>, operation: String, project: Option<String>) -> Result<bool> {
        let domain = match project {
            None => Domain::Org,
            Some(slug) => match projects::find_by_slug(app(ctx)?, &self.0, &slug).await {
                Ok(p) => Domain::Project(p.id),
                Err(_) => return Ok(false),
            },
        };
        Ok(self.0.may_named(domain, &operation))
    }

    /// People of the organization (a role binding or a group membership), by id, with their
    /// direct roles and groups. Needs `org.read`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, super::OrgMember>> {
        let args = PageArgs::<praetor_store::UserId>::parse(first, after.as_deref())?;
        let page = crate::services::members::list(app(ctx)?, &self.0, args).await?;
        Ok(connection(page, args.after.is_some(), |m| m.user.id.to_string(), super::OrgMember::from))
    }

    /// Today's budget of the organization (it caps the sum of its projects).
    async fn budget(&self, ctx: &Context<'_>) -> Result<super::Budget> {
        Ok(crate::services::governance::budget(app(ctx)?, &self.0, None).await?.into())
    }

    /// Today's budget of the organization projected to its reset, and when it runs out.
    async fn budget_forecast(&self, ctx: &Context<'_>) -> Result<super::BudgetForecast> {
        let (status, f) = crate::services::forecasts::budget_forecast(app(ctx)?, &self.0, None).await?;
        Ok(super::BudgetForecast::new(status, f))
    }

    /// The kill switch stopping work in the whole organization now (the instance's or its
    /// own), if any.
    async fn kill_switch(&self, ctx: &Context<'_>) -> Result<Option<super::KillSwitchInForce>> {
        Ok(crate::services::governance::kill_switch(app(ctx)?, &self.0, None).await?.map(Into::into))
    }

    /// Time-boxed role grants the caller may see, newest first; `open` keeps the pending,
    /// scheduled and active ones.
    async fn role_grants(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = true)] open: bool,
        #[graphql(default = 50)] first: i32,
    ) -> Result<Vec<super::RoleGrantObject>> {
        let app = app(ctx)?;
        if !(1..=crate::services::page::MAX_PAGE).contains(&first) {
            return Err(crate::error::Error::validation("first", "between 1 and 100").into());
        }
        let rows = crate::services::grants::list(app, &self.0, open, first as u64).await?;
        let mut out = Vec::with_capacity(rows.len());
        for g in rows {
            let project_slug = crate::services::grants::project_of(app, &g).await?.map(|p| p.slug);
            out.push(super::RoleGrantObject::new(&self.0, g, app.clock.now(), project_slug));
        }
        Ok(out)
    }

    /// The project `slug`, if the caller may read it.
    async fn project(&self, ctx: &Context<'_>, slug: String) -> Result<Option<ProjectObject>> {
        match projects::find_by_slug(app(ctx)?, &self.0, &slug).await {
            Ok(p) => Ok(Some(ProjectObject::new(self.0.clone(), p))),
            Err(crate::error::Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Projects the caller may read, oldest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ProjectObject>> {
        let args = PageArgs::<ProjectId>::parse(first, after.as_deref())?;
        let page = projects::list(app(ctx)?, &self.0, args).await?;
        Ok(connection(page, args.after.is_some(), |p| p.id.to_string(), |p| ProjectObject::new(self.0.clone(), p)))
    }

    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, GroupObject>> {
        let args = PageArgs::<GroupId>::parse(first, after.as_deref())?;
        let page = groups::list(app(ctx)?, &self.0, args).await?;
        Ok(connection(page, args.after.is_some(), |g| g.id.to_string(), |g| GroupObject::new(self.0.clone(), g)))
    }

    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn service_accounts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ServiceAccountObject>> {
        let args = PageArgs::<ServiceAccountId>::parse(first, after.as_deref())?;
        let page = service_accounts::list(app(ctx)?, &self.0, args).await?;
        Ok(connection(page, args.after.is_some(), |s| s.id.to_string(), ServiceAccountObject))
    }

    /// The organization's secrets: names and fingerprints, never values. Needs `secret.manage`.
    async fn secrets(&self, ctx: &Context<'_>) -> Result<Vec<super::SecretObject>> {
        let permit = self.0.permit::<crate::authz::ops::SecretManage>(crate::authz::Domain::Org)?;
        Ok(crate::services::secrets::list(app(ctx)?, &permit).await?.into_iter().map(super::SecretObject).collect())
    }

    /// The organization's webhook endpoints. Needs `webhook.manage`.
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> Result<Vec<super::WebhookEndpointObject>> {
        let permit = self.0.permit::<crate::authz::ops::WebhookManage>(Domain::Org)?;
        Ok(crate::services::webhooks::list(app(ctx)?, &permit)
            .await?
            .into_iter()
            .map(|model| super::WebhookEndpointObject { access: self.0.clone(), model })
            .collect())
    }

    /// The organization's inbound triggers. Needs `trigger.manage`.
    async fn triggers(&self, ctx: &Context<'_>) -> Result<Vec<super::TriggerObject>> {
        let permit = self.0.permit::<crate::authz::ops::TriggerManage>(Domain::Org)?;
        Ok(crate::services::triggers::list(app(ctx)?, &permit)
            .await?
            .into_iter()
            .map(|model| super::TriggerObject { access: self.0.clone(), model })
            .collect())
    }

    /// The organization's identity providers. Needs `identity.manage`.
    async fn identity_providers(&self, ctx: &Context<'_>) -> Result<Vec<super::IdentityProviderObject>> {
        let permit = self.0.permit::<crate::authz::ops::IdentityManage>(Domain::Org)?;
        Ok(crate::services::identity::list(app(ctx)?, &permit)
            .await?
            .into_iter()
            .map(|model| super::IdentityProviderObject { access: self.0.clone(), model })
            .collect())
    }

    /// Invitations and reset links not yet used or expired, newest first. Needs `role.bind`.
    async fn invitations(&self, ctx: &Context<'_>) -> Result<Vec<super::InvitationObject>> {
        Ok(crate::services::accounts::pending(app(ctx)?, &self.0)
            .await?
            .into_iter()
            .map(|model| super::InvitationObject { access: self.0.clone(), model })
            .collect())
    }

    /// The event kinds a webhook endpoint can subscribe to.
    async fn webhook_event_kinds(&self) -> Vec<super::WebhookEventKind> {
        super::WebhookEventKind::all()
    }

    /// All keys with `api_key.read`, otherwise the caller's own.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ApiKeyObject>> {
        let args = PageArgs::<ApiKeyId>::parse(first, after.as_deref())?;
        let page = api_keys::list(app(ctx)?, &self.0, args).await?;
        Ok(connection(page, args.after.is_some(), |k| k.id.to_string(), ApiKeyObject))
    }

    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn role_bindings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, RoleBindingObject>> {
        let args = PageArgs::<RoleBindingId>::parse(first, after.as_deref())?;
        let page = roles::list(app(ctx)?, &self.0, args).await?;
        Ok(connection(page, args.after.is_some(), |b| b.id.to_string(), |b| RoleBindingObject::new(self.0.clone(), b)))
    }

    /// What the organization's activity added up to in `[from, to)`, one point per hour or
    /// UTC day (empty periods included), across its projects or in `project` alone. Folded
    /// from the audit chain every 15 s. Needs `audit.read`. At most 400 days by day, 31 by hour.
    async fn rollups(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[graphql(default_with = "super::GranularityGql::Day")] granularity: super::GranularityGql,
        project: Option<String>,
    ) -> Result<Vec<super::RollupPoint>> {
        let permit = self.0.permit::<crate::authz::ops::AuditRead>(Domain::Org)?;
        let app = app(ctx)?;
        let project = match project {
            Some(slug) => Some(projects::find_by_slug(app, &self.0, &slug).await?.id),
            None => None,
        };
        let granularity = granularity.into();
        let points = crate::services::rollups::of_org(app, &permit, project, granularity, from, to).await?;
        Ok(super::RollupPoint::series(granularity, from, to, points))
    }

    /// Each project's total over `[from, to)` (by UTC day), largest spend first. Needs
    /// `audit.read`.
    async fn rollups_by_project(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<super::ProjectRollup>> {
        let permit = self.0.permit::<crate::authz::ops::AuditRead>(Domain::Org)?;
        let app = app(ctx)?;
        let mut out = Vec::new();
        for (project, totals) in crate::services::rollups::by_project(app, &permit, from, to).await? {
            let project = match project {
                Some(id) => Some(ProjectObject::new(self.0.clone(), projects::find_by_id(app, &self.0, id).await?)),
                None => None,
            };
            out.push(super::ProjectRollup { project, totals: super::RollupPoint::new(from, &totals) });
        }
        Ok(out)
    }

    /// The organization's audit chain, newest first. `kind` filters by event kind prefix
    /// (e.g. `role.`), `subject` by the exact subject (e.g. a plan's id). Needs `audit.read`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        kind: Option<String>,
        subject: Option<String>,
    ) -> Result<Connection<String, AuditEventObject>> {
        let args = PageArgs::<i64>::parse(first, after.as_deref())?;
        let kind = kind.map(|k| validate::text("kind", &k, 100)).transpose()?;
        let subject = subject.map(|k| validate::text("subject", &k, 200)).transpose()?;
        let page = audit_log::list(app(ctx)?, &self.0, args, kind.as_deref(), subject.as_deref()).await?;
        Ok(connection(page, args.after.is_some(), |e| e.seq.to_string(), AuditEventObject))
    }

    /// The organization's policy versions, newest first. Needs `policy.read`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn policy_versions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, super::PolicyVersionObject>> {
        let args = PageArgs::<i64>::parse(first, after.as_deref())?;
        let page = crate::services::policies::list(app(ctx)?, &self.0, None, args).await?;
        Ok(connection(page, args.after.is_some(), |v| v.version.to_string(), super::PolicyVersionObject))
    }

    /// The policy packs the organization may use (the instance's, its parent's, its own) and
    /// those it subscribes to, by name, each with the organization's subscription. Needs
    /// `policy.read`.
    async fn policy_packs(&self, ctx: &Context<'_>) -> Result<Vec<super::PolicyPackObject>> {
        Ok(crate::services::policy_packs::visible(app(ctx)?, &self.0)
            .await?
            .into_iter()
            .map(|pack| super::PolicyPackObject { access: Some(self.0.clone()), pack })
            .collect())
    }

    /// One policy pack the organization may use or subscribes to. Needs `policy.read`.
    async fn policy_pack(&self, ctx: &Context<'_>, id: async_graphql::ID) -> Result<super::PolicyPackObject> {
        let app = app(ctx)?;
        self.0.read_permit::<crate::authz::ops::PolicyRead>(crate::authz::Domain::Org, "org")?;
        let id: praetor_store::PolicyPackId = crate::services::validate::id("id", &id)?;
        let pack = crate::services::policy_packs::find_visible(app, &self.0, id).await?;
        Ok(super::PolicyPackObject { access: Some(self.0.clone()), pack })
    }

    /// Changes to the organization's and its projects' policy proposed for a second person's
    /// approval (when the policy in force asks for one), newest first: only pending ones unless
    /// `pendingOnly` is false. Those of scopes the caller may not read (`policy.read`) are left
    /// out.
    async fn policy_proposals(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = true)] pending_only: bool,
    ) -> Result<Vec<super::PolicyProposalObject>> {
        Ok(crate::services::policies::changes(app(ctx)?, &self.0, pending_only)
            .await?
            .into_iter()
            .map(|model| super::PolicyProposalObject { access: self.0.clone(), model })
            .collect())
    }

    /// One audit entry by id. Needs `audit.read`.
    async fn audit_event(&self, ctx: &Context<'_>, id: ID) -> Result<AuditEventObject> {
        let id: AuditEventId = validate::id("id", &id)?;
        Ok(AuditEventObject(audit_log::find(app(ctx)?, &self.0, id).await?))
    }

    /// Recomputes the whole chain and reports the first broken entry, if any. Needs `audit.read`.
    /// Expensive: at most once per operation.
    #[graphql(complexity = "1000 + child_complexity")]
    async fn audit_chain(&self, ctx: &Context<'_>) -> Result<AuditChainStatus> {
        Ok(AuditChainStatus(audit_log::verify(app(ctx)?, &self.0).await?))
    }

    /// The signed checkpoints of the audit chain, newest first (below entry `before` if given;
    /// at most `first`, 20 by default and 100 at most). Needs `audit.read`.
    async fn audit_checkpoints(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        before: Option<i64>,
    ) -> Result<Vec<super::AuditCheckpointObject>> {
        let first = match first {
            None => 20,
            Some(n @ 1..=100) => n as u64,
            Some(_) => return Err(crate::error::Error::validation("first", "between 1 and 100").into()),
        };
        let rows = crate::services::checkpoints::list(app(ctx)?, &self.0, before, first).await?;
        Ok(rows.into_iter().map(super::AuditCheckpointObject).collect())
    }

    /// The proof that entry `seq` is among the entries checkpoint `checkpoint` (the entry it
    /// ends at) signed; without `checkpoint`, the first that covers the entry. Needs
    /// `audit.read`. Expensive: at most once per operation.
    #[graphql(complexity = "1000 + child_complexity")]
    async fn audit_inclusion_proof(
        &self,
        ctx: &Context<'_>,
        seq: i64,
        checkpoint: Option<i64>,
    ) -> Result<super::AuditInclusionProofObject> {
        let proof = crate::services::checkpoints::proof(app(ctx)?, &self.0, seq, checkpoint).await?;
        Ok(super::AuditInclusionProofObject(proof))
    }
}
