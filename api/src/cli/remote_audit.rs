//! `praetor audit tail [-f]`: the newest entries of the organization's audit chain on the
//! server of the current context, then (with `-f`) each new entry as it is appended, from the
//! `auditEvents` subscription. `praetor audit remote export`: the chain from the server, line
//! for line as the local `praetor audit export` writes it. The other `praetor audit …`
//! commands work on the database.

use std::io::Write as _;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Value, json};

use super::audit::AuditCommand;
use super::client::{self, audit_events, audit_export, audit_log};
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
    /// The audit chain on the server of the current context (needs `audit.read`).
    Remote(RemoteAuditArgs),
}

#[derive(clap::Args)]
pub struct RemoteAuditArgs {
    #[command(subcommand)]
    command: RemoteAuditCommand,
}

#[derive(clap::Subcommand)]
pub enum RemoteAuditCommand {
    /// Write the organization's audit chain (or entries --from..=--to) oldest first, up to its
    /// head when the export began: JSON Lines exactly as `praetor audit export` writes them on
    /// the database (id, seq, time, actor, payload and the hashes), so the file verifies
    /// offline the same way. Read a page of 100 at a time and written as it comes.
    #[command(after_help = "Examples:\n  praetor audit remote export > acme-audit.jsonl\n  \
                            praetor audit remote export --from 1000 --to 1999 --out slice.jsonl\n  \
                            praetor audit remote export -o json | jq '.[-1].hash'")]
    Export(ExportArgs),
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The context to use (default: the current one; see `praetor context list`).
    #[arg(long)]
    context: Option<String>,
    /// jsonl (one entry a line, as `praetor audit export`) or json (one array).
    #[arg(short, long, value_enum, default_value = "jsonl")]
    output: ExportFormat,
    /// The first entry (its `seq`; default: the first).
    #[arg(long, default_value_t = 1)]
    from: i64,
    /// The last entry (default: the head when the export began).
    #[arg(long)]
    to: Option<i64>,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Json,
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

/// Entries per request: the API's largest page.
const EXPORT_PAGE: i64 = 100;

/// One entry as `praetor::audit::export::entry_json` writes it from the database: the same
/// keys (serde_json orders them), the time in UTC with microseconds, the actor chain as it was
/// hashed (its links' kind, id and name).
fn export_line(org_id: &str, e: audit_export::AuditExportOrgAuditLogNodes) -> Result<Value, Failure> {
    let at = chrono::DateTime::parse_from_rfc3339(&e.occurred_at)
        .map_err(|err| {
            Failure::local(format!("audit entry {}: its time {:?} does not read: {err}", e.seq, e.occurred_at))
        })?
        .to_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let actor: Vec<Value> = e
        .actor
        .iter()
        .map(|a| json!({"kind": output::name(&a.kind).to_lowercase(), "id": a.id, "name": a.name}))
        .collect();
    Ok(json!({
        "id": e.id,
        "org_id": org_id,
        "seq": e.seq,
        "occurred_at": at,
        "request_id": e.request_id,
        "actor": actor,
        "kind": e.kind,
        "subject": e.subject,
        "payload": e.payload,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }))
}

pub async fn remote(file: Option<PathBuf>, args: RemoteAuditArgs) -> Result<(), Failure> {
    let RemoteAuditCommand::Export(args) = args.command;
    if args.from < 1 {
        return Err(Failure::usage("--from counts from 1"));
    }
    if args.to.is_some_and(|to| to < args.from) {
        return Err(Failure::usage("--to must not be before --from"));
    }
    let session = Session::open(file, args.context).await?;
    let org = session.context.org.clone();
    // The head as it is now bounds the export: entries appended meanwhile wait for the next one.
    let vars = audit_export::Variables { org: org.clone(), first: 1, after: None };
    let newest = session.run::<client::AuditExport>(vars).await?.org;
    let head = newest.audit_log.nodes.first().map_or(0, |e| e.seq);
    let last = args.to.map_or(head, |to| to.min(head));
    let mut sink: Box<dyn std::io::Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| Failure::local(format!("cannot create {}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let failed = |e: std::io::Error| Failure::local(format!("cannot write the export: {e}"));
    let json = args.output == ExportFormat::Json;
    if json {
        sink.write_all(b"[").map_err(failed)?;
    }
    let mut written = 0u64;
    let mut start = args.from;
    while start <= last {
        // The log pages newest first below a cursor (a `seq`): the window [start, end] is the
        // page below end + 1, read backwards.
        let end = (start + EXPORT_PAGE - 1).min(last);
        let vars =
            audit_export::Variables { org: org.clone(), first: end - start + 1, after: Some((end + 1).to_string()) };
        let page = session.run::<client::AuditExport>(vars).await?.org;
        for e in page.audit_log.nodes.into_iter().rev().filter(|e| e.seq >= start) {
            let line = export_line(&page.id, e)?;
            let sep: &[u8] = match (json, written) {
                (false, _) => b"",
                (true, 0) => b"\n",
                (true, _) => b",\n",
            };
            sink.write_all(sep).map_err(failed)?;
            sink.write_all(line.to_string().as_bytes()).map_err(failed)?;
            if !json {
                sink.write_all(b"\n").map_err(failed)?;
            }
            written += 1;
        }
        start = end + 1;
    }
    if json {
        let close: &[u8] = if written == 0 { b"]\n" } else { b"\n]\n" };
        sink.write_all(close).map_err(failed)?;
    }
    sink.flush().map_err(failed)?;
    if args.out.is_some() {
        eprintln!("exported {written} entries");
    }
    Ok(())
}
