//! `createGroup`, `addGroupMember`, `removeGroupMember`.

use async_graphql::{Context, ID, InputObject, Object, Result};
use praetor_store::GroupId;

use crate::authz::Domain;
use crate::authz::ops;
use crate::graphql::object::GroupObject;
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::{groups, orgs, validate};

#[derive(InputObject)]
pub struct CreateGroupInput {
    pub org: String,
    /// Lowercase letters, digits and `-`, unique in the organization (e.g. `sre-leads`).
    pub name: String,
    #[graphql(default)]
    pub description: String,
}

#[derive(InputObject)]
pub struct GroupMemberInput {
    pub group_id: ID,
    /// The member's e-mail; an unknown address provisions the user.
    pub email: String,
}

#[derive(Default)]
pub struct GroupMutation;

#[Object]
impl GroupMutation {
    /// Needs `group.create` in the organization.
    async fn create_group(&self, ctx: &Context<'_>, input: CreateGroupInput) -> Result<GroupObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let permit = access.permit::<ops::GroupCreate>(Domain::Org)?;
        let g = groups::create(app, &permit, &input.name, &input.description).await?;
        Ok(GroupObject::new(access, g))
    }

    /// Needs `group.manage` in the organization.
    async fn add_group_member(&self, ctx: &Context<'_>, input: GroupMemberInput) -> Result<GroupObject> {
        let app = app(ctx)?;
        let group_id: GroupId = validate::id("groupId", &input.group_id)?;
        let access = NodeId::Group(group_id).enter(app, principal(ctx)?).await?;
        let permit = access.permit::<ops::GroupManage>(Domain::Org)?;
        let (g, _) = groups::add_member(app, &permit, group_id, &input.email).await?;
        Ok(GroupObject::new(access, g))
    }

    /// Needs `group.manage` in the organization.
    async fn remove_group_member(&self, ctx: &Context<'_>, input: GroupMemberInput) -> Result<GroupObject> {
        let app = app(ctx)?;
        let group_id: GroupId = validate::id("groupId", &input.group_id)?;
        let access = NodeId::Group(group_id).enter(app, principal(ctx)?).await?;
        let permit = access.permit::<ops::GroupManage>(Domain::Org)?;
        let g = groups::remove_member(app, &permit, group_id, &input.email).await?;
        Ok(GroupObject::new(access, g))
    }
}
