//! The alias planner: deterministic, the default. It matches text against the catalog's
//! compiled aliases, types the captured words by the parameter schema, fills schema defaults and
//! validates, and otherwise explains what it did not understand.
//!
//! Choosing among matches: every (alias, accepted form) that matches the whole text is
//! evaluated. A match whose values satisfy the schema beats one whose values do not (typed
//! parameters disambiguate); among valid matches the one with more literal words wins (it is
//! more specific), then the longer form, then catalog order. Two *different* actions or
//! templates tied at the top are ambiguous and answered with a question listing both. When no
//! alias matches the whole text, the planner looks for a phrasing the text starts but does not
//! finish (a missing parameter), one it finishes with words left over, and finally the closest
//! phrasings by word overlap.
//!
//! Pronouns (`it`, `that`, `this`, `them`) in a placeholder take the session's last value for
//! that parameter; "again", "same but in prod" and friends are in `memory_ref`.
//!
//! Requests in plain words: polite and filler words ("please", "could you", "the", "thanks")
//! are passed over where a phrasing does not spell them (`plain`); a value may be one of its
//! parameter's `x-synonyms` (`production` for `prod`) and is typed to the value it stands for
//! (`typing`); enum values match ignoring case, and so does a free-text value the catalog lists
//! for a parameter of the same name elsewhere ("Restart the API" restarts `api`).

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::catalog::{Catalog, CatalogEntry, Compiled, EntryKind};
use crate::error::PlannerError;
use crate::example::{self, Given};
use crate::intent::{Intent, parse_intent};
use crate::memory::Memory;
use crate::memory_ref::{self, Reference};
use crate::pattern::{AliasPattern, Capture, Token, tokenize};
use crate::plain::{self, mark_fillers};
use crate::plan::{Clarification, ClarifyReason, Outcome, ProposedPlan, render_params};
use crate::sink::DeltaSink;
use crate::suggest::{closest, help_for};
use crate::typing::{describe_param, type_value};
use crate::validate::ParamProblem;
use crate::{PlanRequest, Planner};

/// Words that stand for the last value of a parameter.
const PRONOUNS: &[&str] = &["it", "that", "this", "them"];

/// How many phrasings a "did you mean" lists.
const MAX_SUGGESTIONS: usize = 3;

/// The deterministic planner. Stateless: the patterns live in the [`Catalog`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AliasPlanner;

#[async_trait]
impl Planner for AliasPlanner {
    fn kind(&self) -> &'static str {
        "alias"
    }

    async fn plan(&self, request: PlanRequest<'_>, _sink: &dyn DeltaSink) -> Result<Outcome, PlannerError> {
        Ok(self.plan_text(request.text, request.catalog, request.memory))
    }
}

impl AliasPlanner {
    pub fn new() -> Self {
        Self
    }

    /// The same as [`Planner::plan`], without the async wrapper. A question's chips are
    /// whole requests that plan on their own as they stand; any other is left out.
    pub fn plan_text(&self, text: &str, catalog: &Catalog, memory: &Memory) -> Outcome {
        match self.answer(text, catalog, memory) {
            Outcome::Clarify(mut c) => {
                c.suggestions.retain(|chip| self.answer(chip, catalog, memory).plan().is_some());
                Outcome::Clarify(c)
            }
            other => other,
        }
    }

    fn answer(&self, text: &str, catalog: &Catalog, memory: &Memory) -> Outcome {
        let mut tokens = tokenize(text);
        mark_fillers(&mut tokens);
        if tokens.is_empty() {
            return Outcome::Clarify(Clarification::new(
                ClarifyReason::Empty,
                "Say what you would like done, or ask for help.",
            ));
        }
        if let Intent::Help { topic } = parse_intent(text) {
            return Outcome::Help(help_for(catalog, topic.as_deref()));
        }
        match memory_ref::classify(&tokens) {
            Reference::None => match_tokens(&tokens, catalog, memory),
            Reference::Repeat => memory_ref::repeat(catalog, memory),
            Reference::Again(rest) => match_tokens(&rest, catalog, memory),
            Reference::Swap { values, after_now } => {
                // "now deploy api" is a request of its own, not a change to the last plan.
                if let Some(rest) = after_now {
                    let direct = match_tokens(&rest, catalog, memory);
                    if direct.plan().is_some() {
                        return direct;
                    }
                }
                memory_ref::swap(&values, catalog, memory)
            }
        }
    }
}

