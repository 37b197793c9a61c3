//! `praetor plan …` and `praetor approvals`: plans on the server of the current context.
//! Proposing reads a plan file (YAML or JSON, the fields of `ProposePlanInput` without `org`);
//! `watch` follows the `planEvents` subscription until the plan ends; on a terminal, with a
//! progress line (steps done of all, as a bar) kept under the events and redrawn in place.

use std::collections::BTreeSet;
use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{
    self, approval_requests, approve_plan, cancel_plan, execute_plan, get_plan, list_plans, plan_events, plan_hash,
    propose_plan, reject_plan, simulate_plan,
};
use super::output::{self, Output, RemoteFlags, Tabular, name, or_dash, table};
use super::remote::{Failure, Session};
use super::subscribe::Subscription;

const PLAN_FILE: &str = "A plan file (YAML or JSON; the organization is the context's):

  project: web                # or --project
  title: Raise the replica count
  runWhenApproved: true       # queue it as soon as it is approved
  steps:
    - id: scale               # optional, default step-N
      action: state.set
      params: { key: replicas, value: 3 }
      when: \"state.replicas < 3\"   # optional CEL condition
      onFailure: stop         # stop (default), continue or compensate
  # or a template: `template: NAME` with `args: {...}`";

#[derive(clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: PlanCommand,
}

