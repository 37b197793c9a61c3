//! The assistant's words: what a proposal means, what a plan will do, where it stands. Plain
//! text a person reads in the chat; the structured events beside it carry the same facts for
//! a client to draw cards from.

use std::fmt::Write as _;

use praetor_store::plan;

use crate::chatlog::model::ProposalRecord;
use crate::governance::pipeline::{Check, PlanDecision, Verdict};
use praetor_domain::plan::{PlanStatus, Step};
use praetor_domain::reducer::PlanView;

/// The checks that did not pass, most serious first.
fn failing(decision: &PlanDecision) -> Vec<&Check> {
    let mut out: Vec<&Check> = decision.all_checks().filter(|c| c.verdict == Verdict::Denied).collect();
    out.extend(decision.all_checks().filter(|c| c.verdict == Verdict::NeedsApproval));
    out
}

fn stages(decision: &PlanDecision) -> String {
    decision
        .approvals
        .iter()
        .map(|s| format!("{} of {}", s.count, s.groups.join(" or ")))
        .collect::<Vec<_>>()
        .join(", then ")
}

/// The answer to a request once its plan is proposed.
pub fn proposed(agent: &str, explanation: &str, plan: &plan::Model, decision: &PlanDecision) -> String {
    let mut out = String::new();
    let by = if agent.is_empty() { String::new() } else { format!(" ({agent})") };
    let _ = write!(out, "Proposed plan {}{by}: {}.", plan.id, plan.title);
    let explanation = explanation.trim();
    if !explanation.is_empty() {
        let _ = write!(out, " {explanation}");
        if !explanation.ends_with(['.', '!', '?']) {
            out.push('.');
        }
    }
    let _ = write!(out, " Cost {}, risk {}.", decision.cost, decision.risk);
    match PlanStatus::parse(&plan.status) {
        Some(PlanStatus::Queued | PlanStatus::Running) => {
            out.push_str(" Policy lets it start by itself: it is queued.")
        }
        _ => match decision.verdict {
            Verdict::Allowed => {
                out.push_str(" Policy allows it. Say \"run it\" to start it, or \"what will this do?\".")
            }
            Verdict::NeedsApproval => {
                let _ = write!(
                    out,
                    " It needs approval: {}. An approver can approve it here or in their inbox (you cannot approve your own plan); then say \"run it\".",
                    stages(decision)
                );
            }
            Verdict::Denied => {
                let why = failing(decision).first().map(|c| c.message.clone()).unwrap_or_default();
                let _ = write!(out, " It cannot run: {why}.");
            }
        },
    }
    out
}

/// "What will this do?": the steps, what each changes, and what governance says.
pub fn explain(plan: &plan::Model, steps: &[Step], decision: &PlanDecision) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Plan {} ({}) is {}. It would:", plan.id, plan.title, plan.status.replace('_', " "));
    for (i, (step, d)) in steps.iter().zip(&decision.steps).enumerate() {
        let params = serde_json::to_string(&step.params).unwrap_or_default();
        let _ = writeln!(out, "{}. {} {params} — {}", i + 1, step.action, d.verdict.as_str().replace('_', " "));
        for change in &d.state_diff {
            let show = |v: &Option<serde_json::Value>| v.as_ref().map_or("nothing".to_string(), |v| v.to_string());
            let _ = writeln!(out, "   {}: {} -> {}", change.path, show(&change.before), show(&change.after));
        }
        for c in d.checks.iter().filter(|c| c.verdict != Verdict::Allowed) {
            let _ = writeln!(out, "   {} ({}): {}", c.name, c.code, c.message);
        }
    }
    for c in decision.checks.iter().filter(|c| c.verdict != Verdict::Allowed) {
        let _ = writeln!(out, "Plan check {} ({}): {}", c.name, c.code, c.message);
    }
    let _ = write!(out, "Cost {}, risk {}, policy {}.", decision.cost, decision.risk, decision.policy_version);
    if !decision.approvals.is_empty() {
        let _ = write!(out, " Approvals: {}.", stages(decision));
    }
    out
}

/// "Status": where the plan is and how far each step got.
pub fn status(plan: &plan::Model, steps: &[Step], view: &PlanView) -> String {
    let mut out = format!("Plan {} ({}) is {}.", plan.id, plan.title, view.status.as_str().replace('_', " "));
    if view.status == PlanStatus::PendingApproval {
        let stages = crate::engine::store::stages_of(plan).unwrap_or_default();
        if let Some(s) = stages.get(view.stages_satisfied as usize) {
            let _ = write!(out, " Waiting for {} approval(s) from {}.", s.count, s.groups.join(" or "));
        }
    }
    let progress: Vec<String> = steps
        .iter()
        .zip(&view.steps)
        .map(|(s, p)| {
            let status = serde_json::to_value(p.status).ok().and_then(|v| v.as_str().map(str::to_string));
            format!("{} {}", s.id, status.unwrap_or_default())
        })
        .collect();
    if !progress.is_empty() && view.status != PlanStatus::PendingApproval {
        let _ = write!(out, " Steps: {}.", progress.join(", "));
    }
    if let Some(e) = &plan.error {
        let _ = write!(out, " Error: {e}.");
    }
    out
}

/// The ranking of several agents' proposals, one line each, best first.
pub fn ranking(records: &[ProposalRecord], reason: &str) -> String {
    let mut out = format!("{} agents answered; {reason}.", records.len());
    let mut ranked: Vec<&ProposalRecord> = records.iter().collect();
    ranked.sort_by_key(|r| if r.rank == 0 { u32::MAX } else { r.rank });
    for r in ranked {
        match (&r.plan, &r.error) {
            (Some(p), None) => {
                let _ = write!(
                    out,
                    "\n{}. {}: {} — {}, cost {}, risk {}{}",
                    r.rank,
                    r.agent,
                    p.summary(),
                    r.verdict.map(|v| v.as_str()).unwrap_or("?").replace('_', " "),
                    r.cost,
                    r.risk.map(|r| r.as_str()).unwrap_or("?"),
                    if r.eligible { "" } else { " (not eligible)" }
                );
            }
            (_, Some(e)) => {
                let _ = write!(out, "\n-  {}: {e}", r.agent);
            }
            (None, None) => {}
        }
    }
    out
}

/// How the commands about a plan are used, for a session without one.
pub const NO_PLAN: &str =
    "There is no plan in this conversation yet. Ask for something first, for example \"help\" to see what I can do.";
