//! `praetor org list|get`: the organizations the signed-in principal belongs to, and one of
//! them with counts that cost the server one page each. There is no `org create`: `createOrg`
//! is for instance administrators, and every credential the command line holds (an API key, a
//! provider's token) is bound to one organization, which never carries instance-wide powers.

use std::path::PathBuf;

use serde::Serialize;

use super::client::{self, org_group_count, org_member_count, org_service_account_count, org_summary, viewer_orgs};
use super::output::{self, Output, RemoteFlags, Tabular};
use super::remote::{Failure, Session};

#[derive(clap::Args)]
pub struct OrgArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: OrgCommand,
}

#[derive(clap::Subcommand)]
pub enum OrgCommand {
    /// The organizations you belong to, the context's marked (a credential bound to one
    /// organization lists that one).
    #[command(after_help = "Examples:\n  praetor org list\n  praetor org list -o json | jq -r '.[].slug'")]
    List,
    /// One organization (default: the context's): slug, name, id, and how many projects,
    /// groups, service accounts, members, pending policy proposals and open role grants it has
    /// that you may see (each counted up to 100, shown as `100+`; `-` for a kind you may not
    /// read).
    #[command(after_help = "Examples:\n  praetor org get\n  praetor org get acme -o yaml")]
    Get { slug: Option<String> },
}

/// The page each count is read from (`first: 100` in `orgs.graphql`).
const PAGE: usize = 100;

/// One organization in the list.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    id: String,
    slug: String,
    name: String,
    created_at: String,
    current: bool,
}

impl Tabular for Listed {
    const HEADER: &'static [&'static str] = &["", "SLUG", "NAME", "ID", "CREATED"];
    fn cells(&self) -> Vec<String> {
        vec![
            if self.current { "*".into() } else { String::new() },
            self.slug.clone(),
            self.name.clone(),
            self.id.clone(),
            self.created_at.clone(),
        ]
    }
}

/// `org get`: the organization and its counts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    id: String,
    slug: String,
    name: String,
    created_at: String,
    local_accounts: bool,
    counts: Counts,
    /// The counts that reached a full page: there may be more than they say.
    counts_truncated: Vec<&'static str>,
}

/// What the caller may see; `null` (`-` in a table) where they may not read that kind at all.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Counts {
    projects: usize,
    groups: Option<usize>,
    service_accounts: Option<usize>,
    members: Option<usize>,
    pending_policy_proposals: usize,
    open_role_grants: usize,
}

/// Asks the server for the summary of `org`: one request, and one per count the caller may
/// read that needs a permission of its own (asking without it would fail the whole answer).
async fn summary(session: &Session, org: String) -> Result<Summary, Failure> {
    let o = session.run::<client::OrgSummary>(org_summary::Variables { org: org.clone() }).await?.org;
    let members = if o.can_read_members {
        let vars = org_member_count::Variables { org: org.clone() };
        Some(session.run::<client::OrgMemberCount>(vars).await?.org.members.nodes.len())
    } else {
        None
    };
    let groups = if o.can_read_groups {
        let vars = org_group_count::Variables { org: org.clone() };
        Some(session.run::<client::OrgGroupCount>(vars).await?.org.groups.nodes.len())
    } else {
        None
    };
    let service_accounts = if o.can_read_service_accounts {
        let vars = org_service_account_count::Variables { org };
        Some(session.run::<client::OrgServiceAccountCount>(vars).await?.org.service_accounts.nodes.len())
    } else {
        None
    };
    // A count that filled its page of 100 may have more behind it.
    let mut counts_truncated = Vec::new();
    for (what, n) in [
        ("projects", Some(o.projects.nodes.len())),
        ("groups", groups),
        ("serviceAccounts", service_accounts),
        ("members", members),
        ("openRoleGrants", Some(o.role_grants.len())),
    ] {
        if n.is_some_and(|n| n >= PAGE) {
            counts_truncated.push(what);
        }
    }
    let counts = Counts {
        projects: o.projects.nodes.len(),
        groups,
        service_accounts,
        members,
        pending_policy_proposals: o.policy_proposals.len(),
        open_role_grants: o.role_grants.len(),
    };
    Ok(Summary {
        id: o.id,
        slug: o.slug,
        name: o.name,
        created_at: o.created_at,
        local_accounts: o.local_accounts,
        counts,
        counts_truncated,
    })
}

impl Summary {
    fn page(&self) -> String {
        let count = |what: &str, n: Option<usize>| match n {
            None => "- (you may not read them)".to_string(),
            Some(n) if self.counts_truncated.contains(&what) => format!("{n}+"),
            Some(n) => n.to_string(),
        };
        let c = &self.counts;
        let mut out = format!("{} ({})\n", self.slug, self.name);
        out.push_str(&format!("  id:                       {}\n", self.id));
        out.push_str(&format!("  created:                  {}\n", self.created_at));
        out.push_str(&format!("  local accounts:           {}\n", if self.local_accounts { "yes" } else { "no" }));
        out.push_str(&format!("  projects:                 {}\n", count("projects", Some(c.projects))));
        out.push_str(&format!("  groups:                   {}\n", count("groups", c.groups)));
        out.push_str(&format!("  service accounts:         {}\n", count("serviceAccounts", c.service_accounts)));
        out.push_str(&format!("  members:                  {}\n", count("members", c.members)));
        out.push_str(&format!("  pending policy proposals: {}\n", c.pending_policy_proposals));
        out.push_str(&format!("  open role grants:         {}\n", count("openRoleGrants", Some(c.open_role_grants))));
        out
    }
}

pub async fn run(file: Option<PathBuf>, args: OrgArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    let session = Session::open(file, args.flags.context).await?;
    match args.command {
        OrgCommand::List => {
            let viewer = session.run::<client::ViewerOrgs>(viewer_orgs::Variables).await?.viewer;
            let orgs: Vec<Listed> = viewer
                .orgs
                .into_iter()
                .map(|o| Listed {
                    current: o.slug == session.context.org,
                    id: o.id,
                    slug: o.slug,
                    name: o.name,
                    created_at: o.created_at,
                })
                .collect();
            output::list(output, &orgs, "You belong to no organization.")
        }
        OrgCommand::Get { slug } => {
            let org = slug.unwrap_or_else(|| session.context.org.clone());
            let summary = summary(&session, org).await?;
            match output {
                Output::Table => print!("{}", summary.page()),
                other => println!("{}", output::document(other, &summary)?.trim_end()),
            }
            Ok(())
        }
    }
}