#[derive(clap::Subcommand)]
pub enum PlanCommand {
    /// Propose a plan from a file: it is frozen with its preview, and waits for approval if
    /// policy asks for one.
    #[command(after_help = format!("Examples:\n  praetor plan propose -f plan.yaml\n  \
                                    praetor plan propose -f - --project web < plan.json\n\n{PLAN_FILE}"))]
    Propose {
        #[command(flatten)]
        source: PlanSource,
        /// Propose again with the same key and get the same plan back.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// What the decision pipeline says about a plan file, without proposing it.
    #[command(after_help = format!("Example:\n  praetor plan preview -f plan.yaml\n\n{PLAN_FILE}"))]
    Preview {
        #[command(flatten)]
        source: PlanSource,
    },
    /// Approve the current stage of a plan (needs `plan.approve`; not the proposer).
    #[command(after_help = "Examples:\n  praetor plan approve pln_0190…\n  \
                            praetor plan approve pln_0190… --hash 3f2a… --comment 'checked the diff'")]
    Approve {
        id: String,
        /// The plan hash you reviewed (`praetor plan get`); the approval signs it. Default: the
        /// plan's hash as the server has it now.
        #[arg(long)]
        hash: Option<String>,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Reject a plan waiting for approval (needs `plan.reject`).
    #[command(after_help = "Example:\n  praetor plan reject pln_0190… --comment 'not during the freeze'")]
    Reject {
        id: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Queue an approved plan for execution (needs `plan.execute`).
    #[command(after_help = "Example:\n  praetor plan run pln_0190… && praetor plan watch pln_0190…")]
    Run { id: String },
    /// Cancel a plan that has not finished (needs `plan.cancel`).
    #[command(after_help = "Example:\n  praetor plan cancel pln_0190… --reason 'superseded'")]
    Cancel {
        id: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// A plan: its steps, preview, approvals and progress.
    #[command(after_help = "Example:\n  praetor plan get pln_0190…\n  praetor plan get pln_0190… -o json | jq .status")]
    Get { id: String },
    /// A project's plans, newest first.
    #[command(after_help = "Examples:\n  praetor plan list --project web\n  \
                            praetor plan list --project web --status pending-approval -o json")]
    List {
        #[arg(long)]
        project: String,
        /// Only plans in this status (e.g. pending-approval, running, failed).
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 20)]
        first: i64,
    },
    /// Follow a plan as it goes: each event as it arrives (from its first), until it ends.
    /// Exits 0 when it ends, 1 when it ended FAILED or KILLED.
    #[command(after_help = "Examples:\n  praetor plan watch pln_0190…\n  \
                            praetor plan watch pln_0190… -o json   # one JSON object per line")]
    Watch { id: String },
}

#[derive(clap::Args)]
pub struct PlanSource {
    /// The plan file; `-` reads standard input.
    #[arg(short = 'f', long = "file")]
    file: PathBuf,
    /// The project (overrides the file's).
    #[arg(long)]
    project: Option<String>,
}

#[derive(clap::Args)]
pub struct ApprovalsArgs {
    #[command(flatten)]
    flags: RemoteFlags,
}

/// A plan file.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PlanFile {
    project: Option<String>,
    title: Option<String>,
    #[serde(default)]
    steps: Vec<StepFile>,
    template: Option<String>,
    args: Option<Value>,
    #[serde(default)]
    run_when_approved: bool,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StepFile {
    #[serde(default)]
    id: String,
    action: String,
    params: Option<Value>,
    when: Option<String>,
    #[serde(default)]
    on_failure: OnFailure,
}

#[derive(Deserialize, Default, Clone, Copy, Debug)]
#[serde(rename_all = "snake_case")]
enum OnFailure {
    #[default]
    Stop,
    Continue,
    Compensate,
}

/// Plan files are small; a larger one is a mistake (or an attack on the parser).
const MAX_PLAN_FILE: u64 = 1 << 20;

fn read_plan(source: &PlanSource) -> Result<(PlanFile, String), Failure> {
    let shown = source.file.display().to_string();
    let text = if source.file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .take(MAX_PLAN_FILE + 1)
            .read_to_string(&mut text)
            .map_err(|e| Failure::usage(format!("cannot read the plan from standard input: {e}")))?;
        text
    } else {
        let meta = std::fs::metadata(&source.file).map_err(|e| Failure::usage(format!("{shown}: {e}")))?;
        if meta.len() > MAX_PLAN_FILE {
            return Err(Failure::usage(format!("{shown}: a plan file is at most 1 MiB")));
        }
        std::fs::read_to_string(&source.file).map_err(|e| Failure::usage(format!("{shown}: {e}")))?
    };
    if text.len() as u64 > MAX_PLAN_FILE {
        return Err(Failure::usage(format!("{shown}: a plan file is at most 1 MiB")));
    }
    // The parser's message names the line and column.
    let plan: PlanFile = serde_saphyr::from_str(&text).map_err(|e| Failure::usage(format!("{shown}: {e}")))?;
    let project = source
        .project
        .clone()
        .or_else(|| plan.project.clone())
        .ok_or_else(|| Failure::usage(format!("{shown} names no project: add `project:` or pass --project")))?;
    if plan.steps.is_empty() && plan.template.is_none() {
        return Err(Failure::usage(format!("{shown} has neither steps nor a template")));
    }
    Ok((plan, project))
}

/// The same step input, typed per operation.
macro_rules! steps {
    ($module:ident, $steps:expr) => {
        $steps
            .iter()
            .map(|s| $module::StepInput {
                id: s.id.clone(),
                action: s.action.clone(),
                params: s.params.clone(),
                when: s.when.clone(),
                on_failure: match s.on_failure {
                    OnFailure::Stop => $module::OnFailureInput::STOP,
                    OnFailure::Continue => $module::OnFailureInput::CONTINUE,
                    OnFailure::Compensate => $module::OnFailureInput::COMPENSATE,
                },
            })
            .collect()
    };
}

/// The statuses a plan does not leave.
const FINAL: &[&str] = &["SUCCEEDED", "FAILED", "CANCELLED", "KILLED", "REJECTED", "EXPIRED"];

pub async fn run(file: Option<PathBuf>, args: PlanArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    // A bad file is found before the credential is even read (and standard input read once).
    let file_plan = match &args.command {
        PlanCommand::Propose { source, .. } | PlanCommand::Preview { source } => Some(read_plan(source)?),
        _ => None,
    };
    let parsed = move || file_plan.ok_or_else(|| Failure::local("no plan file was read"));
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    match args.command {
        PlanCommand::Propose { idempotency_key, .. } => {
            let (plan, project) = parsed()?;
            let input = propose_plan::ProposePlanInput {
                org,
                project,
                title: plan.title,
                steps: steps!(propose_plan, plan.steps),
                template: plan.template,
                args: plan.args,
                idempotency_key,
                run_when_approved: plan.run_when_approved,
            };
            let made = session.run::<client::ProposePlan>(propose_plan::Variables { input }).await?;
            detail(output, &made.propose_plan)?;
        }
        PlanCommand::Preview { .. } => {
            let (plan, project) = parsed()?;
            let input = simulate_plan::SimulatePlanInput {
                org,
                project,
                steps: steps!(simulate_plan, plan.steps),
                template: plan.template,
                args: plan.args,
            };
            let sim = session.run::<client::SimulatePlan>(simulate_plan::Variables { input }).await?.simulate_plan;
            if output != Output::Table {
                println!("{}", output::document(output, &sim)?.trim_end());
                return Ok(());
            }
            let p = &sim.preview;
            println!("Verdict {}, risk {}, cost {}", name(&p.verdict), name(&p.risk), p.cost);
            println!("Plan hash {}", sim.plan_hash);
            if !p.reason_codes.is_empty() {
                println!("Reasons: {}", p.reason_codes.join(", "));
            }
            let rows = p
                .steps
                .iter()
                .map(|s| {
                    let why = s.checks.iter().filter(|c| name(&c.verdict) != "ALLOWED").map(|c| c.code.clone());
                    vec![s.id.clone(), s.action.clone(), name(&s.verdict), name(&s.risk), s.cost.to_string(), {
                        let why: Vec<String> = why.collect();
                        if why.is_empty() { "-".into() } else { why.join(", ") }
                    }]
                })
                .collect();
            print!("{}", table(&["STEP", "ACTION", "VERDICT", "RISK", "COST", "WHY"], rows));
            for a in &p.approvals {
                println!("Needs approval: {} ({} of {}; rule {})", a.name, a.count, a.groups.join(", "), a.rule);
            }
            for c in p.checks.iter().filter(|c| name(&c.verdict) != "ALLOWED") {
                println!("{} {}: {}", c.name, c.code, c.message);
            }
        }
        PlanCommand::Approve { id, hash, comment } => {
            let plan_hash = match hash {
                Some(h) => h,
                None => session.run::<client::PlanHash>(plan_hash::Variables { id: id.clone() }).await?.plan.plan_hash,
            };
            let input = approve_plan::ApprovePlanInput { plan_id: id, plan_hash, comment };
            let done = session.run::<client::ApprovePlan>(approve_plan::Variables { input }).await?;
            detail(output, &done.approve_plan)?;
        }
        PlanCommand::Reject { id, comment } => {
            let input = reject_plan::RejectPlanInput { plan_id: id, comment };
            let done = session.run::<client::RejectPlan>(reject_plan::Variables { input }).await?;
            detail(output, &done.reject_plan)?;
        }
        PlanCommand::Run { id } => {
            let done = session.run::<client::ExecutePlan>(execute_plan::Variables { id }).await?;
            detail(output, &done.execute_plan)?;
        }
        PlanCommand::Cancel { id, reason } => {
            let input = cancel_plan::CancelPlanInput { plan_id: id, reason };
            let done = session.run::<client::CancelPlan>(cancel_plan::Variables { input }).await?;
            detail(output, &done.cancel_plan)?;
        }
        PlanCommand::Get { id } => {
            let plan = session.run::<client::GetPlan>(get_plan::Variables { id }).await?.plan;
            detail(output, &plan)?;
        }
        PlanCommand::List { project, status, first } => {
            let status = match status {
                None => None,
                Some(s) => Some(status_named(&s)?),
            };
            let vars = list_plans::Variables { org, project, first: Some(first), status };
            let data = session.run::<client::ListPlans>(vars).await?;
            output::list(output, &data.project.plans.nodes, "No plans.")?;
        }
        PlanCommand::Watch { id } => watch(&session, output, id).await?,
    }
    Ok(())
}

/// `pending-approval` (or `PENDING_APPROVAL`) as the schema's status.
fn status_named(text: &str) -> Result<list_plans::PlanStatus, Failure> {
    let wanted = text.trim().to_uppercase().replace('-', "_");
    match serde_json::from_value(Value::String(wanted)) {
        Ok(list_plans::PlanStatus::Other(_)) | Err(_) => Err(Failure::usage(format!(
            "--status {text:?} is not a plan status (draft, proposed, pending-approval, approved, rejected, expired, \
             queued, running, succeeded, failed, cancelled, killed)"
        ))),
        Ok(status) => Ok(status),
    }
}

/// How far a watched plan is: its steps, and those that finished (succeeded, skipped, or
/// failed with no retry coming), from its events.
#[derive(Default)]
struct Progress {
    total: Option<usize>,
    finished: BTreeSet<u64>,
    highest: Option<u64>,
}

impl Progress {
    fn observe(&mut self, kind: &str, data: &Value) {
        if kind == "Proposed" {
            self.total = data["steps"].as_u64().map(|n| n as usize);
        }
        let Some(index) = data["index"].as_u64() else { return };
        self.highest = Some(self.highest.map_or(index, |h| h.max(index)));
        let done = match kind {
            "StepSucceeded" | "StepSkipped" => true,
            "StepFailed" => data["retry_at"].is_null(),
            _ => false,
        };
        if done {
            self.finished.insert(index);
        }
    }

