//! `praetor policy remote apply|diff|versions|rollback|explain|proposals|approve-proposal|reject-proposal`:
//! policy documents on the server of the current context, beside the local `praetor policy …`
//! commands (which work on the database directly). A refused bundle prints its diagnostics as
//! `file:line:column`, as `praetor policy validate` does. Where policy changes need a second
//! person, an apply or a rollback is kept as a proposal and the command exits 1 with
//! APPROVAL_REQUIRED naming it; someone else approves or rejects it with the proposal commands.

use std::path::PathBuf;

use super::client::{
    self, apply_policy, approve_policy_proposal, explain_decision, org_policy_versions, policy_diff, policy_proposals,
    project_policy_versions, reject_policy_proposal, rollback_policy,
};
use super::output::{self, Output, RemoteFlags, Tabular, name, or_dash, table};
use super::policy::PolicyCommand;
use super::remote::{Failure, Session};

/// `praetor policy …`: the local commands, and `remote` ones.
#[derive(clap::Subcommand)]
pub enum PolicyGroup {
    #[command(flatten)]
    Local(PolicyCommand),
    /// Policies on the server of the current context: apply, diff, versions, rollback, explain,
    /// and the proposals that wait for a second person.
    Remote(RemotePolicyArgs),
}

#[derive(clap::Args)]
pub struct RemotePolicyArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: RemotePolicyCommand,
}

#[derive(clap::Subcommand)]
pub enum RemotePolicyCommand {
    /// Validate, verify and store documents (files or folders) as new policy versions (needs
    /// `policy.write`). With --project, they are that project's policy. Without, they are the
    /// organization's whole bundle: its own documents and each project's they contain, each
    /// scope a new version, so organization documents left out are removed. Where policy
    /// changes need a second person, the change is kept as a proposal: exit 1,
    /// APPROVAL_REQUIRED naming it (see `praetor policy remote proposals`).
    #[command(
        after_help = "Examples:\n  praetor policy remote apply web.yaml --project web --comment 'reviews for web'\n  \
                            praetor policy remote apply policies/ --comment 'the whole bundle'"
    )]
    Apply {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Apply to this project only.
        #[arg(long)]
        project: Option<String>,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// The rules that change between two versions of a project's policy, and how its recent
    /// recorded decisions would be decided under the newer one.
    #[command(after_help = "Examples:\n  praetor policy remote diff --project web --from 1\n  \
                            praetor policy remote diff --project web --from 2 --to 3 --sample 1000")]
    Diff {
        #[arg(long)]
        project: String,
        #[arg(long)]
        from: i64,
        /// Default: the newest version.
        #[arg(long)]
        to: Option<i64>,
        /// How many recorded decisions to decide again.
        #[arg(long, default_value_t = 500)]
        sample: i64,
    },
    /// Policy versions, newest first: the organization's, or a project's own.
    #[command(after_help = "Examples:\n  praetor policy remote versions\n  \
                            praetor policy remote versions --project web -o yaml")]
    Versions {
        #[arg(long)]
        project: Option<String>,
        #[arg(long, default_value_t = 20)]
        first: i64,
    },
    /// Make an earlier version's documents the newest version (needs `policy.write`); where
    /// policy changes need a second person, the rollback waits as a proposal (exit 1,
    /// APPROVAL_REQUIRED naming it).
    #[command(
        after_help = "Examples:\n  praetor policy remote rollback --to 1 --project web --comment 'back to reviews only'\n  \
                            praetor policy remote rollback --to 3"
    )]
    Rollback {
        /// The version to go back to.
        #[arg(long)]
        to: i64,
        /// A project's policy (default: the organization's).
        #[arg(long)]
        project: Option<String>,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// How an action would be decided in a project now, for you: the verdict, every check and
    /// every rule consulted, with the one that decided at its file and line.
    #[command(after_help = "Examples:\n  praetor policy remote explain --project web --action state.set\n  \
                            praetor policy remote explain --project web --action deploy.web --params '{\"env\": \"prod\"}'")]
    Explain {
        #[arg(long)]
        project: String,
        #[arg(long)]
        action: String,
        /// The action's parameters, a JSON object.
        #[arg(long)]
        params: Option<String>,
    },
    /// Policy changes kept for a second person's approval, newest first: those pending (with
    /// --all, decided ones too). `-o table --diff` shows each one's diff against the policy in
    /// force.
    #[command(after_help = "Examples:\n  praetor policy remote proposals\n  \
                            praetor policy remote proposals --diff -o table\n  \
                            praetor policy remote proposals -o json | jq -r '.[] | select(.viewerCanApprove) | .id'")]
    Proposals {
        /// Applied, rejected, withdrawn and superseded ones too.
        #[arg(long)]
        all: bool,
        /// Print each proposal's diff under the table.
        #[arg(long)]
        diff: bool,
    },
    /// Approve a pending proposal (needs `policy.write` in its scope; not its proposer): its
    /// documents become the newest versions, authored by the proposer.
    #[command(after_help = "Example:\n  praetor policy remote approve-proposal pch_0190… --comment 'checked the diff'")]
    ApproveProposal {
        id: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Reject a pending proposal (needs `policy.write` in its scope); its proposer withdraws
    /// it the same way.
    #[command(
        after_help = "Example:\n  praetor policy remote reject-proposal pch_0190… --comment 'not during the freeze'"
    )]
    RejectProposal {
        id: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
}

