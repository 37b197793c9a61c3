//! Multi-agent arbitration: several agents proposed a plan for one request, the caller
//! simulated each through the decision pipeline and filled in a [`Candidate`] (verdict,
//! approvals, cost, risk, blast radius); a [`Strategy`] picks one. Every candidate stays in the
//! ranking, so the ones not chosen remain visible.
//!
//! Denied candidates are never chosen and always rank last. Ties break deterministically by
//! the common order: verdict (allowed before needs approval), approvals needed, risk, cost,
//! blast radius (state keys + external calls), agent name, plan hash, then input position.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use praetor_policy::document::Risk;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allowed,
    NeedsApproval,
    Denied,
}

/// What a plan would touch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastRadius {
    pub state_keys: u32,
    pub external_calls: u32,
}

impl BlastRadius {
    pub fn total(&self) -> u64 {
        u64::from(self.state_keys) + u64::from(self.external_calls)
    }
}

/// One agent's proposal, scored by simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub agent: String,
    pub plan_hash: String,
    pub verdict: Verdict,
    /// Approval stages the plan needs.
    pub approvals: u32,
    pub cost: f64,
    pub risk: Risk,
    pub blast_radius: BlastRadius,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The first candidate, in agent order, that is not denied.
    FirstValid,
    LowestCost,
    LowestRisk,
    /// A plan hash proposed by at least `k` agents (and not denied); none: no choice.
    Consensus(usize),
    /// No automatic choice: everything ranked for a person.
    HumanChoice,
}

impl Strategy {
    /// `first-valid`, `lowest-cost`, `lowest-risk`, `consensus:2` (or `consensus(2)`),
    /// `human-choice`; `_` and `-` are interchangeable.
    pub fn parse(text: &str) -> Option<Strategy> {
        let t = text.trim().to_lowercase().replace('_', "-");
        Some(match t.as_str() {
            "first-valid" => Strategy::FirstValid,
            "lowest-cost" => Strategy::LowestCost,
            "lowest-risk" => Strategy::LowestRisk,
            "human-choice" => Strategy::HumanChoice,
            other => {
                let k = other.strip_prefix("consensus")?.trim_start_matches([':', '(', '=']).trim_end_matches(')');
                Strategy::Consensus(k.trim().parse().ok().filter(|k| *k > 0)?)
            }
        })
    }
}

/// A candidate in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    /// Its position in the candidates given to [`arbitrate`].
    pub index: usize,
    pub candidate: Candidate,
    /// Not denied.
    pub eligible: bool,
    /// How many distinct agents proposed the same plan hash without it being denied.
    pub support: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arbitration {
    pub strategy: Strategy,
    /// The index (into the candidates given) of the plan that goes forward.
    pub chosen: Option<usize>,
    /// Every candidate, best first for the strategy.
    pub ranking: Vec<Ranked>,
    pub reason: String,
}

impl Arbitration {
    pub fn chosen_candidate(&self) -> Option<&Candidate> {
        let i = self.chosen?;
        self.ranking.iter().find(|r| r.index == i).map(|r| &r.candidate)
    }
}