    /// `[######··············]  3/10 steps  RUNNING`
    fn line(&self, status: &str) -> String {
        const WIDTH: usize = 24;
        let total = self.total.or(self.highest.map(|h| h as usize + 1)).unwrap_or(0);
        let done = self.finished.len().min(total);
        let filled = (done * WIDTH).checked_div(total).unwrap_or(0);
        format!("[{}{}] {done}/{total} steps  {status}", "#".repeat(filled), "·".repeat(WIDTH - filled))
    }
}

/// `praetor plan watch`: prints each event as it arrives until the plan ends. On a terminal
/// (a table to a TTY) a progress line follows the events, redrawn in place; anything else
/// prints the events alone, as scripts read them.
async fn watch(session: &Session, output: Output, id: String) -> Result<(), Failure> {
    let vars = plan_events::Variables { id: id.clone(), after: None };
    let mut sub = Subscription::start::<client::PlanEvents>(session, vars).await?;
    let live = output == Output::Table && std::io::stdout().is_terminal();
    let mut progress = Progress::default();
    // Erases the progress line so an event line takes its place.
    const CLEAR: &str = "\r\x1b[2K";
    loop {
        let Some(update) = sub.next::<plan_events::ResponseData>().await? else {
            if live {
                println!();
            }
            return Err(Failure::local(format!("the server ended the subscription before plan {id} finished")));
        };
        let update = update.plan_events;
        let status = name(&update.status);
        match output {
            // One document per event, so a script reads them as they come.
            Output::Json => println!("{}", serde_json::to_string(&update).unwrap_or_default()),
            Output::Yaml => println!("---\n{}", output::document(Output::Yaml, &update)?.trim_end()),
            Output::Table => {
                let e = &update.event;
                let line =
                    format!("{:>4}  {}  {:<16}  {}{}", e.seq, e.occurred_at, status, e.kind, event_detail(&e.data));
                if live {
                    progress.observe(&e.kind, &e.data);
                    let mut out = std::io::stdout().lock();
                    let _ = write!(out, "{CLEAR}{line}\n{}", progress.line(&status));
                    let _ = out.flush();
                } else {
                    println!("{line}");
                }
            }
        }
        if FINAL.contains(&status.as_str()) {
            if live {
                // The last progress line stays, under the last event.
                println!();
            }
            sub.close().await;
            return match status.as_str() {
                "FAILED" | "KILLED" => Err(Failure::local(format!("plan {id} ended {status}"))),
                _ => {
                    if output == Output::Table {
                        println!("Plan {id} ended {status}.");
                    }
                    Ok(())
                }
            };
        }
    }
}

/// The parts of an event's data worth a glance on one line: its step, attempt, who, why.
fn event_detail(data: &Value) -> String {
    let mut parts = Vec::new();
    for key in ["step", "attempt", "by", "error", "reason"] {
        match &data[key] {
            Value::Null => {}
            Value::String(s) => parts.push(format!("{key}={s}")),
            Value::Object(o) => {
                if let Some(n) = o.get("name").and_then(Value::as_str) {
                    parts.push(format!("{key}={n}"));
                }
            }
            other => parts.push(format!("{key}={other}")),
        }
    }
    if parts.is_empty() { String::new() } else { format!("  {}", parts.join(" ")) }
}

/// `praetor approvals`: plans waiting for an approval stage the caller can give now.
pub async fn approvals(file: Option<PathBuf>, args: ApprovalsArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    let session = Session::open(file, args.flags.context).await?;
    let vars = approval_requests::Variables { org: session.context.org.clone() };
    let data = session.run::<client::ApprovalRequests>(vars).await?;
    output::list(output, &data.approval_requests, "Nothing waits for your approval.")
}

fn proposer<T: Serialize>(chain: &[T]) -> String {
    // The principal chain, outermost first: an agent acting for a person shows both.
    chain
        .iter()
        .filter_map(|a| serde_json::to_value(a).ok())
        .filter_map(|a| a["name"].as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join(" via ")
}

macro_rules! plan_rows {
    ($($t:ty),*) => {$(
        impl Tabular for $t {
            const HEADER: &'static [&'static str] = &["ID", "PROJECT", "STATUS", "VERDICT", "RISK", "COST", "TITLE", "PROPOSER"];
            fn cells(&self) -> Vec<String> {
                vec![
                    self.id.clone(),
                    self.project.slug.clone(),
                    name(&self.status),
                    name(&self.verdict),
                    name(&self.risk),
                    self.cost.to_string(),
                    self.title.clone(),
                    proposer(&self.proposer),
                ]
            }
        }
    )*};
}

plan_rows!(list_plans::PlanRow);

impl Tabular for approval_requests::ApprovalRequestsApprovalRequests {
    const HEADER: &'static [&'static str] = &["ID", "PROJECT", "STAGE", "RISK", "COST", "TITLE", "PROPOSER", "HASH"];
    fn cells(&self) -> Vec<String> {
        let stage = self.approval_stages.iter().find(|s| !s.satisfied);
        vec![
            self.id.clone(),
            self.project.slug.clone(),
            stage.map(|s| format!("{} ({})", s.name, s.groups.join(", "))).unwrap_or_else(|| "-".into()),
            name(&self.risk),
            self.cost.to_string(),
            self.title.clone(),
            proposer(&self.proposer),
            self.plan_hash.chars().take(12).collect(),
        ]
    }
}