pub async fn run(file: Option<PathBuf>, args: RemotePolicyArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    match args.command {
        RemotePolicyCommand::Apply { paths, project, comment } => {
            // Read before signing in: a missing file is a usage error whatever the server says.
            let (sources, unreadable) = praetor_policy::load::load_paths(&paths);
            if !unreadable.is_empty() {
                return Err(Failure::usage(praetor_policy::diag::render_human(&unreadable).trim_end().to_string()));
            }
            if sources.is_empty() {
                return Err(Failure::usage("no policy documents (*.yaml, *.yml) found there"));
            }
            let session = Session::open(file, args.flags.context).await?;
            let sources =
                sources.into_iter().map(|s| apply_policy::PolicySourceInput { name: s.name, text: s.text }).collect();
            let input = apply_policy::ApplyPolicyInput { org: session.context.org.clone(), project, sources, comment };
            let applied = session.run::<client::ApplyPolicy>(apply_policy::Variables { input }).await?.apply_policy;
            if output != Output::Table {
                println!("{}", output::document(output, &applied)?.trim_end());
                return kept(applied.pending_proposal.as_ref().map(|p| p.id.as_str()));
            }
            for w in &applied.warnings {
                let at = if w.path.is_empty() { String::new() } else { format!(" (at {})", w.path) };
                println!(
                    "{}:{}:{}: {}[{}]: {}{at}",
                    w.file,
                    w.line,
                    w.column,
                    name(&w.severity).to_lowercase(),
                    w.code,
                    w.message
                );
            }
            for v in &applied.versions {
                let scope = match &v.project {
                    Some(p) => format!("project {p}"),
                    None => "the organization".into(),
                };
                println!("Applied version {} of {scope}'s policy ({}).", v.version, short(&v.hash));
            }
            if let Some(p) = &applied.pending_proposal {
                println!(
                    "Kept for a second person's approval: proposal {} ({}); nothing is in force until it is approved.",
                    p.id,
                    p.project.as_deref().map_or("the organization".to_string(), |p| format!("project {p}"))
                );
            }
            if applied.versions.is_empty() && applied.pending_proposal.is_none() {
                println!("Nothing changed.");
            }
            kept(applied.pending_proposal.as_ref().map(|p| p.id.as_str()))?;
        }
        RemotePolicyCommand::Diff { project, from, to, sample } => {
            let session = Session::open(file, args.flags.context).await?;
            let vars = policy_diff::Variables { org: session.context.org.clone(), project, from, to, sample };
            let diff = session.run::<client::PolicyDiff>(vars).await?.policy_diff;
            if output != Output::Table {
                println!("{}", output::document(output, &diff)?.trim_end());
                return Ok(());
            }
            println!("From {} to {}:", diff.from_version, diff.to_version);
            if diff.changes.is_empty() {
                println!("No rule changes.");
            } else {
                let rows = diff
                    .changes
                    .iter()
                    .map(|c| {
                        vec![
                            c.kind.clone(),
                            c.policy.clone(),
                            c.rule.clone(),
                            c.actions.join(", "),
                            or_dash(c.before.as_deref()),
                            or_dash(c.after.as_deref()),
                        ]
                    })
                    .collect();
                print!("{}", table(&["CHANGE", "POLICY", "RULE", "ACTIONS", "BEFORE", "AFTER"], rows));
            }
            let i = &diff.impact;
            println!(
                "{} recorded decisions decided again: {} newly denied, {} newly allowed, {} newly needing approval, {} unchanged.",
                i.decisions_checked, i.newly_denied, i.newly_allowed, i.newly_needing_approval, i.unchanged
            );
        }
        RemotePolicyCommand::Rollback { to, project, comment } => {
            let session = Session::open(file, args.flags.context).await?;
            let input = rollback_policy::RollbackPolicyInput {
                org: session.context.org.clone(),
                project,
                version: to,
                comment,
            };
            let made = session.run::<client::RollbackPolicy>(rollback_policy::Variables { input }).await?;
            let v = made.rollback_policy;
            match output {
                Output::Table => println!(
                    "Version {} of {} has the documents of version {to} ({}).",
                    v.version,
                    v.project
                        .as_deref()
                        .map_or("the organization's policy".to_string(), |p| format!("project {p}'s policy")),
                    short(&v.hash)
                ),
                other => println!("{}", output::document(other, &v)?.trim_end()),
            }
        }
        RemotePolicyCommand::Explain { project, action, params } => {
            let params = match params {
                None => None,
                Some(text) => Some(serde_json::from_str(&text).map_err(|e| {
                    Failure::usage(format!("--params is not JSON: {e} (at line {}, column {})", e.line(), e.column()))
                })?),
            };
            let session = Session::open(file, args.flags.context).await?;
            let vars = explain_decision::Variables { org: session.context.org.clone(), project, action, params };
            let e = session.run::<client::ExplainDecision>(vars).await?.explain_decision;
            if output != Output::Table {
                println!("{}", output::document(output, &e)?.trim_end());
                return Ok(());
            }
            println!("{}: {} (policy {})", e.action, name(&e.verdict), e.policy_version);
            match &e.decided_by {
                Some(d) => {
                    println!("Decided by {}/{} ({}) at {}:{}", d.policy, d.rule, name(&d.effect), d.file, d.line)
                }
                None => println!("No rule decided it."),
            }
            let rows = e
                .checks
                .iter()
                .map(|c| vec![c.name.clone(), name(&c.verdict), c.code.clone(), c.message.clone()])
                .collect();
            print!("{}", table(&["CHECK", "VERDICT", "CODE", "MESSAGE"], rows));
            if !e.rules.is_empty() {
                let rows = e
                    .rules
                    .iter()
                    .map(|r| {
                        vec![
                            format!("{}/{}", r.policy, r.rule),
                            name(&r.level),
                            name(&r.effect),
                            if r.matched { "yes".into() } else { "no".into() },
                            format!("{}:{}", r.file, r.line),
                            or_dash(r.note.as_deref()),
                        ]
                    })
                    .collect();
                println!();
                print!("{}", table(&["RULE", "LEVEL", "EFFECT", "MATCHED", "AT", "NOTE"], rows));
            }
            for a in &e.approvals {
                println!("Needs approval: {} ({} of {})", a.name, a.count, a.groups.join(", "));
            }
        }
        RemotePolicyCommand::Proposals { all, diff } => {
            let session = Session::open(file, args.flags.context).await?;
            let vars = policy_proposals::Variables { org: session.context.org.clone(), pending_only: !all };
            let proposals = session.run::<client::PolicyProposals>(vars).await?.org.policy_proposals;
            output::list(output, &proposals, "No policy change waits for approval.")?;
            if diff && output == Output::Table {
                for p in &proposals {
                    println!("\n--- proposal {} ({})\n{}", p.id, scope_of(p.project.as_deref()), p.diff.trim_end());
                }
            }
        }
        RemotePolicyCommand::ApproveProposal { id, comment } => {
            let session = Session::open(file, args.flags.context).await?;
            let vars = approve_policy_proposal::Variables { id, comment };
            let decided = session.run::<client::ApprovePolicyProposal>(vars).await?.approve_policy_proposal;
            if output != Output::Table {
                println!("{}", output::document(output, &decided)?.trim_end());
                return Ok(());
            }
            println!("Approved proposal {} ({}).", decided.proposal.id, scope_of(decided.proposal.project.as_deref()));
            for v in &decided.versions {
                println!("In force: version {} of {} ({}).", v.version, scope_of(v.project.as_deref()), short(&v.hash));
            }
        }
        RemotePolicyCommand::RejectProposal { id, comment } => {
            let session = Session::open(file, args.flags.context).await?;
            let vars = reject_policy_proposal::Variables { id, comment };
            let p = session.run::<client::RejectPolicyProposal>(vars).await?.reject_policy_proposal;
            match output {
                Output::Table => println!("Proposal {} ({}) is {}.", p.id, scope_of(p.project.as_deref()), p.status),
                other => println!("{}", output::document(other, &p)?.trim_end()),
            }
        }
        RemotePolicyCommand::Versions { project, first } => {
            let session = Session::open(file, args.flags.context).await?;
            let org = session.context.org.clone();
            match project {
                None => {
                    let vars = org_policy_versions::Variables { org, first: Some(first) };
                    let data = session.run::<client::OrgPolicyVersions>(vars).await?;
                    output::list(output, &data.org.policy_versions.nodes, "No policy versions.")?;
                }
                Some(project) => {
                    let vars = project_policy_versions::Variables { org, project, first: Some(first) };
                    let data = session.run::<client::ProjectPolicyVersions>(vars).await?;
                    output::list(output, &data.project.policy_versions.nodes, "No policy versions.")?;
                }
            }
        }
    }
    Ok(())
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// "project web's policy" or "the organization's policy".
fn scope_of(project: Option<&str>) -> String {
    project.map_or("the organization's policy".to_string(), |p| format!("project {p}'s policy"))
}

/// An apply whose change was kept as proposal `id` did not do what was asked yet: exit 1 with
/// APPROVAL_REQUIRED first, as a refused rollback does (the answer is printed already).
fn kept(id: Option<&str>) -> Result<(), Failure> {
    match id {
        None => Ok(()),
        Some(id) => Err(Failure::refused(
            "APPROVAL_REQUIRED",
            format!(
                "the change waits as proposal {id} for a second person with `policy.write` \
                 (praetor policy remote approve-proposal {id})"
            ),
        )),
    }
}

impl Tabular for policy_proposals::ProposalFields {
    const HEADER: &'static [&'static str] =
        &["ID", "SCOPE", "STATUS", "PROPOSED BY", "CREATED", "COMMENT", "YOU MAY APPROVE"];
    fn cells(&self) -> Vec<String> {
        let by: Vec<&str> = self.proposed_by.iter().map(|a| a.name.as_str()).collect();
        vec![
            self.id.clone(),
            self.project.as_deref().map_or("org".to_string(), |p| format!("project {p}")),
            self.status.clone(),
            by.join(" via "),
            self.created_at.clone(),
            or_dash(Some(self.comment.as_str())),
            if self.viewer_can_approve {
                "yes".into()
            } else {
                format!("no: {}", self.viewer_cannot_approve_reason.as_deref().unwrap_or("-"))
            },
        ]
    }
}

macro_rules! version_rows {
    ($($t:ty),*) => {$(
        impl Tabular for $t {
            const HEADER: &'static [&'static str] = &["VERSION", "SCOPE", "PROJECT", "HASH", "AUTHOR", "CREATED", "COMMENT"];
            fn cells(&self) -> Vec<String> {
                let author: Vec<&str> = self.author.iter().map(|a| a.name.as_str()).collect();
                vec![
                    self.version.to_string(),
                    name(&self.scope),
                    or_dash(self.project.as_deref()),
                    short(&self.hash),
                    author.join(" via "),
                    self.created_at.clone(),
                    or_dash(Some(self.comment.as_str())),
                ]
            }
        }
    )*};
}

version_rows!(org_policy_versions::VersionFields, project_policy_versions::VersionFields);
