//! References to the session's memory: "again" / "do it again" (repeat the last plan),
//! "restart it again" (the text without "again", where "it" is the last value named for the
//! parameter), "same but in prod" / "same in prod" / "now prod" / "same with replicas 10" (the
//! last plan with parameters swapped). A bare value is given to the parameter whose enum, or
//! whose values known anywhere in the catalog, or whose `x-synonyms`, contain it; a number to
//! the only numeric parameter; `name value` and `name=value` set a parameter by name. Plain
//! words ("please", "thanks") at either end are passed over.

use std::collections::BTreeSet;

use praetor_policy::synonyms;
use serde_json::Value;

use crate::alias::{clarify_problem, explain};
use crate::catalog::{Catalog, Compiled};
use crate::example;
use crate::memory::Memory;
use crate::pattern::Token;
use crate::plain;
use crate::plan::{Clarification, ClarifyReason, Outcome, ProposedPlan};
use crate::typing::type_value;

/// How text refers to memory.
pub(crate) enum Reference {
    /// Not a reference: an ordinary request.
    None,
    /// Repeat the last plan as it was.
    Repeat,
    /// An ordinary request followed by "again" (the words before it).
    Again(Vec<Token>),
    /// The last plan with changes; `after_now` is the text after a leading "now", which may
    /// also be a request of its own ("now deploy api").
    Swap { values: Vec<Token>, after_now: Option<Vec<Token>> },
}

const REPEAT: &[&str] = &[
    "again",
    "do it again",
    "do that again",
    "do the same",
    "do the same again",
    "repeat",
    "repeat it",
    "repeat that",
    "repeat the last one",
    "same",
    "same again",
    "same thing",
    "same thing again",
    "the same",
    "the same again",
    "once more",
    "one more time",
    "do it once more",
];

const AGAIN_SUFFIXES: &[&str] = &["again", "once more", "one more time"];

/// Words between "same"/"now" and the values that carry no meaning of their own.
const FILLERS: &[&str] = &[
    "but", "in", "on", "for", "with", "to", "at", "do", "please", "using", "the", "this", "time", "again", "thing",
    "instead", "it", "and", "as", "well", "then", "into",
];

/// The words of `tokens` but plain ones ("please", "the"), lowercased; `None` when a value is
/// quoted.
fn phrase(tokens: &[Token]) -> Option<String> {
    if tokens.iter().any(|t| t.quoted) {
        return None;
    }
    Some(tokens.iter().filter(|t| !t.filler).map(Token::lower).collect::<Vec<_>>().join(" "))
}

/// Whether `phrase` (without plain words) is one of `phrases` (without theirs).
fn one_of(phrase: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| plain::core_of(p) == phrase)
}

pub(crate) fn classify(tokens: &[Token]) -> Reference {
    // Plain words at the ends refer to nothing: "please do it again", "same in prod, thanks".
    let tokens = plain::trim(tokens);
    if let Some(p) = phrase(tokens)
        && one_of(&p, REPEAT)
    {
        return Reference::Repeat;
    }
    for suffix in AGAIN_SUFFIXES {
        let n = suffix.split(' ').count();
        if tokens.len() > n && phrase(&tokens[tokens.len() - n..]).as_deref() == Some(*suffix) {
            let rest = plain::trim(&tokens[..tokens.len() - n]).to_vec();
            return match phrase(&rest) {
                Some(p) if one_of(&p, REPEAT) || one_of(&p, &["do it", "do that"]) => Reference::Repeat,
                _ => Reference::Again(rest),
            };
        }
    }
    let mut i = 0;
    while i < tokens.len()
        && !tokens[i].quoted
        && (tokens[i].filler || matches!(tokens[i].lower().as_str(), "and" | "the" | "ok" | "okay"))
    {
        i += 1;
    }
    let lead = tokens.get(i).filter(|t| !t.quoted).map(Token::lower);
    let now = match lead.as_deref() {
        Some("same") => false,
        Some("now") => true,
        _ => return Reference::None,
    };
    let rest = tokens[i + 1..].to_vec();
    let values: Vec<Token> =
        rest.iter().filter(|t| t.quoted || !(t.filler || FILLERS.contains(&t.lower().as_str()))).cloned().collect();
    if values.is_empty() {
        return if now { Reference::None } else { Reference::Repeat };
    }
    Reference::Swap { values, after_now: now.then_some(rest) }
}

