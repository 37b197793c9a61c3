//! The `praetor` command line. Parsing only; the work is in the library.

mod access;
mod audit;
mod bench;
mod client;
mod contexts;
mod controls;
mod grants;
mod orgs;
mod output;
mod plans;
mod policy;
mod projects;
mod remote;
mod remote_audit;
mod remote_keys;
mod remote_packs;
mod remote_policy;
mod scaffold;
mod schedule;
mod subscribe;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory as _, Parser, Subcommand};
use praetor::clock::SystemClock;
use praetor::config::Config;
use praetor::{AppState, services};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "praetor", version, about = "Governed execution control plane with a chat interface")]
struct Cli {
    /// A TOML configuration file (also PRAETOR_CONFIG).
    #[arg(long, global = true, env = "PRAETOR_CONFIG")]
    config: Option<PathBuf>,
    /// The command line's contexts and credentials (also PRAETOR_CLIENT_CONFIG; default
    /// ~/.config/praetor/client.yaml).
    #[arg(long, global = true, env = "PRAETOR_CLIENT_CONFIG")]
    client_config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    #[command(after_help = "Roles (many processes over one PostgreSQL database):\n  \
                            praetor serve                 the API and the work in one process (the default)\n  \
                            praetor serve --role api      the API, the web app and chat; no plan runs here\n  \
                            praetor serve --role worker   plans and background work; serves /healthz, /readyz, /metrics")]
    Serve {
        /// Address to listen on (overrides the configuration).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Seed the demo organization and users, enable dev sign-in.
        #[arg(long)]
        demo: bool,
        /// What this process does (overrides `role` in the configuration).
        #[arg(long, value_enum)]
        role: Option<praetor::config::Role>,
    },
    /// Run plans and background work only: `praetor serve --role worker`. Its address serves
    /// `/healthz`, `/readyz` and `/metrics`.
    #[command(
        after_help = "Example:\n  PRAETOR_DATABASE_URL=postgres://praetor@db/praetor praetor worker --listen 0.0.0.0:8081"
    )]
    Worker {
        /// Address of the health checks and metrics (overrides the configuration).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit log: verify, export and checkpoints on the database; `tail` and `remote
    /// export` on the server of the current context.
    Audit {
        #[command(subcommand)]
        command: remote_audit::AuditGroup,
    },
    /// Policy documents: validate, verify, apply, explain, diff on the database; `remote`
    /// apply, diff, versions, rollback, explain and proposals on the server of the current
    /// context.
    Policy {
        #[command(subcommand)]
        command: remote_policy::PolicyGroup,
    },
    /// Run a benchmark and print its figures.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Replay recorded plans without calling any handler; exit 1 on divergence.
    Replay {
        #[command(subcommand)]
        command: ReplayCommand,
    },
    /// Rollups: fold the audit chains again from a date.
    Rollups {
        #[command(subcommand)]
        command: RollupsCommand,
    },
    /// Encrypted secrets: verify they all decrypt, rotate to the newest master key.
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// Sign in to an organization on a server and keep it as the current context: at one of
    /// its identity providers in a browser (device authorization grant), or with an API key.
    #[command(after_help = "Examples:\n  praetor login --server https://praetor.example.com --org acme\n  \
                            praetor login --server http://127.0.0.1:8080 --org demo --api-key-stdin < key.txt")]
    Login(remote::LoginArgs),
    /// Forget a context and its credential (default: the current one).
    #[command(after_help = "Examples:\n  praetor logout\n  praetor logout --context ops")]
    Logout {
        #[arg(long)]
        context: Option<String>,
    },
    /// Who the current context (or --context) signs in as, checked with its server.
    #[command(after_help = "Examples:\n  praetor whoami\n  praetor whoami --context ops")]
    Whoami {
        #[arg(long)]
        context: Option<String>,
    },
    /// The contexts `praetor login` keeps.
    Context {
        #[command(subcommand)]
        command: remote::ContextCommand,
    },
    /// A project's scheduled plans on the server of the current context: list, create, pause,
    /// resume, delete.
    Schedule(schedule::ScheduleArgs),
    /// The organization's projects on the server of the current context: list, create.
    Project(projects::ProjectArgs),
    /// Plans on the server of the current context: propose, preview, approve, reject, run,
    /// cancel, get, list, watch.
    Plan(plans::PlanArgs),
    /// Plans waiting for an approval you can give now, on the server of the current context.
    #[command(after_help = "Examples:\n  praetor approvals\n  \
                            praetor approvals -o json | jq -r '.[].id' | xargs -n1 praetor plan get")]
    Approvals(plans::ApprovalsArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  praetor completions bash > ~/.local/share/bash-completion/completions/praetor\n  \
                            praetor completions zsh > \"${fpath[1]}/_praetor\"\n  \
                            praetor completions fish > ~/.config/fish/completions/praetor.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The emergency stop of a project or the organization on the server of the current
    /// context: status, engage, release.
    Killswitch(controls::KillSwitchArgs),
    /// Today's budget of the organization or a project on the server of the current context.
    #[command(after_help = "Examples:\n  praetor budget\n  praetor budget --project web -o json")]
    Budget(controls::BudgetArgs),
    /// The policy packs the organization of the current context may use: list, subscribe (pinned
    /// or following the latest), unsubscribe, and a version's impact before it takes effect.
    Pack(remote_packs::PackArgs),
    /// The organization's API keys on the server of the current context: list, create (the
    /// secret printed once), revoke.
    Key(remote_keys::KeyArgs),
    /// The organization's people, with their direct roles and groups, on the server of the
    /// current context.
    Member(access::MemberArgs),
    /// The organization's groups on the server of the current context: list, create, add,
    /// remove.
    Group(access::GroupArgs),
    /// Role bindings on the server of the current context: list, bind, unbind.
    Role(access::RoleArgs),
    /// Service accounts on the server of the current context: list, create.
    ServiceAccount(access::ServiceAccountArgs),
    /// The organizations you belong to on the server of the current context: list, get.
    Org(orgs::OrgArgs),
    /// Time-boxed role grants on the server of the current context: list, request, approve,
    /// reject, revoke.
    Grant(grants::GrantArgs),
    /// Starting points that validate as generated: an action, a policy, a plan template, a
    /// project's policy folder with CI, an external handler (Python, Node.js or Rust) with its tests.
    Scaffold {
        #[command(subcommand)]
        command: scaffold::ScaffoldCommand,
    },
}

#[derive(Subcommand)]
enum RollupsCommand {
    /// Drop the rollups from a UTC day on and fold the audit chain again from there (after an
    /// upgrade that counts something new, or to check them).
    #[command(after_help = "Example:\n  praetor rollups rebuild --org acme --from 2026-11-01")]
    Rebuild {
        /// Only this organization (default: all).
        #[arg(long)]
        org: Option<String>,
        /// The first UTC day to fold again (YYYY-MM-DD or an RFC 3339 instant).
        #[arg(long)]
        from: String,
    },
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Decrypt every data key and secret; exit 1 naming each that does not (never a value).
    Verify,
    /// Rewrap every data key under the newest master key (secrets.master_key, or PRAETOR_SECRETS__MASTER_KEY_FILE), each in its
    /// own audited transaction; run again to finish an interrupted rotation.
    Rotate,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// End-to-end governed plans per second, latency, replay speed.
    Engine {
        /// PostgreSQL server URL (a throwaway database is created on it); SQLite if omitted.
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 2000)]
        plans: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 16)]
        projects: usize,
        #[arg(long, default_value_t = 4)]
        workers: usize,
        /// Run the plans in this many child `praetor worker` processes (`workers` tasks each)
        /// instead of this process (PostgreSQL only).
        #[arg(long, default_value_t = 0)]
        worker_processes: usize,
    },
    /// Chat fan-out: publish-to-delivery latency to many websocket subscribers of one
    /// session, and memory per idle subscription.
    Chat {
        /// PostgreSQL server URL (a throwaway database is created on it); SQLite if omitted.
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 1000)]
        subscribers: usize,
        #[arg(long, default_value_t = 200)]
        events: usize,
    },
    /// The audit chain: verification speed (read and checked, and the hashing alone), the
    /// Merkle root, a signed checkpoint and an inclusion proof over `entries` entries.
    Audit {
        /// PostgreSQL server URL (a throwaway database is created on it); SQLite if omitted.
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 200000)]
        entries: usize,
        #[arg(long, default_value_t = 50)]
        samples: usize,
    },
    /// Rollups: audit entries folded per second, and the dashboard's queries over a year of
    /// daily buckets (p50, p99).
    Rollups {
        /// PostgreSQL server URL (a throwaway database is created on it); SQLite if omitted.
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 50000)]
        entries: usize,
        #[arg(long, default_value_t = 100)]
        projects: usize,
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// Mixed traffic (reads, deploys, two-stage approvals, chat with websocket followers)
    /// against a child `praetor serve` for a while: requests, errors, latency and the server's
    /// memory, minute by minute.
    Soak {
        /// PostgreSQL server URL (a throwaway database is created on it); SQLite if omitted.
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, default_value_t = 50)]
        subscribers: usize,
    },
    /// Identity-provider tokens: checks per second and latency with the provider's keys cached,
    /// against the test identity provider (Node, `tests/idp`).
    Tokens {
        #[arg(long, default_value_t = 20000)]
        tokens: usize,
        /// Where the test identity provider's script is.
        #[arg(long, default_value = "tests/idp")]
        idp_dir: std::path::PathBuf,
    },
    /// Outbound webhooks: deliveries per second to a local receiver, commit-to-delivery
    /// latency, and the outbox's cost to the engine's plans per second.
    Webhooks {
        /// PostgreSQL server URL (a throwaway database is created on it); SQLite if omitted.
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 20000)]
        deliveries: usize,
        /// Events committed one by one (at 200/s) for the latency figure.
        #[arg(long, default_value_t = 1000)]
        latency_events: usize,
        /// Plans for the engine comparison (each run on a fresh instance; shorter runs vary
        /// too much from one to the next to compare).
        #[arg(long, default_value_t = 2000)]
        plans: usize,
        /// Alternating runs of each engine variant; medians are compared.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// What metrics cost: plans per second and GraphQL reads per second with metrics on and
    /// off (alternating runs, medians), and `/metrics` scrape time with many projects labelled.
    Metrics {
        /// PostgreSQL server URL (a throwaway database is created on it); SQLite if omitted.
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 2000)]
        plans: usize,
        #[arg(long, default_value_t = 20000)]
        requests: usize,
        /// Alternating runs of each mode; medians are compared.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Projects (each with a waiting plan and a budget) for the scrape figure.
        #[arg(long, default_value_t = 1000)]
        projects: usize,
    },
    /// The GraphQL read path over HTTP: /healthz and an organization's first 20 projects
    /// with an API key, requests per second, p50/p99, and database statements per read.
    Api {
        /// PostgreSQL server URL (a throwaway database is created on it); SQLite if omitted.
        #[arg(long)]
        postgres: Option<String>,
        /// Requests per round.
        #[arg(long, default_value_t = 20000)]
        requests: usize,
        /// Concurrent connections, one run each (comma-separated).
        #[arg(long, value_delimiter = ',', default_values_t = [32, 64])]
        connections: Vec<usize>,
        /// Alternating rounds of /healthz and the read; medians are printed.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Governance decisions per second: RBAC (cached and uncached) and policy rules.
    Policy {
        #[arg(long, default_value_t = 1000)]
        rules: usize,
        #[arg(long, default_value_t = 10000)]
        bindings: usize,
        #[arg(long, default_value_t = 20000)]
        samples: usize,
    },
    /// Admission decisions per second with rate limits, a budget, a window and CEL rules
    /// active: in process, and through the database (SQLite, or PostgreSQL with --postgres).
    Governance {
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 200)]
        rules: usize,
        /// Decisions made in process.
        #[arg(long, default_value_t = 50000)]
        decisions: usize,
        /// Admissions through the database.
        #[arg(long, default_value_t = 5000)]
        db_decisions: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
}

