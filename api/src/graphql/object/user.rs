//! `User`.

use async_graphql::{ID, Object, SimpleObject};
use praetor_entities::user;

pub struct UserObject(pub user::Model);

#[Object(name = "User")]
impl UserObject {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
}

/// A direct role binding of a member: the role and where (`org` or the project's id).
#[derive(SimpleObject)]
pub struct MemberRole {
    pub role: String,
    pub scope: String,
}

/// A person of an organization and how they belong to it.
#[derive(SimpleObject)]
pub struct OrgMember {
    pub user: UserObject,
    /// Roles bound to them directly (group roles come with `groups`).
    pub roles: Vec<MemberRole>,
    pub groups: Vec<String>,
}

impl From<crate::services::members::Member> for OrgMember {
    fn from(m: crate::services::members::Member) -> Self {
        Self {
            user: UserObject(m.user),
            roles: m.roles.into_iter().map(|(role, scope)| MemberRole { role, scope }).collect(),
            groups: m.groups,
        }
    }
}
