//! "Did you mean …?" and "help": the closest phrasings to text that matched nothing, ranked by
//! how many of a phrasing's literal words appear in the text (typos forgiven within a small edit
//! distance), and the list of what can be asked. Deterministic: ties sort by phrasing text.

use crate::catalog::{Catalog, Compiled};
use crate::example::{Given, say, shape};
use crate::pattern::{AliasPattern, Segment, Token};
use crate::plan::{Help, HelpEntry};

/// Edit distance (insertions, deletions, substitutions) over characters.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// 1 for the same word, less for a near miss, 0 below 60 % similar.
fn word_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let longest = a.chars().count().max(b.chars().count());
    if longest < 3 {
        return 0.0;
    }
    let s = 1.0 - levenshtein(a, b) as f64 / longest as f64;
    if s >= 0.6 { s } else { 0.0 }
}

/// Short words ("a", "to", "in") say little about what was meant: they count half.
fn weight(word: &str) -> f64 {
    if word.chars().count() < 3 { 0.5 } else { 1.0 }
}

/// How much of a phrasing's literal words the text contains, in 0..=1.
fn score(words: &[&str], input: &[String]) -> f64 {
    let total_weight: f64 = words.iter().map(|w| weight(w)).sum();
    if total_weight == 0.0 {
        return 0.0;
    }
    let found: f64 =
        words.iter().map(|w| weight(w) * input.iter().map(|i| word_similarity(w, i)).fold(0.0, f64::max)).sum();
    found / total_weight
}

/// Suggestions below this score are noise.
const THRESHOLD: f64 = 0.34;

/// Up to `max` requests closest to `tokens`, best first: phrasings said with example values
/// (a phrasing with a value nobody can guess is left out: a chip must be a whole request).
pub(crate) fn closest(catalog: &Catalog, tokens: &[Token], max: usize) -> Vec<String> {
    let input: Vec<String> = tokens.iter().filter(|t| !t.quoted && !t.filler).map(Token::lower).collect();
    let typed: Vec<&Token> = tokens.iter().filter(|t| !t.filler).collect();
    // A phrasing as long as the text takes the typed words for its values ("scael web to 3"
    // -> "scale web to 3"); others are said with example values.
    let given_for = |p: &AliasPattern| -> Given {
        if typed.len() != p.segments.len() {
            return Given::new();
        }
        p.segments
            .iter()
            .zip(&typed)
            .filter_map(|(s, t)| match s {
                Segment::Slot { name, .. } => Some((name.clone(), t.text.clone())),
                Segment::Word(_) => None,
            })
            .collect()
    };
    let mut scored: Vec<(f64, String)> = catalog
        .compiled_entries()
        .iter()
        .flat_map(|c| c.patterns.iter().map(move |p| (c, p)))
        .filter_map(|(c, p)| Some((score(&p.words().collect::<Vec<_>>(), &input), say(p, &c.entry, &given_for(p))?)))
        .filter(|(s, _)| *s >= THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out: Vec<String> = Vec::new();
    for (_, text) in scored {
        if !out.contains(&text) {
            out.push(text);
        }
        if out.len() == max {
            break;
        }
    }
    out
}

/// The conversational commands, as listed by help.
pub const COMMANDS: &[&str] = &[
    "approve",
    "reject",
    "run it",
    "what will this do?",
    "status",
    "cancel",
    "again",
    "same but in <value>",
    "clear memory",
    "help",
];

fn entry_help(c: &Compiled) -> HelpEntry {
    let (e, none) = (&c.entry, Given::new());
    let examples =
        c.patterns.iter().map(|p| say(p, e, &none).unwrap_or_else(|| shape(p))).fold(Vec::new(), |mut out, s| {
            if !out.contains(&s) {
                out.push(s);
            }
            out
        });
    HelpEntry {
        kind: e.kind,
        name: e.name.clone(),
        description: e.description.clone(),
        phrasings: e.aliases.clone(),
        examples,
    }
}

/// What can be asked: everything, or the entries whose name, description or phrasings mention
/// every word of `topic` (all of them when nothing does).
pub fn help_for(catalog: &Catalog, topic: Option<&str>) -> Help {
    let all: Vec<HelpEntry> = catalog.compiled_entries().iter().map(entry_help).collect();
    let commands = COMMANDS.iter().map(|c| (*c).to_string()).collect();
    let topic = topic.map(str::trim).filter(|t| !t.is_empty()).map(str::to_lowercase);
    if let Some(t) = topic {
        let words: Vec<&str> = t.split_whitespace().collect();
        let hits: Vec<HelpEntry> = all
            .iter()
            .filter(|e| {
                let hay = format!("{} {} {}", e.name, e.description, e.phrasings.join(" ")).to_lowercase();
                words.iter().all(|w| hay.contains(w))
            })
            .cloned()
            .collect();
        if !hits.is_empty() {
            return Help { topic: Some(t), entries: hits, commands };
        }
    }
    Help { topic: None, entries: all, commands }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("deploy", "deploy"), 0);
        assert_eq!(levenshtein("deploy", "deplyo"), 2);
        assert_eq!(levenshtein("scale", "scael"), 2);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("restart", "restrat"), 2);
        assert!(word_similarity("deploy", "deplyo") > 0.6);
        assert_eq!(word_similarity("to", "do"), 0.0);
        assert_eq!(word_similarity("ship", "deploy"), 0.0);
    }
}
