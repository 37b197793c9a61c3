//! `User`.

use async_graphql::{ID, Object, SimpleObject};
use praetor_store::user;

use super::ScopeGql;

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

/// A direct role binding of a member: the role and where.
#[derive(SimpleObject)]
pub struct MemberRole {
    pub role: String,
    pub scope: ScopeGql,
    /// The project of a project binding.
    pub project_id: Option<ID>,
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
            roles: m
                .roles
                .into_iter()
                .map(|(role, project)| MemberRole {
                    role,
                    scope: if project.is_some() { ScopeGql::Project } else { ScopeGql::Org },
                    project_id: project.map(|p| ID(p.to_string())),
                })
                .collect(),
            groups: m.groups,
        }
    }
}