fn nothing_to_repeat() -> Outcome {
    Outcome::Clarify(Clarification::new(
        ClarifyReason::NothingToRepeat,
        "There is no earlier plan in this conversation to repeat or change. Say what you would like done.",
    ))
}

/// The catalog entries of the last plan's targets, or the question to ask.
fn resolve<'c>(plan: &ProposedPlan, catalog: &'c Catalog) -> Result<Vec<&'c Compiled>, Outcome> {
    plan.targets()
        .iter()
        .map(|(kind, name, _)| {
            catalog.compiled(*kind, name).ok_or_else(|| {
                let label = match kind {
                    crate::catalog::EntryKind::Action => (*name).to_string(),
                    crate::catalog::EntryKind::Template => format!("template {name}"),
                };
                Outcome::Clarify(Clarification::new(
                    ClarifyReason::NotAvailable { target: label.clone() },
                    format!("The last plan used {label}, which is not available here."),
                ))
            })
        })
        .collect()
}

/// Rebuilds `last` with each target's parameters from `params` (same order as its targets),
/// defaults filled and validated.
fn rebuild(last: &ProposedPlan, entries: &[&Compiled], params: Vec<Value>, prefix: &str) -> Outcome {
    let mut plan = last.clone();
    let mut explanations = Vec::new();
    let mut completed = Vec::new();
    for (entry, p) in entries.iter().zip(params) {
        let given = example::given_from_params(&p);
        match entry.complete(p) {
            Ok(v) => {
                explanations.push(explain(&entry.entry, &v));
                completed.push(v);
            }
            Err(problems) => {
                let first = problems.iter().find(|p| !p.missing).or(problems.first());
                if let Some(problem) = first {
                    return Outcome::Clarify(clarify_problem(&entry.entry, problem, entry.patterns.first(), &given));
                }
            }
        }
    }
    let mut values = completed.into_iter();
    if let Some(t) = plan.template.as_mut()
        && let Some(v) = values.next()
    {
        t.args = v;
    }
    for step in &mut plan.steps {
        if let Some(v) = values.next() {
            step.params = v;
        }
    }
    plan.explanation = format!("{prefix}{}", explanations.join(" Then: "));
    Outcome::Plan(plan)
}

/// "again": the last plan, re-validated against the current catalog.
pub(crate) fn repeat(catalog: &Catalog, memory: &Memory) -> Outcome {
    let Some(last) = &memory.last_plan else { return nothing_to_repeat() };
    let entries = match resolve(last, catalog) {
        Ok(e) => e,
        Err(o) => return o,
    };
    let params = last.targets().iter().map(|(_, _, p)| (*p).clone()).collect();
    rebuild(last, &entries, params, "Again: ")
}

/// Parameters of `entries` that `word` can be a value of.
fn owners(word: &str, entries: &[&Compiled], catalog: &Catalog) -> BTreeSet<String> {
    let mut by_value = BTreeSet::new();
    let mut numeric = BTreeSet::new();
    for c in entries {
        let Some(props) = c.entry.params.get("properties").and_then(Value::as_object) else { continue };
        for (name, prop) in props {
            let fits = synonyms::lookup(prop, word).is_some()
                || match prop.get("enum").and_then(Value::as_array) {
                    Some(options) => options.iter().any(|o| {
                        o.as_str().is_some_and(|s| s.eq_ignore_ascii_case(word))
                            || o.as_f64().zip(word.parse::<f64>().ok()).is_some_and(|(a, b)| a == b)
                    }),
                    None => catalog.known_values(name).iter().any(|v| v.eq_ignore_ascii_case(word)),
                };
            if fits {
                by_value.insert(name.clone());
            }
            let is_numeric = matches!(prop.get("type").and_then(Value::as_str), Some("integer" | "number"));
            if is_numeric && prop.get("enum").is_none() && word.parse::<f64>().is_ok() {
                numeric.insert(name.clone());
            }
        }
    }
    if by_value.is_empty() && numeric.len() == 1 { numeric } else { by_value }
}

