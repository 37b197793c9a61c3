//! Who may do what in the organization, from the terminal: `praetor member list`, `praetor
//! group …`, `praetor role …` and `praetor service-account …` on the server of the current
//! context. Groups and service accounts are named as people know them; the commands look up
//! their ids.

use std::path::PathBuf;

use super::client::{
    self, add_group_member, bind_role, create_group, create_service_account, group_names, groups, members,
    remove_group_member, role_bindings, service_accounts, unbind_role,
};
use super::output::{self, Output, RemoteFlags, Tabular, name, or_dash};
use super::remote::{Failure, Session};

#[derive(clap::Args)]
pub struct MemberArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: MemberCommand,
}

#[derive(clap::Subcommand)]
pub enum MemberCommand {
    /// People of the organization with their direct roles and groups (needs `org.read`).
    #[command(after_help = "Examples:\n  praetor member list\n  praetor member list -o json | jq -r '.[].user.email'")]
    List,
}

#[derive(clap::Args)]
pub struct GroupArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: GroupCommand,
}

#[derive(clap::Subcommand)]
pub enum GroupCommand {
    /// The organization's groups and their members.
    #[command(after_help = "Example:\n  praetor group list")]
    List,
    /// Create a group (needs `group.create`).
    #[command(after_help = "Example:\n  praetor group create sre-leads --description 'Approve production changes'")]
    Create {
        /// Lowercase letters, digits and `-`.
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Add a person by e-mail (an unknown address provisions them; needs `group.manage`).
    #[command(after_help = "Example:\n  praetor group add sre-leads carol@example.com")]
    Add { group: String, email: String },
    /// Remove a person from a group (needs `group.manage`).
    #[command(after_help = "Example:\n  praetor group remove sre-leads carol@example.com")]
    Remove { group: String, email: String },
}

#[derive(clap::Args)]
pub struct RoleArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: RoleCommand,
}

#[derive(clap::Subcommand)]
pub enum RoleCommand {
    /// The organization's role bindings.
    #[command(after_help = "Example:\n  praetor role list -o table")]
    List,
    /// Give a person, a group or a service account a role, org-wide or in one project (needs
    /// `role.bind` there). Roles: org_admin, org_member, project_admin, operator, approver,
    /// viewer.
    #[command(after_help = "Examples:\n  praetor role bind approver --group sre-leads --project web\n  \
                            praetor role bind operator --user bob@example.com\n  \
                            praetor role bind operator --service-account deploy-bot --project web")]
    Bind {
        role: String,
        /// A person, by e-mail (provisioned if unknown).
        #[arg(long, group = "subject")]
        user: Option<String>,
        /// A group, by name.
        #[arg(long, group = "subject")]
        group: Option<String>,
        /// A service account, by name.
        #[arg(long, group = "subject")]
        service_account: Option<String>,
        /// A project (default: the whole organization).
        #[arg(long)]
        project: Option<String>,
    },
    /// Remove a binding by its id (`praetor role list`).
    #[command(after_help = "Example:\n  praetor role unbind rb_0190…")]
    Unbind { id: String },
}

#[derive(clap::Args)]
pub struct ServiceAccountArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: ServiceAccountCommand,
}

#[derive(clap::Subcommand)]
pub enum ServiceAccountCommand {
    /// The organization's service accounts.
    #[command(after_help = "Example:\n  praetor service-account list")]
    List,
    /// Create a service account (needs `service_account.create`); give it a role with
    /// `praetor role bind ROLE --service-account NAME`.
    #[command(after_help = "Example:\n  praetor service-account create deploy-bot --description 'CI deploys' \
                            --max-key-lifetime-days 90")]
    Create {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Its keys expire within this many days of their creation (default: never).
        #[arg(long)]
        max_key_lifetime_days: Option<i64>,
    },
}

