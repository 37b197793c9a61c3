//! Plain words: what people add to a request that no phrasing needs. "Could you please restart
//! the api for me, thanks" asks for "restart api".
//!
//! Such words are *marked* on the tokens, not removed: a phrasing that spells one of them
//! literally (`open a ticket {title}`, `run the backup now`) still matches it there, and
//! anywhere else a phrasing passes over it. A marked word is never taken as a parameter value;
//! quote it (`restart "the"`) to mean the word itself. The lists are short on purpose: a word
//! that might be a value (a service, an environment) does not belong here.
//!
//! - [`ANYWHERE`]: articles and "please", wherever they stand.
//! - [`OPENERS`]: "can you", "could you", … at the start.
//! - [`CLOSERS`]: "thanks", "thank you", "for me", "now", … at the end.
//!
//! Case and punctuation are handled before this: the tokenizer drops sentence punctuation, and
//! literal words match ignoring case.

use crate::pattern::Token;

/// Words passed over wherever they stand.
pub(crate) const ANYWHERE: &[&str] = &["the", "a", "an", "please", "pls", "kindly"];

/// Phrases passed over at the start of a request (after any other opener).
pub(crate) const OPENERS: &[&str] = &["can you", "could you", "would you", "will you"];

/// Phrases passed over at the end of a request (before any other closer).
pub(crate) const CLOSERS: &[&str] = &["thanks", "thank you", "thx", "for me", "now", "right now"];

fn is_word(token: &Token, word: &str) -> bool {
    !token.quoted && token.lower() == word
}

/// Whether `tokens` spell `phrase` (words separated by single spaces).
fn spells(tokens: &[Token], phrase: &str) -> bool {
    let words: Vec<&str> = phrase.split(' ').collect();
    tokens.len() == words.len() && tokens.iter().zip(&words).all(|(t, w)| is_word(t, w))
}

/// The length of the longest phrase of `phrases` that `tokens` start with (`from_end`: end with).
fn phrase_at(tokens: &[Token], phrases: &[&str], from_end: bool) -> Option<usize> {
    phrases
        .iter()
        .filter_map(|p| {
            let n = p.split(' ').count();
            let part = if from_end { tokens.get(tokens.len().checked_sub(n)?..)? } else { tokens.get(..n)? };
            spells(part, p).then_some(n)
        })
        .max()
}

/// Marks the plain words of a request. Marking stops short of the whole request: "thanks"
/// alone, or "now" alone, is left for the planner to answer.
pub(crate) fn mark_fillers(tokens: &mut [Token]) {
    for t in tokens.iter_mut() {
        t.filler = ANYWHERE.iter().any(|w| is_word(t, w));
    }
    // Openers and closers are found past words already passed over: "please could you …",
    // "… for me please".
    let mut start = 0;
    loop {
        while tokens.get(start).is_some_and(|t| t.filler) {
            start += 1;
        }
        match phrase_at(&tokens[start..], OPENERS, false) {
            Some(n) => tokens[start..start + n].iter_mut().for_each(|t| t.filler = true),
            None => break,
        }
    }
    let mut end = tokens.len();
    loop {
        while end > start && tokens[end - 1].filler {
            end -= 1;
        }
        match phrase_at(&tokens[start..end], CLOSERS, true) {
            Some(n) => tokens[end - n..end].iter_mut().for_each(|t| t.filler = true),
            None => break,
        }
    }
    if tokens.iter().all(|t| t.filler) {
        tokens.iter_mut().for_each(|t| t.filler = false);
    }
}

/// `tokens` without the plain words at either end.
pub(crate) fn trim(tokens: &[Token]) -> &[Token] {
    let start = tokens.iter().position(|t| !t.filler).unwrap_or(tokens.len());
    let end = tokens.iter().rposition(|t| !t.filler).map_or(start, |i| i + 1);
    &tokens[start..end]
}

/// A fixed phrase ("do the same") with its plain words left out, to compare with what remains
/// of a request once its own plain words are left out.
pub(crate) fn core_of(phrase: &str) -> String {
    phrase.split(' ').filter(|w| !ANYWHERE.contains(w)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::tokenize;

    /// The words that are not marked, joined.
    fn kept(text: &str) -> String {
        let mut tokens = tokenize(text);
        mark_fillers(&mut tokens);
        tokens.iter().filter(|t| !t.filler).map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn plain_words_are_marked_where_they_stand() {
        assert_eq!(kept("restart the api"), "restart api");
        assert_eq!(kept("Could you please restart the API for me, thanks!"), "restart API");
        assert_eq!(kept("please can you deploy web to prod now please"), "deploy web to prod");
        assert_eq!(kept("deploy web to prod right now"), "deploy web to prod");
        assert_eq!(kept("thank you"), "thank you");
        assert_eq!(kept("now"), "now");
        assert_eq!(kept("the"), "the");
        // Only at the ends: "now" and "you" inside a request are words of the request.
        assert_eq!(kept("now deploy api"), "now deploy api");
        assert_eq!(kept("deploy you to prod"), "deploy you to prod");
        assert_eq!(kept("can you now deploy"), "now deploy");
        // Quoted words are values.
        assert_eq!(kept("restart \"the\" please"), "restart the");
    }

    #[test]
    fn ends_are_trimmed_and_phrases_reduced() {
        let mut tokens = tokenize("please do the same again thanks");
        mark_fillers(&mut tokens);
        let words: Vec<&str> = trim(&tokens).iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, vec!["do", "the", "same", "again"]);
        assert_eq!(core_of("do the same"), "do same");
        assert_eq!(core_of("again"), "again");
    }
}
