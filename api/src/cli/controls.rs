//! `praetor killswitch status|engage|release` and `praetor budget`: the organization's or a
//! project's emergency stop and today's spending, on the server of the current context.

use std::path::PathBuf;

use serde::Serialize;

use super::client::{self, org_controls, project_controls, set_kill_switch};
use super::output::{self, Output, RemoteFlags, name, or_dash};
use super::remote::{Failure, Session};

#[derive(clap::Args)]
pub struct KillSwitchArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: KillSwitchCommand,
}

#[derive(clap::Subcommand)]
pub enum KillSwitchCommand {
    /// The kill switch stopping work now, if any (the instance's, the organization's or the
    /// project's).
    #[command(after_help = "Examples:\n  praetor killswitch status\n  praetor killswitch status --project web -o json")]
    Status {
        #[arg(long)]
        project: Option<String>,
    },
    /// Stop work in a project (or the whole organization): no new step starts, running plans
    /// are killed (compensated where defined), queued plans are held. Needs `killswitch.set`.
    #[command(after_help = "Examples:\n  praetor killswitch engage --project web --reason 'bad deploy'\n  \
                            praetor killswitch engage --reason 'incident 42: stop everything'")]
    Engage {
        /// The project (default: the whole organization).
        #[arg(long)]
        project: Option<String>,
        #[arg(long)]
        reason: String,
    },
    /// Release it: held plans run again, or are cancelled with --cancel-held.
    #[command(after_help = "Examples:\n  praetor killswitch release --project web\n  \
                            praetor killswitch release --cancel-held")]
    Release {
        #[arg(long)]
        project: Option<String>,
        #[arg(long)]
        cancel_held: bool,
    },
}

#[derive(clap::Args)]
pub struct BudgetArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    /// A project's budget (default: the organization's, which caps the sum of its projects).
    #[arg(long)]
    project: Option<String>,
}

pub async fn killswitch(file: Option<PathBuf>, args: KillSwitchArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    let (project, engaged, reason, on_release) = match args.command {
        KillSwitchCommand::Status { project } => {
            return match project {
                None => {
                    let data = session.run::<client::OrgControls>(org_controls::Variables { org }).await?.org;
                    let k = data.kill_switch;
                    let line = k.as_ref().map(|k| (name(&k.scope), k.reason.clone(), k.engaged_by.clone()));
                    print_status(output, &k, line)
                }
                Some(project) => {
                    let vars = project_controls::Variables { org, project };
                    let k = session.run::<client::ProjectControls>(vars).await?.project.kill_switch;
                    let line = k.as_ref().map(|k| (name(&k.scope), k.reason.clone(), k.engaged_by.clone()));
                    print_status(output, &k, line)
                }
            };
        }
        KillSwitchCommand::Engage { project, reason } => {
            if reason.trim().is_empty() {
                return Err(Failure::usage("--reason must say why"));
            }
            (project, true, reason, set_kill_switch::ReleaseMode::RESUME)
        }
        KillSwitchCommand::Release { project, cancel_held } => {
            let mode =
                if cancel_held { set_kill_switch::ReleaseMode::CANCEL } else { set_kill_switch::ReleaseMode::RESUME };
            (project, false, String::new(), mode)
        }
    };
    let scope = if project.is_some() {
        set_kill_switch::KillSwitchScope::PROJECT
    } else {
        set_kill_switch::KillSwitchScope::ORG
    };
    let input = set_kill_switch::SetKillSwitchInput {
        scope,
        org: Some(org.clone()),
        project: project.clone(),
        engaged,
        reason,
        on_release,
    };
    let k = session.run::<client::SetKillSwitch>(set_kill_switch::Variables { input }).await?.set_kill_switch;
    if output != Output::Table {
        println!("{}", output::document(output, &k)?.trim_end());
        return Ok(());
    }
    let place = project.map_or(format!("organization {org}"), |p| format!("project {p}"));
    let affected = k.plans_affected.unwrap_or(0);
    if k.engaged {
        println!("Kill switch engaged in {place}: {} ({affected} plans stopped or held).", k.reason);
    } else {
        println!(
            "Kill switch released in {place}; held plans: {} ({affected} plans).",
            or_dash(k.release_mode.as_deref()).to_lowercase()
        );
    }
    Ok(())
}

fn print_status<K: Serialize>(
    output: Output,
    k: &Option<K>,
    line: Option<(String, String, String)>,
) -> Result<(), Failure> {
    if output != Output::Table {
        println!("{}", output::document(output, k)?.trim_end());
        return Ok(());
    }
    match line {
        Some((scope, reason, by)) => println!("Engaged ({} switch) by {by}: {reason}", scope.to_lowercase()),
        None => println!("No kill switch is engaged."),
    }
    Ok(())
}

pub async fn budget(file: Option<PathBuf>, args: BudgetArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    macro_rules! show {
        ($data:expr) => {{
            let data = $data;
            let b = &data.budget;
            match output {
                Output::Table => {
                    let amount = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v} {}", b.unit));
                    println!("Day {} ({}), resets at {}", b.day, b.timezone, b.resets_at);
                    println!(
                        "  limit:     {}{}",
                        amount(b.limit),
                        b.policy.as_deref().map(|p| format!(" (policy {p})")).unwrap_or_default()
                    );
                    println!("  spent:     {}", amount(Some(b.spent)));
                    println!("  reserved:  {}", amount(Some(b.reserved)));
                    println!("  remaining: {}", amount(b.remaining));
                }
                other => println!("{}", output::document(other, b)?.trim_end()),
            }
        }};
    }
    match args.project {
        None => show!(session.run::<client::OrgControls>(org_controls::Variables { org }).await?.org),
        Some(project) => {
            let vars = project_controls::Variables { org, project };
            show!(session.run::<client::ProjectControls>(vars).await?.project)
        }
    }
    Ok(())
}