pub async fn member(file: Option<PathBuf>, args: MemberArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    let session = Session::open(file, args.flags.context).await?;
    let MemberCommand::List = args.command;
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let vars = members::Variables { org: session.context.org.clone(), after };
        let page = session.run::<client::Members>(vars).await?.org.members;
        all.extend(page.nodes);
        match page.page_info.end_cursor.filter(|_| page.page_info.has_next_page) {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    output::list(output, &all, "No members.")
}

/// Every group of the organization, page by page.
async fn all_groups(session: &Session) -> Result<Vec<groups::GroupFields>, Failure> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let vars = groups::Variables { org: session.context.org.clone(), after };
        let page = session.run::<client::Groups>(vars).await?.org.groups;
        all.extend(page.nodes);
        match page.page_info.end_cursor.filter(|_| page.page_info.has_next_page) {
            Some(cursor) => after = Some(cursor),
            None => return Ok(all),
        }
    }
}

async fn group_id(session: &Session, name: &str) -> Result<String, Failure> {
    let mut after = None;
    loop {
        let vars = group_names::Variables { org: session.context.org.clone(), after };
        let page = session.run::<client::GroupNames>(vars).await?.org.groups;
        if let Some(g) = page.nodes.into_iter().find(|g| g.name == name) {
            return Ok(g.id);
        }
        match page.page_info.end_cursor.filter(|_| page.page_info.has_next_page) {
            Some(cursor) => after = Some(cursor),
            None => {
                return Err(Failure::refused(
                    "NOT_FOUND",
                    format!("no group `{name}` in organization {}", session.context.org),
                ));
            }
        }
    }
}

/// The id of the context's organization's service account called `name`.
pub async fn service_account_id(session: &Session, name: &str) -> Result<String, Failure> {
    let mut after = None;
    loop {
        let vars = service_accounts::Variables { org: session.context.org.clone(), after };
        let page = session.run::<client::ServiceAccounts>(vars).await?.org.service_accounts;
        if let Some(a) = page.nodes.into_iter().find(|a| a.name == name) {
            return Ok(a.id);
        }
        match page.page_info.end_cursor.filter(|_| page.page_info.has_next_page) {
            Some(cursor) => after = Some(cursor),
            None => {
                return Err(Failure::refused(
                    "NOT_FOUND",
                    format!("no service account `{name}` in organization {}", session.context.org),
                ));
            }
        }
    }
}

pub async fn group(file: Option<PathBuf>, args: GroupArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    match args.command {
        GroupCommand::List => output::list(output, &all_groups(&session).await?, "No groups."),
        GroupCommand::Create { name, description } => {
            let input = create_group::CreateGroupInput { org, name, description };
            let made = session.run::<client::CreateGroup>(create_group::Variables { input }).await?;
            output::one(output, &made.create_group)
        }
        GroupCommand::Add { group, email } => {
            let input = add_group_member::GroupMemberInput { group_id: group_id(&session, &group).await?, email };
            let done = session.run::<client::AddGroupMember>(add_group_member::Variables { input }).await?;
            output::one(output, &done.add_group_member)
        }
        GroupCommand::Remove { group, email } => {
            let input = remove_group_member::GroupMemberInput { group_id: group_id(&session, &group).await?, email };
            let done = session.run::<client::RemoveGroupMember>(remove_group_member::Variables { input }).await?;
            output::one(output, &done.remove_group_member)
        }
    }
}

pub async fn role(file: Option<PathBuf>, args: RoleArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    if let RoleCommand::Bind { user: None, group: None, service_account: None, .. } = &args.command {
        return Err(Failure::usage("say who gets the role: --user EMAIL, --group NAME or --service-account NAME"));
    }
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    match args.command {
        RoleCommand::List => {
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let vars = role_bindings::Variables { org: org.clone(), after };
                let page = session.run::<client::RoleBindings>(vars).await?.org.role_bindings;
                all.extend(page.nodes);
                match page.page_info.end_cursor.filter(|_| page.page_info.has_next_page) {
                    Some(cursor) => after = Some(cursor),
                    None => break,
                }
            }
            output::list(output, &all, "No role bindings.")
        }
        RoleCommand::Bind { role, user, group, service_account, project } => {
            let subject = bind_role::SubjectInput {
                user_email: user,
                group_id: match group {
                    Some(g) => Some(group_id(&session, &g).await?),
                    None => None,
                },
                service_account_id: match service_account {
                    Some(a) => Some(service_account_id(&session, &a).await?),
                    None => None,
                },
            };
            let input = bind_role::BindRoleInput { org, role, subject, project };
            let made = session.run::<client::BindRole>(bind_role::Variables { input }).await?;
            output::one(output, &made.bind_role)
        }
        RoleCommand::Unbind { id } => {
            let done = session.run::<client::UnbindRole>(unbind_role::Variables { id }).await?;
            output::one(output, &done.unbind_role)
        }
    }
}

