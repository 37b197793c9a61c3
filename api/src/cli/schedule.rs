//! `praetor schedule`: a project's scheduled plans, over the server's GraphQL API with the
//! current context (see `praetor login`). Output is a table on a terminal and JSON when piped
//! (`-o` chooses); exit codes as for every client command: 0 done, 1 refused (the server's
//! error code printed first), 2 usage.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::remote::{Failure, Session};

const FIELDS: &str = "id name projectSlug cron timezone template args overlap catchUp serviceAccount paused nextRunAt lastSlot lastOutcome lastPlanId";

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
}

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
    fn gql(self) -> &'static str {
        match self {
            Overlap::Skip => "SKIP",
            Overlap::Queue => "QUEUE",
            Overlap::CancelPrevious => "CANCEL_PREVIOUS",
        }
    }
}

#[derive(clap::Args)]
pub struct ScheduleArgs {
    /// The context to use (default: the current one).
    #[arg(long, global = true)]
    context: Option<String>,
    /// table or json (default: table on a terminal, json otherwise).
    #[arg(short, long, global = true)]
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
    Pause { id: String },
    /// Resume a schedule from its next slot after now.
    Resume { id: String },
    /// Delete a schedule (its plans stay).
    Delete { id: String },
}

pub async fn run(file: Option<PathBuf>, args: ScheduleArgs) -> Result<(), Failure> {
    let output = args.output.unwrap_or(if std::io::stdout().is_terminal() { Output::Table } else { Output::Json });
    let session = Session::open(file, args.context).await?;
    let org = session.context.org.clone();
    let one = |data: Value, field: &str| data[field].clone();
    match args.command {
        ScheduleCommand::List { project } => {
            let q = format!(
                "query($o: String!, $p: String!) {{ project(org: $o, slug: $p) {{ schedules {{ {FIELDS} }} }} }}"
            );
            let data = session.graphql(&q, json!({"o": org, "p": project})).await?;
            if data["project"].is_null() {
                return Err(Failure::local(format!("no project `{project}` in organization {org}")));
            }
            print_schedules(output, &data["project"]["schedules"]);
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
            let input = json!({"org": org, "project": project, "name": name, "cron": cron, "timezone": timezone,
                "template": template, "args": args, "overlap": overlap.gql(), "catchUp": !no_catch_up,
                "serviceAccount": service_account});
            let q = format!("mutation($in: CreateScheduleInput!) {{ createSchedule(input: $in) {{ {FIELDS} }} }}");
            let made = one(session.graphql(&q, json!({"in": input})).await?, "createSchedule");
            print_schedules(output, &json!([made]));
        }
        ScheduleCommand::Pause { id } => {
            let q = format!("mutation($id: ID!) {{ pauseSchedule(id: $id) {{ {FIELDS} }} }}");
            print_schedules(output, &json!([one(session.graphql(&q, json!({"id": id})).await?, "pauseSchedule")]));
        }
        ScheduleCommand::Resume { id } => {
            let q = format!("mutation($id: ID!) {{ resumeSchedule(id: $id) {{ {FIELDS} }} }}");
            print_schedules(output, &json!([one(session.graphql(&q, json!({"id": id})).await?, "resumeSchedule")]));
        }
        ScheduleCommand::Delete { id } => {
            session.graphql("mutation($id: ID!) { deleteSchedule(id: $id) }", json!({"id": id})).await?;
            match output {
                Output::Json => println!("{}", json!({"deleted": id})),
                Output::Table => println!("Deleted schedule {id}."),
            }
        }
    }
    Ok(())
}

fn print_schedules(output: Output, list: &Value) {
    let empty = Vec::new();
    let rows = list.as_array().unwrap_or(&empty);
    if output == Output::Json {
        println!("{}", serde_json::to_string_pretty(list).unwrap_or_default());
        return;
    }
    if rows.is_empty() {
        println!("No schedules.");
        return;
    }
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    };
    let table: Vec<[String; 7]> = rows
        .iter()
        .map(|s| {
            [
                text(&s["id"]),
                text(&s["name"]),
                format!("{} ({})", text(&s["cron"]), text(&s["timezone"])),
                text(&s["template"]),
                if s["paused"] == true { "paused".into() } else { "active".into() },
                text(&s["nextRunAt"]),
                text(&s["lastOutcome"]),
            ]
        })
        .collect();
    let header = ["ID", "NAME", "CRON", "TEMPLATE", "STATE", "NEXT RUN", "LAST OUTCOME"];
    let mut widths = header.map(str::len);
    for row in &table {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in &table {
        line(row.iter().map(String::as_str).collect());
    }
}