/// The text of `tokens` as typed, quotes restored.
pub(crate) fn render_tokens(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| if t.quoted { format!("\"{}\"", t.text) } else { t.text.clone() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Deploy a service (deploy.web) with {env: "prod", service: "web"}."
pub(crate) fn explain(entry: &CatalogEntry, params: &Value) -> String {
    let what = if entry.description.is_empty() {
        entry.label()
    } else {
        format!("{} ({})", entry.description.trim_end_matches('.'), entry.label())
    };
    format!("{what} with {}.", render_params(params))
}

/// A plan of one catalog entry.
pub(crate) fn plan_for(entry: &CatalogEntry, params: Value, explanation: String) -> ProposedPlan {
    match entry.kind {
        EntryKind::Action => ProposedPlan::single(&entry.name, params, explanation),
        EntryKind::Template => ProposedPlan::from_template(&entry.name, params, explanation),
    }
}

/// A question about a parameter problem of `entry`. Its chips are whole requests: `pattern`
/// said with the values `given` and, for a parameter that lists its values, each of them.
pub(crate) fn clarify_problem(
    entry: &CatalogEntry,
    problem: &ParamProblem,
    pattern: Option<&AliasPattern>,
    given: &Given,
) -> Clarification {
    let label = entry.label();
    let prop = entry.param_schema(&problem.param);
    let suggestions = match pattern {
        Some(pattern) => {
            // The value in question is replaced, never kept: it is missing or wrong.
            let mut others = given.clone();
            others.remove(&problem.param);
            let each = example::with_each_value(pattern, entry, &others, &problem.param);
            if each.is_empty() { example::say(pattern, entry, &others).into_iter().collect() } else { each }
        }
        None => Vec::new(),
    };
    if problem.missing {
        let message = format!("{label} needs `{}`: {}.", problem.param, describe_param(prop));
        Clarification::new(ClarifyReason::MissingParam { target: label, param: problem.param.clone() }, message)
            .with_suggestions(suggestions)
    } else {
        let message = format!("{label}: {}.", problem.message);
        Clarification::new(
            ClarifyReason::InvalidParam {
                target: label,
                param: problem.param.clone(),
                problem: problem.message.clone(),
            },
            message,
        )
        .with_suggestions(suggestions)
    }
}

enum Failure {
    Problem(ParamProblem),
    /// A pronoun with nothing remembered for its parameter.
    Pronoun {
        param: String,
        word: String,
    },
}

struct Attempt<'c> {
    compiled: &'c Compiled,
    pattern: &'c AliasPattern,
    form: usize,
    words: usize,
    order: usize,
    /// The values the text named, as typed (for the chips of a question).
    given: Given,
    result: Result<Value, Failure>,
}

/// The word a capture stands for, before it is typed: a pronoun's remembered value, or the
/// word as typed (a free-text word in the catalog's spelling, see [`Catalog::known_spelling`]).
fn raw_value(cap: &Capture, compiled: &Compiled, catalog: &Catalog, memory: &Memory) -> Result<String, Failure> {
    let lower = cap.raw.to_lowercase();
    if !cap.quoted && !cap.from_default && PRONOUNS.contains(&lower.as_str()) {
        return match memory.fact(&cap.name) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Ok(v.to_string()),
            None => Err(Failure::Pronoun { param: cap.name.clone(), word: cap.raw.clone() }),
        };
    }
    let free_text = compiled.entry.param_schema(&cap.name).is_none_or(|p| p.get("enum").is_none());
    if !cap.quoted && free_text {
        return Ok(catalog.known_spelling(&cap.name, &cap.raw).unwrap_or_else(|| cap.raw.clone()));
    }
    Ok(cap.raw.clone())
}

fn evaluate(compiled: &Compiled, captures: &[Capture], catalog: &Catalog, memory: &Memory) -> Result<Value, Failure> {
    let mut map = Map::new();
    for cap in captures {
        let raw = raw_value(cap, compiled, catalog, memory)?;
        let value = type_value(&cap.name, compiled.entry.param_schema(&cap.name), &raw).map_err(Failure::Problem)?;
        map.insert(cap.name.clone(), value);
    }
    compiled.complete(Value::Object(map)).map_err(|problems| {
        // The validator reports in schema order; a value that is wrong matters more than one
        // that is missing, since the person typed it.
        let pick = problems.iter().find(|p| !p.missing).or(problems.first()).cloned();
        Failure::Problem(pick.unwrap_or_else(|| ParamProblem::new("", "the parameters are invalid")))
    })
}