fn declares(entries: &[&Compiled], param: &str) -> bool {
    entries.iter().any(|c| c.entry.param_schema(param).is_some())
}

/// "same but in prod": the last plan with the named values swapped in.
pub(crate) fn swap(values: &[Token], catalog: &Catalog, memory: &Memory) -> Outcome {
    let Some(last) = &memory.last_plan else { return nothing_to_repeat() };
    let entries = match resolve(last, catalog) {
        Ok(e) => e,
        Err(o) => return o,
    };
    let mut changes: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let t = &values[i];
        if !t.quoted
            && let Some((p, v)) = t.text.split_once('=')
            && declares(&entries, p)
            && !v.is_empty()
        {
            changes.push((p.to_string(), v.to_string()));
            i += 1;
            continue;
        }
        let named = [t.text.clone(), t.lower()].into_iter().find(|n| declares(&entries, n));
        if !t.quoted
            && let Some(param) = named
            && i + 1 < values.len()
        {
            changes.push((param, values[i + 1].text.clone()));
            i += 2;
            continue;
        }
        let found = owners(&t.text, &entries, catalog);
        let mut found = found.into_iter();
        match (found.next(), found.next()) {
            (Some(param), None) => changes.push((param, t.text.clone())),
            (Some(a), Some(b)) => {
                let mut candidates = vec![a, b];
                candidates.extend(found);
                let message = format!(
                    "\"{}\" could be the value of {}. Say which, as in \"same with {} {}\".",
                    t.text,
                    candidates.join(" or "),
                    candidates[0],
                    t.text
                );
                return Outcome::Clarify(Clarification::new(ClarifyReason::Ambiguous { candidates }, message));
            }
            (None, _) => {
                let names: BTreeSet<String> = entries
                    .iter()
                    .filter_map(|c| c.entry.params.get("properties").and_then(Value::as_object))
                    .flat_map(|props| props.keys().cloned())
                    .collect();
                let names: Vec<String> = names.into_iter().collect();
                let message = format!(
                    "I don't know which parameter of the last plan \"{}\" is for. Name it, as in \"same with {} {}\".",
                    t.text,
                    names.first().map_or("name", String::as_str),
                    t.text
                );
                // Each chip is the whole request with one parameter named.
                let chips = names.iter().map(|n| format!("same with {n} {}", t.text)).collect();
                return Outcome::Clarify(
                    Clarification::new(ClarifyReason::UnknownReference { word: t.text.clone() }, message)
                        .with_suggestions(chips),
                );
            }
        }
        i += 1;
    }
    let mut params = Vec::new();
    for ((_, _, current), c) in last.targets().iter().zip(&entries) {
        let mut p = (*current).clone();
        if let Value::Object(map) = &mut p {
            for (name, raw) in &changes {
                let Some(prop) = c.entry.param_schema(name) else { continue };
                let raw = match prop.get("enum") {
                    None => catalog.known_spelling(name, raw).unwrap_or_else(|| raw.clone()),
                    Some(_) => raw.clone(),
                };
                match type_value(name, Some(prop), &raw) {
                    Ok(v) => {
                        map.insert(name.clone(), v);
                    }
                    Err(problem) => {
                        let given = example::given_from_params(&Value::Object(map.clone()));
                        return Outcome::Clarify(clarify_problem(&c.entry, &problem, c.patterns.first(), &given));
                    }
                }
            }
        }
        params.push(p);
    }
    let described: Vec<String> = changes.iter().map(|(n, v)| format!("{n} = {v}")).collect();
    rebuild(last, &entries, params, &format!("Same as before with {}: ", described.join(", ")))
}
