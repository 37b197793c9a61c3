//! `praetor audit`: verify chains (against kept checkpoints too), export them, sign checkpoints
//! and export those.

use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use praetor::error::{Error, Result};
use praetor::services::checkpoints::{self, Published};
use praetor::{AppState, audit};
use praetor_store::{Housekeeping, Owned, org};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify audit hash chains; exits 1 and names the first broken entry if one is. With
    /// --checkpoints, also check the chains against signed checkpoints kept elsewhere: a chain
    /// truncated or rewritten after one is found even when it verifies by itself.
    #[command(after_help = "Examples:\n  praetor audit verify\n  \
                            praetor audit verify --org acme --checkpoints acme-checkpoints.jsonl\n  \
                            praetor audit verify --checkpoints all.jsonl --key BASE64_PUBLIC_KEY")]
    Verify {
        /// Only this organization (default: all).
        #[arg(long)]
        org: Option<String>,
        /// JSON Lines of checkpoints, as `praetor audit checkpoints` writes them.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// The instance's public key (base64) the checkpoints must be signed with (default:
        /// the key each names).
        #[arg(long)]
        key: Option<String>,
    },
    /// Write an organization's audit log as JSON Lines.
    Export {
        #[arg(long)]
        org: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Sign a checkpoint of every organization's chain (or one's) now, where it moved.
    Checkpoint {
        /// Only this organization (default: all).
        #[arg(long)]
        org: Option<String>,
    },
    /// Write an organization's signed checkpoints as JSON Lines, to keep elsewhere.
    Checkpoints {
        #[arg(long)]
        org: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn sink(out: &Option<PathBuf>) -> Result<Box<dyn std::io::Write>> {
    Ok(match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| Error::validation("out", format!("cannot create {}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    })
}

/// The checkpoints of a JSON Lines file, each with its line number; a line that does not read
/// is named with its place.
fn read_checkpoints(path: &PathBuf) -> Result<Vec<(usize, Published)>> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::validation("checkpoints", format!("cannot open {}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::validation("checkpoints", format!("{}:{}: {e}", path.display(), i + 1)))?;
        if line.trim().is_empty() {
            continue;
        }
        let kept: Published = serde_json::from_str(&line).map_err(|e| {
            Error::validation("checkpoints", format!("{}:{}: not a checkpoint: {e}", path.display(), i + 1))
        })?;
        out.push((i + 1, kept));
    }
    Ok(out)
}

pub async fn run(app: &AppState, command: AuditCommand) -> Result<ExitCode> {
    let find = |slug: String| async move {
        org::by_slug(&app.db, Housekeeping::Cli, &slug.clone())
            .await?
            .ok_or_else(|| Error::not_found(format!("organization `{slug}`")))
    };
    match command {
        AuditCommand::Verify { org, checkpoints, key } => {
            let kept = checkpoints.as_ref().map(read_checkpoints).transpose()?;
            let orgs = super::orgs_named(app, org).await?;
            let mut broken = 0;
            for o in &orgs {
                let report = audit::verify::verify_org(&app.db, o.tenant()).await?;
                match &report.first_broken {
                    None => println!("{}: ok ({} entries)", o.slug, report.entries),
                    Some(b) => {
                        broken += 1;
                        println!("{}: BROKEN at entry {} {}: {}", o.slug, b.seq, b.id, b.reason);
                    }
                }
                let Some(kept) = &kept else { continue };
                let mine: Vec<_> = kept.iter().filter(|(_, c)| c.org_id == o.id.to_string()).collect();
                let mut held = 0;
                for (line, c) in &mine {
                    let tenant = praetor_store::Tenant::housekeeping(o.id, Housekeeping::Checkpoints);
                    match checkpoints::check(app, tenant, c, key.as_deref()).await? {
                        None => held += 1,
                        Some(problem) => {
                            broken += 1;
                            println!(
                                "{}: BROKEN against the checkpoint at entry {} (line {line}): {problem}",
                                o.slug, c.seq
                            );
                        }
                    }
                }
                if held > 0 {
                    println!("{}: {held} checkpoint(s) hold", o.slug);
                }
            }
            if let Some(kept) = &kept {
                let known: Vec<String> = orgs.iter().map(|o| o.id.to_string()).collect();
                let strays = kept.iter().filter(|(_, c)| !known.contains(&c.org_id)).count();
                if strays > 0 {
                    println!("{strays} checkpoint(s) of organizations not verified here were skipped");
                }
            }
            Ok(if broken == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        AuditCommand::Export { org, out } => {
            let o = find(org).await?;
            let mut sink = sink(&out)?;
            let n = audit::export::export_org(&app.db, o.tenant(), &mut sink).await?;
            sink.flush().map_err(Error::internal)?;
            if out.is_some() {
                eprintln!("exported {n} entries");
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Checkpoint { org } => {
            let mut refused = 0;
            for o in super::orgs_named(app, org).await? {
                let before = praetor_store::audit_checkpoint::newest(&app.db, o.tenant()).await?.map(|c| c.seq);
                let tenant = praetor_store::Tenant::housekeeping(o.id, Housekeeping::Checkpoints);
                match checkpoints::create_in(app, tenant, None).await {
                    Ok(Some(c)) if Some(c.seq) == before => {
                        println!("{}: unchanged since the checkpoint at entry {}", o.slug, c.seq)
                    }
                    Ok(Some(c)) => {
                        println!("{}: checkpoint at entry {}, root {}, key {}", o.slug, c.seq, c.root, c.key_id)
                    }
                    Ok(None) => println!("{}: no entries yet", o.slug),
                    Err(e) => {
                        refused += 1;
                        println!("{}: REFUSED: {e}", o.slug);
                    }
                }
            }
            Ok(if refused == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        AuditCommand::Checkpoints { org, out } => {
            let o = find(org).await?;
            let mut sink = sink(&out)?;
            let mut before = None;
            let mut all = Vec::new();
            loop {
                let page = praetor_store::audit_checkpoint::page(&app.db, o.tenant(), before, 500).await?;
                let Some(last) = page.last() else { break };
                before = Some(last.seq);
                all.extend(page);
            }
            // Oldest first, as they were signed.
            for c in all.iter().rev() {
                let line = serde_json::to_string(&Published::from(c)).map_err(Error::internal)?;
                writeln!(sink, "{line}").map_err(Error::internal)?;
            }
            sink.flush().map_err(Error::internal)?;
            if out.is_some() {
                eprintln!("exported {} checkpoints", all.len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