#[derive(Subcommand)]
enum ReplayCommand {
    /// Replay one plan by id (`pln_…`).
    Plan { id: String },
    /// Replay every plan of a project and its state from empty.
    Project {
        slug: String,
        /// The organization (needed when several have a project with this slug).
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create the first organization and its administrator; prints an API key.
    Bootstrap {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
    },
}

/// Targets that would log credentials at their most verbose: the websocket library writes
/// every frame at trace level, `connection_init` with its bearer key included. When the filter
/// enables trace anywhere, they are held at debug.
const CREDENTIAL_LEAKING_TARGETS: &[&str] = &["tungstenite", "tokio_tungstenite"];

/// Logs to stderr (text or JSON); with `traces.otlp_endpoint`, spans are exported too and the
/// provider is answered, to be shut down (sending the last batch) at exit. A traces setting that
/// cannot be used stops the command with the reason.
fn init_tracing(config: &Config) -> Result<Option<opentelemetry_sdk::trace::SdkTracerProvider>, String> {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log.filter));
    if filter.max_level_hint().is_none_or(|max| max >= LevelFilter::TRACE) {
        for target in CREDENTIAL_LEAKING_TARGETS {
            if let Ok(directive) = format!("{target}=debug").parse() {
                filter = filter.add_directive(directive);
            }
        }
    }
    // The exporter's HTTP client runs its own runtime: it is built off this one.
    let traces = config.traces.clone();
    let provider = std::thread::spawn(move || praetor::traces::provider(&traces))
        .join()
        .map_err(|_| "starting the traces exporter failed".to_string())??;
    let otel = provider.as_ref().map(praetor::traces::layer);
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    if config.log.format == "json" {
        registry.with(fmt.json()).init();
    } else {
        registry.with(fmt).init();
    }
    Ok(provider)
}

