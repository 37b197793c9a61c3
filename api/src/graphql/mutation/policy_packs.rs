//! `publishPolicyPack`, `subscribePolicyPack`, `unsubscribePolicyPack`, `setOrgParent`.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use praetor_store::{Housekeeping, PolicyPackId, org};

use super::policies::PolicySourceInput;
use crate::authz::InstanceAdmin;
use crate::error::Error;
use crate::graphql::object::{PolicyPackSubscriptionObject, PolicyPackVersionObject};
use crate::graphql::{app, principal};
use crate::services::{orgs, policies, policy_packs, validate};

#[derive(InputObject)]
pub struct PublishPolicyPackInput {
    /// Publish as this organization's administrator, for it and its children (the pack is
    /// named `<org>/<name>`). Omitted: as an instance administrator, for every organization.
    pub org: Option<String>,
    /// Lowercase letters, digits and `-`. A new name creates the pack.
    pub name: String,
    /// The pack's title (on its first version).
    #[graphql(default)]
    pub title: String,
    #[graphql(default)]
    pub description: String,
    /// The policy documents (they name no organization and no project).
    pub sources: Vec<PolicySourceInput>,
    /// What changed, for the subscribers' administrators.
    #[graphql(default)]
    pub notes: String,
    /// When it takes effect for organizations following the latest version: at least
    /// `policy_pack_notice_seconds` from now, which is also the default.
    pub effective_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct SubscribePolicyPackInput {
    pub org: String,
    pub pack: ID,
    /// Stay on this version. Omitted: follow the latest (the newest version is in force at
    /// once; later ones when they take effect).
    pub version: Option<i64>,
}

#[derive(Default)]
pub struct PolicyPackMutation;

#[Object]
impl PolicyPackMutation {
    /// Publishes a new version of a policy pack (creating the pack). Subscribing organizations
    /// are told in their audit chains; those following the latest version move on to it at
    /// `effectiveAt`, and see its `changes` and `impact` until then.
    async fn publish_policy_pack(
        &self,
        ctx: &Context<'_>,
        input: PublishPolicyPackInput,
    ) -> Result<PolicyPackVersionObject> {
        let app = app(ctx)?;
        let principal = principal(ctx)?;
        let sources = policies::named_sources(input.sources.into_iter().map(|s| (s.name, s.text)).collect())?;
        let publish = policy_packs::Publish {
            name: input.name,
            title: input.title,
            description: input.description,
            sources,
            notes: input.notes,
            effective_at: input.effective_at,
        };
        let published = match &input.org {
            Some(slug) => {
                let access = orgs::enter_by_slug(app, principal, slug).await?;
                policy_packs::publish(app, policy_packs::Publisher::Org(&access), publish).await?
            }
            None => {
                let admin = InstanceAdmin::check(principal)?;
                policy_packs::publish(app, policy_packs::Publisher::Instance(&admin), publish).await?
            }
        };
        Ok(PolicyPackVersionObject { access: None, pack: published.pack, version: published.version })
    }

    /// Subscribes the organization to a pack it may use, or changes its pin. Needs
    /// `policy.write` in the organization.
    async fn subscribe_policy_pack(
        &self,
        ctx: &Context<'_>,
        input: SubscribePolicyPackInput,
    ) -> Result<PolicyPackSubscriptionObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let id: PolicyPackId = validate::id("pack", &input.pack)?;
        let sub = policy_packs::subscribe(app, &access, id, input.version).await?;
        let pack = policy_packs::find_visible(app, &access, id).await?;
        Ok(PolicyPackSubscriptionObject { access, pack, sub })
    }

    /// Ends the organization's subscription to a pack. Needs `policy.write` in the organization.
    async fn unsubscribe_policy_pack(&self, ctx: &Context<'_>, org: String, pack: ID) -> Result<bool> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        let id: PolicyPackId = validate::id("pack", &pack)?;
        policy_packs::unsubscribe(app, &access, id).await?;
        Ok(true)
    }

    /// Makes `parent` the organization's parent (`null`: none): the parent's administrators
    /// may then publish packs the organization can use. One level. Instance administrators only.
    async fn set_org_parent(&self, ctx: &Context<'_>, org: String, parent: Option<String>) -> Result<bool> {
        let app = app(ctx)?;
        let admin = InstanceAdmin::check(principal(ctx)?)?;
        let find = |slug: String| async move {
            org::by_slug(&app.db, Housekeeping::PolicyPacks, slug.trim())
                .await
                .map_err(Error::from)?
                .ok_or_else(|| Error::not_found(format!("organization {slug}")))
        };
        let child = find(org).await?;
        let parent = match parent {
            Some(p) => Some(find(p).await?),
            None => None,
        };
        policy_packs::set_parent(app, &admin, &child, parent.as_ref()).await?;
        Ok(true)
    }
}