/// A plan in full: the object as JSON or YAML, or a page for people.
trait Detail: Serialize {
    fn page(&self) -> String;
}

fn detail<T: Detail>(output: Output, plan: &T) -> Result<(), Failure> {
    match output {
        Output::Table => print!("{}", plan.page()),
        other => println!("{}", output::document(other, plan)?.trim_end()),
    }
    Ok(())
}

macro_rules! plan_pages {
    ($($t:ty),*) => {$(
        impl Detail for $t {
            fn page(&self) -> String {
                let mut out = format!("Plan {}  {}\n", self.id, self.title);
                out.push_str(&format!("  project:   {}\n", self.project.slug));
                out.push_str(&format!(
                    "  status:    {} (verdict {}, risk {}, cost {})\n",
                    name(&self.status), name(&self.verdict), name(&self.risk), self.cost
                ));
                out.push_str(&format!("  proposer:  {}\n", proposer(&self.proposer)));
                out.push_str(&format!("  hash:      {}\n", self.plan_hash));
                out.push_str(&format!("  policy:    {}\n", self.policy_version));
                out.push_str(&format!("  created:   {}\n", self.created_at));
                if let Some(at) = &self.expires_at {
                    out.push_str(&format!("  expires:   {at}\n"));
                }
                let rows = self
                    .steps
                    .iter()
                    .map(|s| {
                        let progress = self.progress.iter().find(|p| p.id == s.id);
                        let verdict = self.preview.steps.iter().find(|p| p.id == s.id).map(|p| name(&p.verdict));
                        vec![
                            s.id.clone(),
                            s.action.clone(),
                            verdict.unwrap_or_else(|| "-".into()),
                            progress.map(|p| name(&p.status)).unwrap_or_else(|| "-".into()),
                            progress.map(|p| p.attempts.to_string()).unwrap_or_else(|| "-".into()),
                            or_dash(progress.and_then(|p| p.error.as_deref())),
                        ]
                    })
                    .collect();
                out.push('\n');
                out.push_str(&table(&["STEP", "ACTION", "VERDICT", "STATUS", "ATTEMPTS", "ERROR"], rows));
                if !self.approval_stages.is_empty() {
                    out.push('\n');
                    let rows = self
                        .approval_stages
                        .iter()
                        .map(|a| {
                            let given: Vec<String> = a
                                .approvals
                                .iter()
                                .map(|x| format!("{} {}", name(&x.decision).to_lowercase(), x.approver))
                                .collect();
                            vec![
                                a.name.clone(),
                                a.groups.join(", "),
                                format!("{}/{}", a.approvals.len(), a.count),
                                if a.satisfied { "yes".into() } else { "no".into() },
                                if given.is_empty() { "-".into() } else { given.join("; ") },
                            ]
                        })
                        .collect();
                    out.push_str(&table(&["APPROVAL STAGE", "GROUPS", "GIVEN", "SATISFIED", "BY"], rows));
                }
                let refusals: Vec<String> = self
                    .preview
                    .checks
                    .iter()
                    .filter(|c| name(&c.verdict) != "ALLOWED")
                    .map(|c| format!("  {} {}: {}\n", c.name, c.code, c.message))
                    .chain(self.preview.steps.iter().flat_map(|s| {
                        s.checks
                            .iter()
                            .filter(|c| name(&c.verdict) != "ALLOWED")
                            .map(move |c| format!("  {} {} {}: {}\n", s.id, c.name, c.code, c.message))
                    }))
                    .collect();
                if !refusals.is_empty() {
                    out.push_str("\nPreview checks that did not simply allow it:\n");
                    out.push_str(&refusals.concat());
                }
                out
            }
        }
    )*};
}