/// Matches the whole of `tokens` against the catalog.
pub(crate) fn match_tokens(tokens: &[Token], catalog: &Catalog, memory: &Memory) -> Outcome {
    let mut attempts = Vec::new();
    let mut order = 0;
    for compiled in catalog.compiled_entries() {
        for pattern in &compiled.patterns {
            for &form in &pattern.forms {
                order += 1;
                if let Some(captures) = pattern.match_form(form, tokens) {
                    let result = evaluate(compiled, &captures, catalog, memory);
                    let given = example::given_from(&captures);
                    let words = pattern.words_in(form);
                    attempts.push(Attempt { compiled, pattern, form, words, order, given, result });
                }
            }
        }
    }
    // Best first: more literal words, then the longer form, then catalog order.
    attempts.sort_by(|a, b| b.words.cmp(&a.words).then(b.form.cmp(&a.form)).then(a.order.cmp(&b.order)));
    let text = render_tokens(tokens);
    let valid: Vec<&Attempt<'_>> = attempts.iter().filter(|a| a.result.is_ok()).collect();
    if let Some(best) = valid.first() {
        let mut tied: Vec<&Attempt<'_>> = Vec::new();
        for a in valid.iter().filter(|a| a.words == best.words) {
            if !tied.iter().any(|t| {
                t.compiled.entry.kind == a.compiled.entry.kind && t.compiled.entry.name == a.compiled.entry.name
            }) {
                tied.push(a);
            }
        }
        if tied.len() > 1 {
            let mut candidates: Vec<String> = tied.iter().map(|a| a.compiled.entry.label()).collect();
            candidates.sort();
            let message = format!("\"{text}\" could mean {}. Which one?", candidates.join(" or "));
            // No chips: each would send the same words again.
            return Outcome::Clarify(Clarification::new(ClarifyReason::Ambiguous { candidates }, message));
        }
        if let Ok(params) = &best.result {
            let entry = &best.compiled.entry;
            return Outcome::Plan(plan_for(entry, params.clone(), explain(entry, params)));
        }
    }
    if let Some(first) = attempts.first() {
        let entry = &first.compiled.entry;
        return Outcome::Clarify(match &first.result {
            Err(Failure::Problem(p)) => clarify_problem(entry, p, Some(first.pattern), &first.given),
            Err(Failure::Pronoun { param, word }) => {
                let mut named = first.given.clone();
                named.remove(param);
                let example = example::say(first.pattern, entry, &named);
                Clarification::new(
                    ClarifyReason::NothingToRepeat,
                    format!(
                        "I don't know which {param} \"{word}\" means: none has been named yet. Name it, as in \"{}\".",
                        example.clone().unwrap_or_else(|| example::shape(first.pattern))
                    ),
                )
                .with_suggestions(example.into_iter().collect())
            }
            // Valid attempts were handled above.
            Ok(_) => Clarification::new(ClarifyReason::NoMatch, "I could not work that out."),
        });
    }
    near_miss(tokens, &text, catalog)
}

/// How good a partial match is: literal words matched, tokens covered, earlier in the catalog.
type NearKey = (usize, usize, std::cmp::Reverse<usize>);

/// No phrasing matches the whole text: the best partial match, or the closest phrasings.
fn near_miss(tokens: &[Token], text: &str, catalog: &Catalog) -> Outcome {
    let mut best: Option<(NearKey, Clarification)> = None;
    let mut consider = |key: NearKey, make: &dyn Fn() -> Clarification| {
        if best.as_ref().is_none_or(|(k, _)| key > *k) {
            best = Some((key, make()));
        }
    };
    let mut order = 0;
    for compiled in catalog.compiled_entries() {
        let entry = &compiled.entry;
        for pattern in &compiled.patterns {
            order += 1;
            // The text is the start of a phrasing that needs more.
            let prefix = pattern.prefix_match(tokens);
            let n = prefix.segments;
            if prefix.whole
                && n < pattern.segments.len()
                && prefix.words > 0
                && !pattern.forms.contains(&n)
                && let Some(slot) = pattern.slot_at_or_after(n)
            {
                let problem = ParamProblem { param: slot.to_string(), message: String::new(), missing: true };
                // A missing value ranks above leftover words covering as many literal words.
                consider((prefix.words, n + 1, std::cmp::Reverse(order)), &|| {
                    let given = example::given_from(&pattern.prefix_captures(n, tokens));
                    clarify_problem(entry, &problem, Some(pattern), &given)
                });
            }
            // A phrasing that matches the start of the text, with words left over.
            for &form in &pattern.forms {
                let words = pattern.words_in(form);
                if words > 0
                    && let Some(used) = pattern.match_start(form, tokens)
                {
                    let understood = render_tokens(plain::trim(&tokens[..used]));
                    let extra = render_tokens(plain::trim(&tokens[used..]));
                    consider((words, form, std::cmp::Reverse(order)), &|| {
                        Clarification::new(
                            ClarifyReason::UnexpectedWords { target: entry.label(), words: extra.clone() },
                            format!(
                                "I understood \"{understood}\" ({}) but not \"{extra}\". Put values that contain spaces in quotes.",
                                entry.label()
                            ),
                        )
                        // The chip sends what was understood, without the words that were not.
                        .with_suggestions(vec![understood.clone()])
                    });
                }
            }
        }
    }
    if let Some((_, clarification)) = best {
        return Outcome::Clarify(clarification);
    }
    let suggestions = closest(catalog, tokens, MAX_SUGGESTIONS);
    let message = if suggestions.is_empty() {
        format!("I don't know how to do \"{text}\". Say \"help\" to see what I can do.")
    } else {
        format!("I don't know how to do \"{text}\". Did you mean: {}?", suggestions.join(", "))
    };
    Outcome::Clarify(Clarification::new(ClarifyReason::NoMatch, message).with_suggestions(suggestions))
}
