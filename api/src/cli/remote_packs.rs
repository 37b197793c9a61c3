//! `praetor pack list|subscribe|unsubscribe|impact`: the policy packs the organization of the
//! current context may use, its subscriptions, and what a version would change before it
//! takes effect (publishing is `praetor policy pack publish` on the database, or
//! `publishPolicyPack`).

use std::path::PathBuf;

use serde::Serialize;

use super::client::{self, org_policy_packs, policy_pack_version_impact, subscribe_to_policy_pack};
use super::output::{self, Output, RemoteFlags, Tabular};
use super::remote::{Failure, Session};

#[derive(clap::Args)]
pub struct PackArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: PackCommand,
}

#[derive(clap::Subcommand)]
pub enum PackCommand {
    /// The packs the organization may use, with its subscription to each and, for a follower,
    /// the next version and when it takes effect (needs `policy.read`).
    #[command(after_help = "Examples:\n  praetor pack list\n  praetor pack list -o json | jq '.[] | select(.pending)'")]
    List,
    /// Subscribe to a pack (or change the pin): following the latest version, or pinned to
    /// `--version` (needs `policy.write`).
    #[command(
        after_help = "Examples:\n  praetor pack subscribe ppk_0190…\n  praetor pack subscribe ppk_0190… --version 2"
    )]
    Subscribe {
        /// The pack's id (`praetor pack list`).
        pack: String,
        #[arg(long)]
        version: Option<i64>,
    },
    /// End the organization's subscription: the pack's rules stop applying (needs `policy.write`).
    #[command(after_help = "Example:\n  praetor pack unsubscribe ppk_0190…")]
    Unsubscribe { pack: String },
    /// The rules version N of a pack changes and how the project's recorded decisions would be
    /// decided under it (needs `policy.read` in the project).
    #[command(after_help = "Example:\n  praetor pack impact ppk_0190… --version 2 --project web")]
    Impact {
        pack: String,
        #[arg(long)]
        version: i64,
        #[arg(long)]
        project: String,
        /// How many of the project's newest recorded decisions to decide again (1-5000).
        #[arg(long, default_value_t = 500)]
        sample: i64,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pack {
    id: String,
    name: String,
    title: String,
    publisher: String,
    latest_version: Option<i64>,
    subscribed: bool,
    follows_latest: Option<bool>,
    pinned_version: Option<i64>,
    version_in_force: Option<i64>,
    pending: Option<Pending>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pending {
    version: i64,
    effective_at: String,
    notes: String,
    changes: Vec<String>,
}

impl Tabular for Pack {
    const HEADER: &'static [&'static str] = &["ID", "NAME", "PUBLISHER", "LATEST", "SUBSCRIPTION", "NEXT"];
    fn cells(&self) -> Vec<String> {
        let subscription = match (self.subscribed, self.pinned_version, self.version_in_force) {
            (false, ..) => "-".to_string(),
            (true, Some(pin), _) => format!("pinned to {pin}"),
            (true, None, Some(v)) => format!("following, {v} in force"),
            (true, None, None) => "following".to_string(),
        };
        let next =
            self.pending.as_ref().map(|p| format!("{} at {}", p.version, p.effective_at)).unwrap_or_else(|| "-".into());
        vec![
            self.id.clone(),
            self.name.clone(),
            self.publisher.clone(),
            self.latest_version.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
            subscription,
            next,
        ]
    }
}

pub async fn run(file: Option<PathBuf>, args: PackArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    match args.command {
        PackCommand::List => {
            let data = session.run::<client::OrgPolicyPacks>(org_policy_packs::Variables { org }).await?;
            let packs: Vec<Pack> = data
                .org
                .policy_packs
                .into_iter()
                .map(|p| {
                    let sub = p.subscription;
                    Pack {
                        id: p.id,
                        name: p.name,
                        title: p.title,
                        publisher: p.publisher,
                        latest_version: p.latest_version,
                        subscribed: sub.is_some(),
                        follows_latest: sub.as_ref().map(|s| s.follows_latest),
                        pinned_version: sub.as_ref().and_then(|s| s.pinned_version),
                        version_in_force: sub.as_ref().map(|s| s.version_in_force),
                        pending: sub.and_then(|s| s.pending).map(|n| Pending {
                            version: n.version,
                            effective_at: n.effective_at,
                            notes: n.notes,
                            changes: n
                                .changes
                                .into_iter()
                                .map(|c| format!("{} {}/{}", c.kind, c.policy, c.rule))
                                .collect(),
                        }),
                    }
                })
                .collect();
            output::list(output, &packs, "No policy packs are offered to this organization.")
        }
        PackCommand::Subscribe { pack, version } => {
            let input = subscribe_to_policy_pack::SubscribePolicyPackInput { org, pack, version };
            let data =
                session.run::<client::SubscribeToPolicyPack>(subscribe_to_policy_pack::Variables { input }).await?;
            let s = data.subscribe_policy_pack;
            let line = match s.pinned_version {
                Some(pin) => format!("{}: pinned to version {pin}", s.pack.name),
                None => {
                    format!("{}: following the latest version, version {} in force", s.pack.name, s.version_in_force)
                }
            };
            print_done(output, &s, &line)
        }
        PackCommand::Unsubscribe { pack } => {
            let vars = client::unsubscribe_from_policy_pack::Variables { org, pack: pack.clone() };
            session.run::<client::UnsubscribeFromPolicyPack>(vars).await?;
            print_done(output, &serde_json::json!({"unsubscribed": pack}), &format!("unsubscribed from {pack}"))
        }
        PackCommand::Impact { pack, version, project, sample } => {
            if !(1..=5000).contains(&sample) {
                return Err(Failure::usage("--sample is between 1 and 5000"));
            }
            let vars =
                policy_pack_version_impact::Variables { org, id: pack, version, project: project.clone(), sample };
            let data = session.run::<client::PolicyPackVersionImpact>(vars).await?;
            let p = data.org.policy_pack;
            let Some(v) = p.version else {
                return Err(Failure::local(format!("{} has no version {version}", p.name)));
            };
            if output != Output::Table {
                println!("{}", output::document(output, &v)?.trim_end());
                return Ok(());
            }
            let i = &v.impact;
            println!("{} version {} takes effect for followers at {}.", p.name, v.version, v.effective_at);
            for c in &v.changes {
                println!("  {} rule {} of {}", c.kind, c.rule, c.policy);
            }
            println!(
                "Of the last {} recorded decisions in {project}: {} would be denied, {} would need approval, {} would be allowed, {} unchanged.",
                i.decisions_checked, i.newly_denied, i.newly_needing_approval, i.newly_allowed, i.unchanged
            );
            Ok(())
        }
    }
}

/// A change done: the answer as JSON or YAML, or one line for people.
fn print_done<T: Serialize>(output: Output, answer: &T, line: &str) -> Result<(), Failure> {
    match output {
        Output::Table => println!("{line}"),
        _ => println!("{}", output::document(output, answer)?.trim_end()),
    }
    Ok(())
}