plan_pages!(
    get_plan::PlanFields,
    propose_plan::PlanFields,
    approve_plan::PlanFields,
    reject_plan::PlanFields,
    execute_plan::PlanFields,
    cancel_plan::PlanFields
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_finished_steps_of_all() {
        let mut p = Progress::default();
        assert_eq!(p.line("PENDING_APPROVAL"), format!("[{}] 0/0 steps  PENDING_APPROVAL", "·".repeat(24)));
        p.observe("Proposed", &serde_json::json!({"type": "Proposed", "steps": 4}));
        p.observe("StepStarted", &serde_json::json!({"index": 0, "step": "a", "attempt": 1}));
        p.observe("StepSucceeded", &serde_json::json!({"index": 0, "step": "a"}));
        p.observe("StepFailed", &serde_json::json!({"index": 1, "step": "b", "retry_at": "2026-12-04T10:00:00Z"}));
        assert_eq!(p.line("RUNNING"), format!("[{}{}] 1/4 steps  RUNNING", "#".repeat(6), "·".repeat(18)));
        p.observe("StepSucceeded", &serde_json::json!({"index": 1, "step": "b"}));
        p.observe("StepSkipped", &serde_json::json!({"index": 2, "step": "c"}));
        p.observe("StepFailed", &serde_json::json!({"index": 3, "step": "d", "retry_at": null}));
        assert_eq!(p.line("FAILED"), format!("[{}] 4/4 steps  FAILED", "#".repeat(24)));
        // Without the proposal's count, the highest step seen stands in.
        let mut q = Progress::default();
        q.observe("StepStarted", &serde_json::json!({"index": 2}));
        assert!(q.line("RUNNING").ends_with("] 0/3 steps  RUNNING"), "{}", q.line("RUNNING"));
    }

    #[test]
    fn statuses_are_named_either_way_and_others_refused() {
        assert_eq!(status_named("pending-approval").unwrap(), list_plans::PlanStatus::PENDING_APPROVAL);
        assert_eq!(status_named("FAILED").unwrap(), list_plans::PlanStatus::FAILED);
        assert!(status_named("finished").unwrap_err().to_string().contains("not a plan status"));
    }

    #[test]
    fn a_plan_file_needs_a_project_and_something_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.yaml");
        std::fs::write(&path, "title: x\nsteps:\n  - action: state.set\n    params: {key: a, value: 1}\n").unwrap();
        let source = |project: Option<&str>| PlanSource { file: path.clone(), project: project.map(str::to_string) };
        assert!(read_plan(&source(None)).unwrap_err().to_string().contains("names no project"));
        let (plan, project) = read_plan(&source(Some("web"))).unwrap();
        assert_eq!(
            (project.as_str(), plan.steps[0].params.clone()),
            ("web", Some(serde_json::json!({"key": "a", "value": 1})))
        );
        std::fs::write(&path, "project: web\nstepz: []\n").unwrap();
        let e = read_plan(&source(None)).unwrap_err().to_string();
        assert!(e.contains("stepz") && e.contains("line 2"), "{e}");
    }
}
