//! `praetor policy …`: validate, verify, apply, explain and diff policy documents from the
//! command line. Exit codes: 0 clean, 1 findings, 2 unusable input.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Subcommand, ValueEnum};
use praetor_policy::diag::{render_human, render_json, render_sarif};
use praetor_policy::{CompileContext, Diagnostic, Tree, VerifyContext};

use praetor::AppState;
use praetor::error::{Error, Result};
use praetor::governance::policy::{action_names, builtins, role_permissions};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Parse and check documents (files or folders): schema and semantic checks.
    Validate {
        paths: Vec<PathBuf>,
        /// The organization the documents belong to (refuses documents naming another).
        #[arg(long)]
        org: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Validate, then verify statically (unknown actions, dead rules, conflicts, windows that
    /// never open, unsatisfiable approvals, looser projects, escalation paths). With `--org`,
    /// the organization's groups and members are read from the database.
    Verify {
        paths: Vec<PathBuf>,
        #[arg(long)]
        org: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Store the documents as new policy versions (the organization's, and each project's the
    /// bundle contains), as the user `--as`.
    Apply {
        paths: Vec<PathBuf>,
        #[arg(long)]
        org: String,
        /// Apply to this project only.
        #[arg(long)]
        project: Option<String>,
        /// E-mail of the member applying (needs `policy.write`).
        #[arg(long = "as")]
        actor: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// How an action would be decided in a project now, rule by rule.
    Explain {
        #[arg(long)]
        org: String,
        #[arg(long)]
        project: String,
        #[arg(long)]
        action: String,
        /// Parameters as JSON.
        #[arg(long, default_value = "{}")]
        params: String,
        /// E-mail of the member asking (decisions depend on who asks).
        #[arg(long = "as")]
        actor: String,
    },
    /// Which rule verdicts change between two sets of documents.
    Diff { old: PathBuf, new: PathBuf },
    /// Policy packs the instance publishes for every organization: publish a version, list
    /// the packs, show a pack's versions.
    Pack {
        #[command(subcommand)]
        command: PackCommand,
    },
}

#[derive(Subcommand)]
pub enum PackCommand {
    /// Publish the documents (files or folders) as the next version of the pack NAME (created
    /// with its first version), for every organization. Followers move on to it at
    /// `--effective-at` (default and earliest: `policy_pack_notice_seconds` from now).
    ///
    /// Example: praetor policy pack publish baseline packs/baseline --notes "deny prod deletes"
    Publish {
        name: String,
        paths: Vec<PathBuf>,
        #[arg(long, default_value = "")]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        notes: String,
        /// RFC 3339 time, e.g. 2026-12-24T00:00:00Z.
        #[arg(long)]
        effective_at: Option<String>,
    },
    /// Every pack on the instance: publisher, newest version, subscribing organizations.
    List,
    /// A pack's versions, newest first.
    Versions { name: String },
}

fn print(diags: &[Diagnostic], format: Format) {
    match format {
        Format::Human => {
            let text = render_human(diags);
            if text.is_empty() {
                println!("no problems found");
            } else {
                print!("{text}");
            }
        }
        Format::Json => println!("{}", render_json(diags)),
        Format::Sarif => println!("{}", render_sarif(diags)),
    }
}

fn compile(paths: &[PathBuf], org: Option<&str>) -> std::result::Result<Tree, Vec<Diagnostic>> {
    let (sources, mut diags) = praetor_policy::load::load_paths(paths);
    let ctx = CompileContext { builtins: builtins(), org: org.map(str::to_string), ..Default::default() };
    match Tree::compile(&sources, &ctx) {
        Ok(tree) if diags.is_empty() => Ok(tree),
        Ok(_) => Err(diags),
        Err(more) => {
            diags.extend(more);
            Err(diags)
        }
    }
}

/// True when the input could not be read at all (2), rather than having problems (1).
fn unusable(diags: &[Diagnostic]) -> bool {
    diags
        .iter()
        .any(|d| d.code == "PV001" && d.message.starts_with("cannot read") || d.message == "no such file or folder")
}

fn exit_for(diags: &[Diagnostic]) -> ExitCode {
    if unusable(diags) {
        ExitCode::from(2)
    } else if diags.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs a policy command. `app` is opened only for commands that need the database.
pub async fn run(command: PolicyCommand, open: impl AsyncFnOnce() -> Result<Arc<AppState>>) -> Result<ExitCode> {
    match command {
        PolicyCommand::Validate { paths, org, format } => {
            let diags = match compile(&paths, org.as_deref()) {
                Ok(_) => Vec::new(),
                Err(d) => d,
            };
            print(&diags, format);
            Ok(exit_for(&diags))
        }
        PolicyCommand::Verify { paths, org, format } => {
            let tree = match compile(&paths, org.as_deref()) {
                Ok(t) => t,
                Err(d) => {
                    print(&d, format);
                    return Ok(exit_for(&d));
                }
            };
            let mut ctx = VerifyContext {
                actions: action_names(Some(&tree.base)),
                role_permissions: role_permissions(),
                org_set: Some(Arc::new(tree.base.clone())),
                ..Default::default()
            };
            let groups_known = match &org {
                Some(slug) => {
                    let app = open().await?;
                    let (groups, proposers) = org_groups(&app, slug).await?;
                    ctx.groups = groups;
                    ctx.proposers = proposers;
                    true
                }
                None => false,
            };
            let mut findings = praetor_policy::verify(&tree.base, &ctx);
            for set in tree.projects.values() {
                findings.extend(praetor_policy::verify(set, &ctx));
            }
            if !groups_known {
                // Without the organization, group membership is unknown: do not guess.
                findings.retain(|d| !matches!(d.code, "PV104" | "PV105" | "PV106"));
            }
            print(&findings, format);
            Ok(exit_for(&findings))
        }
        PolicyCommand::Apply { paths, org, project, actor, comment } => {
            let (sources, diags) = praetor_policy::load::load_paths(&paths);
            if !diags.is_empty() {
                print(&diags, Format::Human);
                return Ok(exit_for(&diags));
            }
            let app = open().await?;
            let access = enter_as(&app, &org, &actor).await?;
            let project = match &project {
                Some(slug) => Some(praetor::services::projects::find_by_slug(&app, &access, slug).await?),
                None => None,
            };
            match praetor::services::policies::apply(&app, &access, project.as_ref(), sources, &comment).await {
                Ok(applied) => {
                    for v in &applied.versions {
                        println!("applied {} version {} ({})", v.label, v.version, &v.hash[..12]);
                    }
                    if applied.versions.is_empty() {
                        println!("nothing changed");
                    }
                    if !applied.warnings.is_empty() {
                        print!("{}", render_human(&applied.warnings));
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(Error::PolicyInvalid(d)) => {
                    print(&d, Format::Human);
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e),
            }
        }
        PolicyCommand::Explain { org, project, action, params, actor } => {
            let params: serde_json::Value =
                serde_json::from_str(&params).map_err(|e| Error::validation("params", e.to_string()))?;
            let app = open().await?;
            let access = enter_as(&app, &org, &actor).await?;
            let p = praetor::services::projects::find_by_slug(&app, &access, &project).await?;
            let (policy, step, traces) =
                praetor::services::policies::explain(&app, &access, &p, &action, params).await?;
            println!(
                "{action} in {org}/{project} under policy {}: {}",
                policy.label,
                step.verdict.as_str().to_uppercase()
            );
            for c in &step.checks {
                let at = c.rule.as_ref().map(|r| format!("  [{} {}:{}]", r.rule, r.file, r.line)).unwrap_or_default();
                println!("  {:<10} {:<18} {}{at}", c.name, c.code, c.message);
            }
            println!("rules consulted:");
            for r in &traces.reasons {
                let mark = if traces.decided_by.as_ref().is_some_and(|d| d.rule == r.rule && d.policy == r.policy) {
                    "=>"
                } else {
                    "  "
                };
                let note = r.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
                println!(
                    "  {mark} {}/{} [{} {}] {} {}:{}{note}",
                    r.policy,
                    r.rule,
                    r.level.as_str(),
                    r.effect.as_str(),
                    if r.matched { "matched" } else { "did not match" },
                    r.file,
                    r.line
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Pack { command } => pack(command, open).await,
        PolicyCommand::Diff { old, new } => {
            let a = compile(&[old], None);
            let b = compile(&[new], None);
            let (a, b) = match (a, b) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(d), _) | (_, Err(d)) => {
                    print(&d, Format::Human);
                    return Ok(ExitCode::from(2));
                }
            };
            let mut changes = praetor_policy::diff::diff(&a.base, &b.base);
            let names: std::collections::BTreeSet<_> = a.projects.keys().chain(b.projects.keys()).cloned().collect();
            for n in names {
                let empty = praetor_policy::PolicySet::empty();
                changes.extend(praetor_policy::diff::diff(
                    a.projects.get(&n).unwrap_or(&empty),
                    b.projects.get(&n).unwrap_or(&empty),
                ));
            }
            if changes.is_empty() {
                println!("no rule changes");
            }
            for c in &changes {
                let when = c.when.as_ref().map(|w| format!(" when {w}")).unwrap_or_default();
                println!(
                    "{:<8} {}/{} on {}{when}: {} -> {}",
                    c.kind,
                    c.policy,
                    c.rule,
                    c.actions.join(","),
                    c.before.as_deref().unwrap_or("(none)"),
                    c.after.as_deref().unwrap_or("(none)")
                );
            }
            Ok(if changes.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

async fn pack(command: PackCommand, open: impl AsyncFnOnce() -> Result<Arc<AppState>>) -> Result<ExitCode> {
    use praetor::services::policy_packs;
    use praetor_store::{policy_pack, policy_pack_subscription, policy_pack_version};
    match command {
        PackCommand::Publish { name, paths, title, description, notes, effective_at } => {
            let (sources, diags) = praetor_policy::load::load_paths(&paths);
            if !diags.is_empty() {
                print(&diags, Format::Human);
                return Ok(exit_for(&diags));
            }
            let effective_at = match effective_at {
                Some(t) => Some(
                    chrono::DateTime::parse_from_rfc3339(&t)
                        .map_err(|e| {
                            Error::validation(
                                "--effective-at",
                                format!("{t}: {e} (RFC 3339, e.g. 2026-12-24T00:00:00Z)"),
                            )
                        })?
                        .with_timezone(&chrono::Utc),
                ),
                None => None,
            };
            let app = open().await?;
            let input = policy_packs::Publish { name, title, description, sources, notes, effective_at };
            match policy_packs::publish(&app, policy_packs::Publisher::Operator, input).await {
                Ok(p) => {
                    let subscribers = policy_pack_subscription::of_pack(&app.db, p.pack.id).await?.len();
                    println!(
                        "published {} version {} ({}); followers move on to it at {}; {subscribers} subscribing organization(s) told",
                        p.pack.name,
                        p.version.version,
                        &p.version.hash[..12],
                        p.version.effective_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(Error::PolicyInvalid(d)) => {
                    print(&d, Format::Human);
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e),
            }
        }
        PackCommand::List => {
            let app = open().await?;
            println!("{:<32} {:<20} {:>7} {:>11}", "NAME", "PUBLISHER", "LATEST", "SUBSCRIBERS");
            for p in policy_pack::every(&app.db).await? {
                let latest = policy_pack_version::newest(&app.db, p.id).await?.map(|v| v.version).unwrap_or(0);
                let subscribers = policy_pack_subscription::of_pack(&app.db, p.id).await?.len();
                let publisher = match p.owner_org_id {
                    None => "instance".to_string(),
                    Some(o) => praetor_store::org::of(
                        &app.db,
                        praetor_store::Tenant::housekeeping(o, praetor_store::Housekeeping::Cli),
                    )
                    .await?
                    .map(|o| o.slug)
                    .unwrap_or_default(),
                };
                println!("{:<32} {publisher:<20} {latest:>7} {subscribers:>11}", p.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        PackCommand::Versions { name } => {
            let app = open().await?;
            let p = policy_pack::by_name(&app.db, &name)
                .await?
                .ok_or_else(|| Error::not_found(format!("policy pack {name}")))?;
            println!("{:>7}  {:<12}  {:<20}  {:<20}  NOTES", "VERSION", "HASH", "PUBLISHED", "EFFECTIVE");
            for v in policy_pack_version::newest_first(&app.db, p.id, 1000).await? {
                println!(
                    "{:>7}  {:<12}  {:<20}  {:<20}  {}",
                    v.version,
                    &v.hash[..12],
                    v.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    v.effective_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    v.notes
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn enter_as(app: &AppState, org: &str, email: &str) -> Result<praetor::authz::OrgAccess> {
    let user = praetor::services::users::find_by_email(&app.db, &email.to_ascii_lowercase())
        .await?
        .ok_or_else(|| Error::not_found(format!("user {email}")))?;
    let principal = praetor::auth::Principal::new(praetor::auth::Subject::User(user));
    praetor::services::orgs::enter_by_slug(app, &principal, org).await
}

async fn org_groups(
    app: &AppState,
    slug: &str,
) -> Result<(BTreeMap<String, std::collections::BTreeSet<String>>, std::collections::BTreeSet<String>)> {
    use praetor_store::{Housekeeping, Owned, group, group_member, org, user};
    let o = org::by_slug(&app.db, Housekeeping::Cli, slug)
        .await?
        .ok_or_else(|| Error::not_found(format!("organization `{slug}`")))?;
    let groups = group::all(&app.db, o.tenant()).await?;
    let members = group_member::all(&app.db, o.tenant()).await?;
    let users: BTreeMap<_, _> =
        user::by_ids(&app.db, members.iter().map(|m| m.user_id)).await?.into_iter().map(|u| (u.id, u.email)).collect();
    let mut out: BTreeMap<String, std::collections::BTreeSet<String>> =
        groups.iter().map(|g| (g.name.clone(), Default::default())).collect();
    for m in members {
        if let (Some(g), Some(e)) = (groups.iter().find(|g| g.id == m.group_id), users.get(&m.user_id)) {
            out.entry(g.name.clone()).or_default().insert(e.clone());
        }
    }
    Ok((out, Default::default()))
}
