//! Policy packs as an organization sees them: the packs it may use, its subscription to each,
//! and what a version would change for it before it takes effect.

use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use praetor_store::{policy_pack, policy_pack_subscription, policy_pack_version};

use super::audit_event::Actor;
use super::{PolicyChange, PolicyImpact, PolicySource};
use crate::authz::{Domain, OrgAccess, ops};
use crate::error::Error;
use crate::graphql::app;
use crate::services::{policies, policy_packs, projects};

/// A pack, seen from an organization (`access`) or by its publisher.
pub struct PolicyPackObject {
    pub access: Option<OrgAccess>,
    pub pack: policy_pack::Model,
}

#[Object(name = "PolicyPack")]
impl PolicyPackObject {
    async fn id(&self) -> String {
        self.pack.id.to_string()
    }

    /// Unique on the instance; a parent organization's packs start with its slug and `/`.
    /// Decisions made under a version name it as `pack:<name>@<version>`.
    async fn name(&self) -> &str {
        &self.pack.name
    }

    async fn title(&self) -> &str {
        &self.pack.title
    }

    async fn description(&self) -> &str {
        &self.pack.description
    }

    /// `INSTANCE`, or the slug of the parent organization that publishes it.
    async fn publisher(&self, ctx: &Context<'_>) -> Result<String> {
        let Some(owner) = self.pack.owner_org_id else { return Ok("INSTANCE".into()) };
        let app = app(ctx)?;
        let tenant = praetor_store::Tenant::housekeeping(owner, praetor_store::Housekeeping::PolicyPacks);
        Ok(praetor_store::org::of(&app.db, tenant).await.map_err(Error::from)?.map(|o| o.slug).unwrap_or_default())
    }

    /// The newest version's number.
    async fn latest_version(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        let app = app(ctx)?;
        Ok(policy_pack_version::newest(&app.db, self.pack.id).await.map_err(Error::from)?.map(|v| v.version))
    }

    /// Up to `first` versions, newest first.
    async fn versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
    ) -> Result<Vec<PolicyPackVersionObject>> {
        let app = app(ctx)?;
        let rows = policy_pack_version::newest_first(&app.db, self.pack.id, first as u64).await.map_err(Error::from)?;
        Ok(rows
            .into_iter()
            .map(|version| PolicyPackVersionObject { access: self.access.clone(), pack: self.pack.clone(), version })
            .collect())
    }

    /// One version.
    async fn version(&self, ctx: &Context<'_>, version: i64) -> Result<Option<PolicyPackVersionObject>> {
        let app = app(ctx)?;
        Ok(policy_pack_version::number(&app.db, self.pack.id, version)
            .await
            .map_err(Error::from)?
            .map(|version| PolicyPackVersionObject { access: self.access.clone(), pack: self.pack.clone(), version }))
    }

    /// The organization's subscription to the pack, if it has one.
    async fn subscription(&self, ctx: &Context<'_>) -> Result<Option<PolicyPackSubscriptionObject>> {
        let Some(access) = &self.access else { return Ok(None) };
        let app = app(ctx)?;
        Ok(policy_packs::subscription(app, access, self.pack.id).await?.map(|sub| PolicyPackSubscriptionObject {
            access: access.clone(),
            pack: self.pack.clone(),
            sub,
        }))
    }
}

/// An organization's subscription to a pack.
pub struct PolicyPackSubscriptionObject {
    pub access: OrgAccess,
    pub pack: policy_pack::Model,
    pub sub: policy_pack_subscription::Model,
}

#[Object(name = "PolicyPackSubscription")]
impl PolicyPackSubscriptionObject {
    async fn pack(&self) -> PolicyPackObject {
        PolicyPackObject { access: Some(self.access.clone()), pack: self.pack.clone() }
    }

    /// Whether newer versions reach the organization when they take effect.
    async fn follows_latest(&self) -> bool {
        self.sub.pinned_version.is_none()
    }

    /// The version the organization chose to stay on.
    async fn pinned_version(&self) -> Option<i64> {
        self.sub.pinned_version
    }

    /// The version the organization's decisions are made under now.
    async fn version_in_force(&self) -> i64 {
        self.sub.version_in_force
    }

    /// For a follower, the newest version after the one in force (published, and in force
    /// from its `effectiveAt`): look at its `changes` and `impact` before then.
    async fn pending(&self, ctx: &Context<'_>) -> Result<Option<PolicyPackVersionObject>> {
        if self.sub.pinned_version.is_some() {
            return Ok(None);
        }
        let app = app(ctx)?;
        let newest = policy_pack_version::newest(&app.db, self.pack.id).await.map_err(Error::from)?;
        Ok(newest.filter(|v| v.version > self.sub.version_in_force).map(|version| PolicyPackVersionObject {
            access: Some(self.access.clone()),
            pack: self.pack.clone(),
            version,
        }))
    }

