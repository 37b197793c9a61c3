//! `praetor schedule`: a project's scheduled plans, over the server's GraphQL API with the
//! current context (see `praetor login`). Output is a table on a terminal and JSON when piped
//! (`-o` chooses); exit codes as for every client command: 0 done, 1 refused (the server's
//! error code printed first), 2 usage.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::client::{self, create_schedule, delete_schedule, pause_schedule, project_schedules, resume_schedule};
use super::output::{self, Output, Tabular, or_dash};
use super::remote::{Failure, Session};

#[derive(clap::ValueEnum, Clone, Copy)]
pub enum Overlap {
    /// Skip a slot while the last run's plan is unfinished.
    Skip,
    /// Propose anyway; the new plan queues behind it.
    Queue,
    /// Cancel the unfinished plan, then propose.
    CancelPrevious,
}

impl Overlap {
    fn gql(self) -> create_schedule::ScheduleOverlap {
        match self {
            Overlap::Skip => create_schedule::ScheduleOverlap::SKIP,
            Overlap::Queue => create_schedule::ScheduleOverlap::QUEUE,
            Overlap::CancelPrevious => create_schedule::ScheduleOverlap::CANCEL_PREVIOUS,
        }
    }
}

#[derive(clap::Args)]
pub struct ScheduleArgs {
    /// The context to use (default: the current one).
    #[arg(long, global = true)]
    context: Option<String>,
    /// table, json or yaml (default: table on a terminal, json otherwise).
    #[arg(short, long, global = true, value_enum)]
    output: Option<Output>,
    #[command(subcommand)]
    command: ScheduleCommand,
}

#[derive(clap::Subcommand)]
pub enum ScheduleCommand {
    /// A project's schedules.
    #[command(after_help = "Example:\n  praetor schedule list --project web")]
    List {
        #[arg(long)]
        project: String,
    },
    /// Schedule a plan template; each slot proposes it as the service account, through the
    /// decision pipeline like any proposal.
    #[command(
        after_help = "Examples:\n  praetor schedule create nightly-backup --project web --template backup \\\n    \
                            --cron '0 2 * * *' --timezone Europe/Berlin --service-account ops-bot\n  \
                            praetor schedule create warmup --project web --template warm --cron '*/30 * * * * *' \\\n    \
                            --args '{\"size\": 3}' --overlap queue --service-account ops-bot"
    )]
    Create {
        /// A slug, unique in the project.
        name: String,
        #[arg(long)]
        project: String,
        /// Cron, seconds optional: `0 9 * * MON-FRI` or `0 0 9 * * MON-FRI`.
        #[arg(long)]
        cron: String,
        /// The IANA time zone the cron's times are read in.
        #[arg(long, default_value = "UTC")]
        timezone: String,
        #[arg(long)]
        template: String,
        /// The template's arguments, a JSON object.
        #[arg(long)]
        args: Option<String>,
        #[arg(long, value_enum, default_value = "skip")]
        overlap: Overlap,
        /// Do not run a slot missed while no node ran when one comes back.
        #[arg(long)]
        no_catch_up: bool,
        /// The service account each slot proposes as.
        #[arg(long)]
        service_account: String,
    },
    /// Stop a schedule's slots until it is resumed.
    #[command(after_help = "Example:\n  praetor schedule pause sch_0190…")]
    Pause { id: String },
    /// Resume a schedule from its next slot after now.
    #[command(after_help = "Example:\n  praetor schedule resume sch_0190…")]
    Resume { id: String },
    /// Delete a schedule (its plans stay).
    #[command(after_help = "Example:\n  praetor schedule delete sch_0190…")]
    Delete { id: String },
}

pub async fn run(file: Option<PathBuf>, args: ScheduleArgs) -> Result<(), Failure> {
    let output = Output::pick(args.output);
    let session = Session::open(file, args.context).await?;
    let org = session.context.org.clone();
    match args.command {
        ScheduleCommand::List { project } => {
            let vars = project_schedules::Variables { org, project };
            let data = session.run::<client::ProjectSchedules>(vars).await?;
            output::list(output, &data.project.schedules, "No schedules.")?;
        }
        ScheduleCommand::Create {
            name,
            project,
            cron,
            timezone,
            template,
            args,
            overlap,
            no_catch_up,
            service_account,
        } => {
            let args: Value = match args {
                None => json!({}),
                Some(text) => serde_json::from_str(&text).map_err(|e| {
                    Failure::usage(format!("--args is not JSON: {e} (at line {}, column {})", e.line(), e.column()))
                })?,
            };
            let input = create_schedule::CreateScheduleInput {
                org,
                project,
                name,
                cron,
                timezone,
                template,
                args: Some(args),
                overlap: overlap.gql(),
                catch_up: !no_catch_up,
                service_account,
            };
            let made = session.run::<client::CreateSchedule>(create_schedule::Variables { input }).await?;
            output::list(output, &[made.create_schedule], "")?;
        }
        ScheduleCommand::Pause { id } => {
            let done = session.run::<client::PauseSchedule>(pause_schedule::Variables { id }).await?;
            output::list(output, &[done.pause_schedule], "")?;
        }
        ScheduleCommand::Resume { id } => {
            let done = session.run::<client::ResumeSchedule>(resume_schedule::Variables { id }).await?;
            output::list(output, &[done.resume_schedule], "")?;
        }
        ScheduleCommand::Delete { id } => {
            session.run::<client::DeleteSchedule>(delete_schedule::Variables { id: id.clone() }).await?;
            match output {
                Output::Table => println!("Deleted schedule {id}."),
                other => println!("{}", output::document(other, &json!({"deleted": id}))?.trim_end()),
            }
        }
    }
    Ok(())
}

/// The same selection (`ScheduleFields`) comes back as a type of each operation's own.
macro_rules! schedule_rows {
    ($($t:ty),*) => {$(
        impl Tabular for $t {
            const HEADER: &'static [&'static str] = &["ID", "NAME", "CRON", "TEMPLATE", "STATE", "NEXT RUN", "LAST OUTCOME"];
            fn cells(&self) -> Vec<String> {
                vec![
                    self.id.clone(),
                    self.name.clone(),
                    format!("{} ({})", self.cron, self.timezone),
                    self.template.clone(),
                    if self.paused { "paused".into() } else { "active".into() },
                    or_dash(self.next_run_at.as_deref()),
                    or_dash(self.last_outcome.as_deref()),
                ]
            }
        }
    )*};
}

schedule_rows!(
    project_schedules::ScheduleFields,
    create_schedule::ScheduleFields,
    pause_schedule::ScheduleFields,
    resume_schedule::ScheduleFields
);