pub async fn service_account(file: Option<PathBuf>, args: ServiceAccountArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    match args.command {
        ServiceAccountCommand::List => {
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let vars = service_accounts::Variables { org: org.clone(), after };
                let page = session.run::<client::ServiceAccounts>(vars).await?.org.service_accounts;
                all.extend(page.nodes);
                match page.page_info.end_cursor.filter(|_| page.page_info.has_next_page) {
                    Some(cursor) => after = Some(cursor),
                    None => break,
                }
            }
            output::list(output, &all, "No service accounts.")
        }
        ServiceAccountCommand::Create { name, description, max_key_lifetime_days } => {
            let input =
                create_service_account::CreateServiceAccountInput { org, name, description, max_key_lifetime_days };
            let made = session.run::<client::CreateServiceAccount>(create_service_account::Variables { input }).await?;
            output::one(output, &made.create_service_account)
        }
    }
}

impl Tabular for members::MembersOrgMembersNodes {
    const HEADER: &'static [&'static str] = &["ID", "E-MAIL", "NAME", "ROLES", "GROUPS"];
    fn cells(&self) -> Vec<String> {
        let roles: Vec<String> = self
            .roles
            .iter()
            .map(|r| match &r.project_id {
                Some(p) => format!("{} in {p}", r.role),
                None => r.role.clone(),
            })
            .collect();
        vec![
            self.user.id.clone(),
            self.user.email.clone(),
            self.user.display_name.clone(),
            or_dash(Some(&roles.join(", "))),
            or_dash(Some(&self.groups.join(", "))),
        ]
    }
}

macro_rules! group_rows {
    ($($t:ty),*) => {$(
        impl Tabular for $t {
            const HEADER: &'static [&'static str] = &["ID", "NAME", "MEMBERS", "DESCRIPTION"];
            fn cells(&self) -> Vec<String> {
                let members: Vec<&str> = self.members.iter().map(|m| m.email.as_str()).collect();
                vec![self.id.clone(), self.name.clone(), or_dash(Some(&members.join(", "))), or_dash(Some(&self.description))]
            }
        }
    )*};
}

group_rows!(
    groups::GroupFields,
    create_group::GroupFields,
    add_group_member::GroupFields,
    remove_group_member::GroupFields
);

macro_rules! binding_rows {
    ($($t:ty),*) => {$(
        impl Tabular for $t {
            const HEADER: &'static [&'static str] = &["ID", "ROLE", "SUBJECT", "KIND", "SCOPE", "CREATED"];
            fn cells(&self) -> Vec<String> {
                let scope = match &self.project {
                    Some(p) => format!("project {}", p.slug),
                    None => name(&self.scope).to_lowercase(),
                };
                vec![
                    self.id.clone(),
                    self.role.clone(),
                    self.subject.clone(),
                    self.subject_kind.clone(),
                    scope,
                    self.created_at.clone(),
                ]
            }
        }
    )*};
}

binding_rows!(role_bindings::BindingFields, bind_role::BindingFields, unbind_role::BindingFields);

macro_rules! account_rows {
    ($($t:ty),*) => {$(
        impl Tabular for $t {
            const HEADER: &'static [&'static str] = &["ID", "NAME", "KEY LIFETIME", "CREATED", "DESCRIPTION"];
            fn cells(&self) -> Vec<String> {
                vec![
                    self.id.clone(),
                    self.name.clone(),
                    self.max_key_lifetime_days.map_or("-".into(), |d| format!("{d} days")),
                    self.created_at.clone(),
                    or_dash(Some(&self.description)),
                ]
            }
        }
    )*};
}

account_rows!(service_accounts::AccountFields, create_service_account::AccountFields);