    async fn subscribed_at(&self) -> DateTime<Utc> {
        self.sub.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.sub.updated_at
    }
}

/// One published version of a pack.
pub struct PolicyPackVersionObject {
    pub access: Option<OrgAccess>,
    pub pack: policy_pack::Model,
    pub version: policy_pack_version::Model,
}

#[Object(name = "PolicyPackVersion")]
impl PolicyPackVersionObject {
    async fn id(&self) -> String {
        self.version.id.to_string()
    }

    async fn pack(&self) -> PolicyPackObject {
        PolicyPackObject { access: self.access.clone(), pack: self.pack.clone() }
    }

    async fn version(&self) -> i64 {
        self.version.version
    }

    /// SHA-256 of the documents.
    async fn hash(&self) -> &str {
        &self.version.hash
    }

    async fn notes(&self) -> &str {
        &self.version.notes
    }

    async fn published_by(&self) -> Result<Vec<Actor>> {
        Ok(Actor::chain(format_args!("the publisher of {}", self.version.id), &self.version.published_by)?)
    }

    async fn published_at(&self) -> DateTime<Utc> {
        self.version.published_at
    }

    /// From when organizations following the pack's latest version are held to it.
    async fn effective_at(&self) -> DateTime<Utc> {
        self.version.effective_at
    }

    /// The documents as published.
    async fn documents(&self) -> Result<Vec<PolicySource>> {
        let sources = crate::governance::policy::stored_sources(
            format_args!("policy pack version {}", self.version.id),
            &self.version.sources,
        )?;
        Ok(sources.into_iter().map(|s| PolicySource { name: s.name, text: s.text }).collect())
    }

    /// The rules this version changes against version `from`; by default against the version
    /// in force in the organization it is seen from, or else the version before it.
    async fn changes(&self, ctx: &Context<'_>, from: Option<i64>) -> Result<Vec<PolicyChange>> {
        let app = app(ctx)?;
        let from = match (from, &self.access) {
            (Some(n), _) => Some(n),
            (None, Some(access)) => policy_packs::subscription(app, access, self.pack.id)
                .await?
                .map(|s| s.version_in_force)
                .or(Some(self.version.version - 1)),
            (None, None) => Some(self.version.version - 1),
        };
        let old = match from.filter(|n| *n >= 1) {
            Some(n) => {
                if policy_pack_version::number(&app.db, self.pack.id, n).await.map_err(Error::from)?.is_none() {
                    return Err(Error::not_found(format!("version {n} of {}", self.pack.name)).into());
                }
                Some(policy_packs::set_of(app, self.pack.id, n).await?)
            }
            None => None,
        };
        let empty = praetor_policy::PolicySet::empty();
        let new = policy_packs::set_of(app, self.pack.id, self.version.version).await?;
        Ok(praetor_policy::diff::diff(old.as_deref().unwrap_or(&empty), &new)
            .into_iter()
            .map(PolicyChange::from)
            .collect())
    }

    /// How the project's last `sample` recorded decisions would be decided with this version
    /// in force (in place of the organization's version of the pack, or added to its policy
    /// if it does not subscribe): seen from an organization, with `policy.read` in the project.
    #[graphql(complexity = "100 + (sample.clamp(0, 5000) as usize) / 5")]
    async fn impact(
        &self,
        ctx: &Context<'_>,
        project: String,
        #[graphql(default = 500)] sample: i32,
    ) -> Result<PolicyImpact> {
        let Some(access) = &self.access else {
            return Err(Error::validation("project", "impact is seen from an organization (org.policyPacks)").into());
        };
        if !(1..=5000).contains(&sample) {
            return Err(Error::validation("sample", "between 1 and 5000").into());
        }
        let app = app(ctx)?;
        let p = projects::find_by_slug(app, access, &project).await?;
        access.read_permit::<ops::PolicyRead>(Domain::Project(p.id), "project")?;
        let candidate = policy_packs::candidate(app, access, p.id, &self.pack, self.version.version).await?;
        let impact = policies::impact(app, access, p.id, &candidate, sample as u64).await?;
        Ok(PolicyImpact {
            decisions_checked: impact.checked,
            newly_denied: impact.newly_denied,
            newly_allowed: impact.newly_allowed,
            newly_needing_approval: impact.newly_needing_approval,
            unchanged: impact.unchanged,
        })
    }
}