/// The criteria of the common order, in order, with their names for explanations.
fn criteria(a: &Ranked, b: &Ranked) -> [(&'static str, Ordering); 8] {
    let (x, y) = (&a.candidate, &b.candidate);
    [
        ("verdict", x.verdict.cmp(&y.verdict)),
        ("approvals needed", x.approvals.cmp(&y.approvals)),
        ("risk", x.risk.cmp(&y.risk)),
        ("cost", x.cost.total_cmp(&y.cost)),
        ("blast radius", x.blast_radius.total().cmp(&y.blast_radius.total())),
        ("agent name", x.agent.cmp(&y.agent)),
        ("plan hash", x.plan_hash.cmp(&y.plan_hash)),
        ("position", a.index.cmp(&b.index)),
    ]
}

fn common(a: &Ranked, b: &Ranked) -> Ordering {
    criteria(a, b).iter().map(|(_, o)| *o).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
}

/// Why `a` ranks before `b`: the first criterion of the common order that separates them.
fn separated_by(a: &Ranked, b: &Ranked) -> &'static str {
    criteria(a, b).iter().find(|(_, o)| o.is_ne()).map_or("position", |(name, _)| name)
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// Picks the plan that goes forward.
pub fn arbitrate(strategy: Strategy, candidates: &[Candidate]) -> Arbitration {
    let mut agents_per_hash: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in candidates.iter().filter(|c| c.verdict != Verdict::Denied) {
        agents_per_hash.entry(c.plan_hash.as_str()).or_default().insert(c.agent.as_str());
    }
    let all: Vec<Ranked> = candidates
        .iter()
        .enumerate()
        .map(|(index, c)| Ranked {
            index,
            candidate: c.clone(),
            eligible: c.verdict != Verdict::Denied,
            support: agents_per_hash.get(c.plan_hash.as_str()).map_or(0, BTreeSet::len),
        })
        .collect();
    let (mut eligible, mut denied): (Vec<Ranked>, Vec<Ranked>) = all.into_iter().partition(|r| r.eligible);
    denied.sort_by(common);
    match strategy {
        Strategy::FirstValid => {}
        Strategy::LowestCost => {
            eligible.sort_by(|a, b| a.candidate.cost.total_cmp(&b.candidate.cost).then_with(|| common(a, b)))
        }
        Strategy::LowestRisk => {
            eligible.sort_by(|a, b| a.candidate.risk.cmp(&b.candidate.risk).then_with(|| common(a, b)))
        }
        Strategy::Consensus(_) => eligible.sort_by(|a, b| b.support.cmp(&a.support).then_with(|| common(a, b))),
        Strategy::HumanChoice => eligible.sort_by(common),
    }
    let top = eligible.first().cloned();
    let runner_up = eligible.get(1).cloned();
    let mut ranking = eligible;
    ranking.extend(denied);
    let done =
        |chosen: Option<usize>, reason: String| Arbitration { strategy, chosen, ranking: ranking.clone(), reason };
    let Some(top) = top else {
        let reason = if candidates.is_empty() {
            "no agent proposed a plan".to_string()
        } else {
            "every proposal was denied".to_string()
        };
        return done(None, reason);
    };
    let agent = &top.candidate.agent;
    // Names the tie-break when the runner-up equals the winner on the strategy's own criterion.
    let tie = |same: bool| match (&runner_up, same) {
        (Some(r), true) => format!("; tied with {}'s plan, ahead by {}", r.candidate.agent, separated_by(&top, r)),
        _ => String::new(),
    };
    match strategy {
        Strategy::FirstValid => {
            done(Some(top.index), format!("{agent}'s plan is the first proposal, in agent order, that is not denied"))
        }
        Strategy::LowestCost => {
            let same = runner_up.as_ref().is_some_and(|r| r.candidate.cost.total_cmp(&top.candidate.cost).is_eq());
            done(Some(top.index), format!("{agent}'s plan has the lowest cost ({}){}", top.candidate.cost, tie(same)))
        }
        Strategy::LowestRisk => {
            let same = runner_up.as_ref().is_some_and(|r| r.candidate.risk == top.candidate.risk);
            done(
                Some(top.index),
                format!("{agent}'s plan has the lowest risk ({}){}", top.candidate.risk.as_str(), tie(same)),
            )
        }
        Strategy::Consensus(k) => {
            let k = k.max(1);
            if top.support < k {
                return done(
                    None,
                    format!(
                        "no consensus: no plan was proposed by {k} agents (the most for one plan was {})",
                        top.support
                    ),
                );
            }
            let backers: Vec<&str> = agents_per_hash
                .get(top.candidate.plan_hash.as_str())
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default();
            // The best plan of another hash with as many agents, if any.
            let rival = ranking
                .iter()
                .find(|r| r.eligible && r.candidate.plan_hash != top.candidate.plan_hash)
                .filter(|r| r.support == top.support);
            let note = rival
                .map(|r| {
                    format!(
                        "; plan {} had as many agents, ahead by {}",
                        short(&r.candidate.plan_hash),
                        separated_by(&top, r)
                    )
                })
                .unwrap_or_default();
            done(
                Some(top.index),
                format!(
                    "{} agents ({}) proposed plan {} (at least {k} needed){note}",
                    top.support,
                    backers.join(", "),
                    short(&top.candidate.plan_hash)
                ),
            )
        }
        Strategy::HumanChoice => {
            let n = ranking.iter().filter(|r| r.eligible).count();
            done(None, format!("waiting for a person to choose among {n} proposals (ranked, {agent}'s first)"))
        }
    }
}