#[tokio::main]
async fn main() -> ExitCode {
    praetor::install_crypto_provider();
    let cli = Cli::parse();
    // The client commands need no server configuration.
    let client = cli.client_config;
    let command = match cli.command {
        Command::Login(args) => return finished(remote::login(client, args).await),
        Command::Whoami { context } => return finished(remote::whoami(client, context).await),
        Command::Logout { context } => return finished(remote::logout(client, context)),
        Command::Context { command } => return finished(remote::context(client, command)),
        Command::Schedule(args) => return finished(schedule::run(client, args).await),
        Command::Project(args) => return finished(projects::run(client, args).await),
        Command::Plan(args) => return finished(plans::run(client, args).await),
        Command::Approvals(args) => return finished(plans::approvals(client, args).await),
        Command::Killswitch(args) => return finished(controls::killswitch(client, args).await),
        Command::Budget(args) => return finished(controls::budget(client, args).await),
        Command::Pack(args) => return finished(remote_packs::run(client, args).await),
        Command::Key(args) => return finished(remote_keys::run(client, args).await),
        Command::Member(args) => return finished(access::member(client, args).await),
        Command::Group(args) => return finished(access::group(client, args).await),
        Command::Role(args) => return finished(access::role(client, args).await),
        Command::ServiceAccount(args) => return finished(access::service_account(client, args).await),
        Command::Org(args) => return finished(orgs::run(client, args).await),
        Command::Grant(args) => return finished(grants::run(client, args).await),
        Command::Policy { command: remote_policy::PolicyGroup::Remote(args) } => {
            return finished(remote_policy::run(client, args).await);
        }
        Command::Audit { command: remote_audit::AuditGroup::Tail(args) } => {
            return finished(remote_audit::tail(client, args).await);
        }
        Command::Audit { command: remote_audit::AuditGroup::Remote(args) } => {
            return finished(remote_audit::remote(client, args).await);
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "praetor", &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        Command::Scaffold { command } => return scaffold::run(command),
        other => other,
    };
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let command = match command {
        Command::Worker { listen } => Command::Serve { listen, demo: false, role: Some(praetor::config::Role::Worker) },
        other => other,
    };
    if let Command::Serve { listen, demo, role } = &command {
        if let Some(l) = listen {
            config.listen = *l;
        }
        config.demo |= *demo;
        if let Some(r) = role {
            config.role = *r;
        }
        if let Err(e) = config.validate() {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let traces = match init_tracing(&config) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let code = match execute(command, config).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    };
    if let Some(provider) = traces {
        // Sends the spans still batched (the exporter's client blocks: off the async threads).
        let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
    }
    code
}

fn finished(done: Result<(), remote::Failure>) -> ExitCode {
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

async fn execute(command: Command, config: Config) -> praetor::error::Result<ExitCode> {
    match command {
        Command::Login(_)
        | Command::Logout { .. }
        | Command::Whoami { .. }
        | Command::Context { .. }
        | Command::Schedule(_)
        | Command::Project(_)
        | Command::Plan(_)
        | Command::Approvals(_)
        | Command::Killswitch(_)
        | Command::Budget(_)
        | Command::Pack(_)
        | Command::Key(_)
        | Command::Member(_)
        | Command::Group(_)
        | Command::Role(_)
        | Command::ServiceAccount(_)
        | Command::Org(_)
        | Command::Grant(_)
        | Command::Completions { .. }
        | Command::Scaffold { .. }
        | Command::Policy { command: remote_policy::PolicyGroup::Remote(_) }
        | Command::Audit { command: remote_audit::AuditGroup::Tail(_) | remote_audit::AuditGroup::Remote(_) } => {
            Err(praetor::error::Error::internal("client commands run before the server configuration is read"))
        }
        Command::Worker { .. } => Err(praetor::error::Error::internal("`worker` runs as `serve --role worker`")),
        Command::Schema => {
            print!("{}", praetor::graphql::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { .. } => {
            let listener = tokio::net::TcpListener::bind(config.listen).await.map_err(|e| {
                praetor::error::Error::validation("listen", format!("cannot listen on {}: {e}", config.listen))
            })?;
            let shutdown = CancellationToken::new();
            let signal = shutdown.clone();
            tokio::spawn(async move {
                wait_for_signal().await;
                tracing::info!("shutting down");
                signal.cancel();
            });
            praetor::run(config, listener, shutdown).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            AppState::init(config, Arc::new(SystemClock)).await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { command: AdminCommand::Bootstrap { org, email } } => {
            let app = AppState::init(config, Arc::new(SystemClock)).await?;
            let done = services::setup::bootstrap(&app, &org, &email).await?;
            println!("created organization `{}` with administrator {}", done.org.slug, done.admin.email);
            println!("API key (shown once): {}", done.api_key);
            // A link on which the administrator chooses a password for the web app (a person
            // who already belongs to other organizations keeps the password they have).
            let principal = praetor::auth::Principal::new(praetor::auth::Subject::User(done.admin.clone()));
            let access = app.authz.enter(&principal, done.org.clone()).await?;
            let permit = access.permit::<praetor::authz::ops::IdentityManage>(praetor::authz::Domain::Org)?;
            match services::accounts::reset_link(&app, &permit, &done.admin.email).await {
                Ok(issued) => {
                    let base = match app.config.identity.public_url.trim().trim_end_matches('/') {
                        "" => format!("http://{}", app.config.listen),
                        url => url.to_string(),
                    };
                    println!(
                        "Choose a password (link valid {} hours, shown once): {base}{}{}",
                        app.config.identity.invitation_ttl_hours,
                        services::accounts::INVITATION_PATH,
                        issued.token.expose()
                    );
                }
                Err(e) => println!("no password link: {e}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Secrets { command } => {
            let app = AppState::init(config, Arc::new(SystemClock)).await?;
            let (what, report) = match command {
                SecretsCommand::Verify => ("verified", praetor::secrets::verify(&app.db, &app.secrets).await?),
                SecretsCommand::Rotate => ("rewrapped", services::secrets::rotate(&app).await?),
            };
            for failure in &report.failures {
                println!("FAILED {failure}");
            }
            let done =
                if what == "verified" { report.data_keys + report.secrets + report.personal } else { report.rewrapped };
            println!(
                "{} data keys, {} secrets, {} authenticator secrets; {done} {what}; {} failed",
                report.data_keys,
                report.secrets,
                report.personal,
                report.failures.len()
            );
            if report.instance > 0 {
                let done = if what == "verified" { report.instance } else { report.instance_resealed };
                println!("{} instance key(s) (the audit checkpoint key); {done} {what}", report.instance);
            }
            Ok(if report.failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Audit { command: remote_audit::AuditGroup::Local(command) } => {
            let app = AppState::init(config, Arc::new(SystemClock)).await?;
            audit::run(&app, command).await
        }
        Command::Rollups { command: RollupsCommand::Rebuild { org, from } } => {
            use praetor_store::Owned;
            let from = parse_day(&from)?;
            let app = AppState::init(config, Arc::new(SystemClock)).await?;
            for o in orgs_named(&app, org).await? {
                let n = services::rollups::rebuild(&app, o.tenant(), from).await?;
                println!("{}: {n} audit entries folded from {}", o.slug, from.format("%Y-%m-%d"));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command: BenchCommand::Engine { postgres, plans, concurrency, projects, workers, worker_processes },
        } => {
            let target = bench::Target::new(postgres);
            let figures = bench::engine(target, plans, concurrency, projects, workers, worker_processes).await?;
            for line in figures.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy { command: remote_policy::PolicyGroup::Local(command) } => {
            policy::run(command, async || AppState::init(config, Arc::new(SystemClock)).await).await
        }
        Command::Bench {
            command: BenchCommand::Governance { postgres, rules, decisions, db_decisions, concurrency },
        } => {
            let target = bench::Target::new(postgres);
            let figures = bench::policy::run(target, rules, decisions, db_decisions, concurrency).await?;
            for line in figures.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Webhooks { postgres, deliveries, latency_events, plans, rounds } } => {
            let target = bench::Target::new(postgres);
            for line in bench::webhooks::run(target, deliveries, latency_events, plans, rounds).await?.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Metrics { postgres, plans, requests, rounds, projects } } => {
            let target = bench::Target::new(postgres);
            for line in bench::metrics::run(target, plans, requests, rounds, projects).await?.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Api { postgres, requests, connections, rounds } } => {
            let target = bench::Target::new(postgres);
            for line in bench::api::run(target, requests, connections, rounds).await?.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Tokens { tokens, idp_dir } } => {
            for line in bench::tokens::run(tokens, idp_dir).await?.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Audit { postgres, entries, samples } } => {
            let target = bench::Target::new(postgres);
            for line in bench::audit::run(target, entries, samples).await?.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Rollups { postgres, entries, projects, samples } } => {
            let target = bench::Target::new(postgres);
            for line in bench::rollups::run(target, entries, projects, samples).await?.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Chat { postgres, subscribers, events } } => {
            let target = bench::Target::new(postgres);
            for line in bench::chat::chat(target, subscribers, events).await?.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Soak { postgres, minutes, concurrency, subscribers } } => {
            let target = bench::Target::new(postgres);
            for line in bench::soak::soak(target, minutes, concurrency, subscribers).await?.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Policy { rules, bindings, samples } } => {
            for line in bench::policy(rules, bindings, samples).await?.lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay { command } => {
            let app = AppState::init(config, Arc::new(SystemClock)).await?;
            replay_command(&app, command).await
        }
    }
}

/// `YYYY-MM-DD` (a UTC day) or an RFC 3339 instant.
fn parse_day(text: &str) -> praetor::error::Result<chrono::DateTime<chrono::Utc>> {
    let bad =
        || praetor::error::Error::validation("from", format!("`{text}` is neither YYYY-MM-DD nor an RFC 3339 instant"));
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(text.trim()).map(|t| t.to_utc()).map_err(|_| bad())
}

/// The organization named `slug`, or every organization.
pub(crate) async fn orgs_named(
    app: &AppState,
    slug: Option<String>,
) -> praetor::error::Result<Vec<praetor_store::org::Model>> {
    use praetor_store::{Housekeeping, org};
    let orgs = org::listed(&app.db, Housekeeping::Cli, slug.as_deref()).await?;
    if orgs.is_empty()
        && let Some(slug) = slug
    {
        return Err(praetor::error::Error::not_found(format!("organization `{slug}`")));
    }
    Ok(orgs)
}

fn print_report(r: &praetor::engine::replay::Report) -> bool {
    match &r.divergence {
        None => {
            println!(
                "{}: identical ({} events, {} decisions re-decided, state {})",
                r.subject,
                r.events,
                r.decisions_checked,
                r.state_hash.as_deref().unwrap_or("unchanged")
            );
            true
        }
        Some(d) => {
            println!("{}: DIVERGED at event {}: {}", r.subject, d.at_event, d.reason);
            if let (Some(a), Some(b)) = (&d.recorded, &d.recomputed) {
                println!("    recorded   {a}\n    recomputed {b}");
            }
            false
        }
    }
}

async fn replay_command(app: &AppState, command: ReplayCommand) -> praetor::error::Result<ExitCode> {
    use praetor::engine::replay;
    use praetor_store::{Housekeeping, Owned, PlanId, plan, project};
    let reports = match command {
        ReplayCommand::Plan { id } => {
            let id: PlanId = praetor::services::validate::id("id", &id)?;
            let p = plan::find_anywhere(&app.db, Housekeeping::Cli, id).await?.ok_or_else(replay::not_found)?;
            vec![replay::replay_plan(&app.db, &app.policies, &p).await?]
        }
        ReplayCommand::Project { slug, org } => {
            let org = match org {
                Some(o) => Some(
                    praetor_store::org::by_slug(&app.db, Housekeeping::Cli, &o)
                        .await?
                        .ok_or_else(|| praetor::error::Error::not_found(format!("organization `{o}`")))?
                        .id,
                ),
                None => None,
            };
            let found = project::by_slug_anywhere(&app.db, Housekeeping::Cli, &slug, org).await?;
            let p = match found.as_slice() {
                [one] => one.clone(),
                [] => {
                    return Err(praetor::error::Error::not_found(format!("project `{slug}`")));
                }
                _ => {
                    return Err(praetor::error::Error::validation(
                        "org",
                        "several organizations have this project; pass --org",
                    ));
                }
            };
            replay::replay_project_plans(&app.db, &app.policies, p.tenant(), p.id).await?
        }
    };
    let mut ok = true;
    for r in &reports {
        ok &= print_report(r);
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

async fn wait_for_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
