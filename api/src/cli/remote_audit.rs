//! `praetor audit tail [-f]`: the newest entries of the organization's audit chain on the
//! server of the current context, then (with `-f`) each new entry as it is appended, from the
//! `auditEvents` subscription. The other `praetor audit …` commands work on the database.

use std::path::PathBuf;

use serde::Serialize;

use super::audit::AuditCommand;
use super::client::{self, audit_events, audit_log};
use super::output::{self, Output, RemoteFlags, Tabular};
use super::remote::{Failure, Session};
use super::subscribe::Subscription;

/// `praetor audit …`: the local commands, and `tail` against the server.
#[derive(clap::Subcommand)]
pub enum AuditGroup {
    #[command(flatten)]
    Local(AuditCommand),
    /// The newest audit entries on the server of the current context, oldest first; with
    /// `-f`, then each new one as it is appended (needs `audit.read`).
    #[command(after_help = "Examples:\n  praetor audit tail -n 50\n  praetor audit tail -f --kind plan.\n  \
                            praetor audit tail -f -o json | jq -c 'select(.kind == \"plan.failed\")'\n\n\
                            With -f, JSON and YAML are one document per entry, as each arrives.")]
    Tail(TailArgs),
}

#[derive(clap::Args)]
pub struct TailArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    /// How many of the newest entries to show first.
    #[arg(short = 'n', long, default_value_t = 20)]
    lines: i64,
    /// Only entries whose kind starts with this (e.g. `plan.`, `role.`).
    #[arg(long)]
    kind: Option<String>,
    /// Keep going: print each new entry as it is appended, until interrupted.
    #[arg(short, long)]
    follow: bool,
}

/// One entry, whichever operation brought it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    seq: i64,
    occurred_at: String,
    kind: String,
    subject: String,
    actor: Vec<String>,
    payload: serde_json::Value,
}

impl Tabular for Entry {
    const HEADER: &'static [&'static str] = &["SEQ", "TIME", "KIND", "SUBJECT", "ACTOR"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.seq.to_string(),
            self.occurred_at.clone(),
            self.kind.clone(),
            self.subject.clone(),
            self.actor.join(" via "),
        ]
    }
}

macro_rules! entry_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Entry {
            fn from(e: $t) -> Self {
                Entry {
                    seq: e.seq,
                    occurred_at: e.occurred_at,
                    kind: e.kind,
                    subject: e.subject,
                    actor: e.actor.into_iter().map(|a| a.name).collect(),
                    payload: e.payload,
                }
            }
        }
    )*};
}

entry_from!(audit_log::AuditLogOrgAuditLogNodes, audit_events::AuditEventsAuditEvents);

pub async fn tail(file: Option<PathBuf>, args: TailArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    if args.lines < 0 {
        return Err(Failure::usage("-n must not be negative"));
    }
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    // Subscribed before the newest entries are read, so none falls between the two.
    let mut sub = if args.follow {
        Some(Subscription::start::<client::AuditEvents>(&session, audit_events::Variables { org: org.clone() }).await?)
    } else {
        None
    };
    let mut entries: Vec<Entry> = if args.lines == 0 {
        Vec::new()
    } else {
        let vars = audit_log::Variables { org, first: Some(args.lines), kind: args.kind.clone() };
        let data = session.run::<client::AuditLog>(vars).await?;
        data.org.audit_log.nodes.into_iter().map(Entry::from).collect()
    };
    entries.reverse();
    let Some(sub) = sub.as_mut() else {
        return output::list(output, &entries, "No audit entries.");
    };
    let mut last = entries.last().map_or(0, |e| e.seq);
    if output == Output::Table {
        print!("{}", output::table(Entry::HEADER, entries.iter().map(Tabular::cells).collect()));
    } else {
        for e in &entries {
            print_follow(output, e)?;
        }
    }
    loop {
        let Some(event) = sub.next::<audit_events::ResponseData>().await? else {
            return Err(Failure::local("the server ended the audit subscription"));
        };
        let entry = Entry::from(event.audit_events);
        if entry.seq <= last || args.kind.as_deref().is_some_and(|k| !entry.kind.starts_with(k)) {
            continue;
        }
        last = entry.seq;
        print_follow(output, &entry)?;
    }
}

/// One entry as it arrives: a table line, one JSON line, or one YAML document.
fn print_follow(output: Output, entry: &Entry) -> Result<(), Failure> {
    match output {
        Output::Table => {
            let cells = entry.cells();
            println!("{}", cells.join("  "));
        }
        Output::Json => println!("{}", serde_json::to_string(entry).unwrap_or_default()),
        Output::Yaml => println!("---\n{}", output::document(Output::Yaml, entry)?.trim_end()),
    }
    // A pipe holds lines back until its buffer fills; a follower wants each at once.
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    Ok(())
}
