//! What a chat message asks for: one of the conversational commands about the current plan
//! (approve, reject, run it, what will this do?, status, cancel, help, clear memory) or a
//! request for a new plan. Matching ignores case, punctuation, extra whitespace and polite
//! fillers ("ok, run it please"); anything that is not clearly a command is a request, so a
//! planner gets the chance to answer it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
pub enum Intent {
    /// Approve the pending plan, with an optional comment ("approve: checked the diff").
    Approve {
        comment: Option<String>,
    },
    /// Reject the pending plan, with an optional reason ("reject because it is Friday").
    Reject {
        comment: Option<String>,
    },
    /// Execute the approved (or allowed) plan.
    Run,
    /// Show the preview of the current plan.
    Explain,
    /// Where the current plan is.
    Status,
    Cancel,
    /// What can be asked; `topic` narrows it ("help deploy").
    Help {
        topic: Option<String>,
    },
    /// Forget the session's memory.
    ClearMemory,
    /// Anything else: text for a planner.
    Request {
        text: String,
    },
}

const RUN: &[&str] = &[
    "run",
    "run it",
    "run this",
    "run that",
    "run the plan",
    "run plan",
    "execute",
    "execute it",
    "execute this",
    "execute the plan",
    "go",
    "go ahead",
    "do it",
    "proceed",
    "start it",
    "launch it",
];

const EXPLAIN: &[&str] = &[
    "what will this do",
    "what will it do",
    "what would this do",
    "what would it do",
    "what does this do",
    "what does it do",
    "what is the plan",
    "what's the plan",
    "whats the plan",
    "explain",
    "explain it",
    "explain this",
    "explain the plan",
    "preview",
    "show preview",
    "show the preview",
    "show me the preview",
    "show the plan",
    "show me the plan",
    "show plan",
    "dry run",
    "simulate",
    "simulate it",
];

const STATUS: &[&str] = &[
    "status",
    "plan status",
    "what's the status",
    "whats the status",
    "what is the status",
    "status of the plan",
    "how is it going",
    "how's it going",
    "hows it going",
    "progress",
    "is it done",
    "is it done yet",
    "where are we",
];

const CANCEL: &[&str] = &[
    "cancel",
    "cancel it",
    "cancel this",
    "cancel that",
    "cancel the plan",
    "abort",
    "abort it",
    "stop",
    "stop it",
    "never mind",
    "nevermind",
    "forget it",
];

const HELP: &[&str] =
    &["help", "help me", "what can you do", "what can i do", "what can i say", "what can i ask", "commands", "options"];

const CLEAR: &[&str] = &[
    "clear memory",
    "clear your memory",
    "clear the memory",
    "clear context",
    "clear",
    "forget",
    "forget everything",
    "reset",
    "reset memory",
    "start over",
    "new topic",
];

const APPROVE: &[&str] = &["approve", "approved", "approving", "lgtm", "i approve"];
const REJECT: &[&str] = &["reject", "rejected", "rejecting", "deny", "denied", "decline", "declined", "i reject"];

/// Words that may follow approve/reject before a comment: "approve it", "reject the plan".
const OBJECTS: &[&str] = &["it", "this", "that", "the plan", "plan", "this plan", "that plan"];

const LEADING_FILLERS: &[&str] = &["please", "pls", "ok", "okay", "hey", "so", "yes", "yeah", "alright", "well"];
const TRAILING_FILLERS: &[&str] = &["please", "pls", "thanks", "thank you", "now"];

/// A word with its original spelling and its normalized form.
struct Word<'a> {
    original: &'a str,
    norm: String,
}

fn normalize(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'').to_lowercase().replace('\u{2019}', "'")
}

/// The number of leading words of `words` that spell `phrase`, if they do.
fn starts_with(words: &[Word<'_>], phrase: &str) -> Option<usize> {
    let parts: Vec<&str> = phrase.split(' ').collect();
    (words.len() >= parts.len() && words.iter().zip(&parts).all(|(w, p)| w.norm == *p)).then_some(parts.len())
}

fn is_exactly(words: &[Word<'_>], phrases: &[&str]) -> bool {
    phrases.iter().any(|p| starts_with(words, p) == Some(words.len()))
}

/// The longest phrase of `phrases` that `words` starts with.
fn longest_prefix(words: &[Word<'_>], phrases: &[&str]) -> Option<usize> {
    phrases.iter().filter_map(|p| starts_with(words, p)).max()
}

/// Whatever follows the command, in its original spelling, without separators.
fn comment(words: &[Word<'_>], skip: usize) -> Option<String> {
    let mut rest = &words[skip..];
    if let Some(n) = longest_prefix(rest, OBJECTS) {
        // "approve it" but not "approve this: ..." read as an object when it is all there is.
        rest = &rest[n..];
    }
    let mut text = rest.iter().map(|w| w.original).collect::<Vec<_>>().join(" ");
    loop {
        let before = text.len();
        text = text.trim_start_matches([':', '-', ',', '.', ';', '\u{2014}', '\u{2013}', ' ']).to_string();
        for lead in ["because ", "with comment ", "with the comment ", "comment ", "reason "] {
            if text.get(..lead.len()).is_some_and(|head| head.eq_ignore_ascii_case(lead)) {
                text = text[lead.len()..].to_string();
            }
        }
        if text.len() == before {
            break;
        }
    }
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Reads a chat message.
pub fn parse_intent(text: &str) -> Intent {
    let trimmed = text.trim();
    let request = || Intent::Request { text: trimmed.to_string() };
    if trimmed == "?" {
        return Intent::Help { topic: None };
    }
    let mut words: Vec<Word<'_>> = trimmed
        .split_whitespace()
        .map(|w| Word { original: w, norm: normalize(w) })
        .filter(|w| !w.norm.is_empty())
        .collect();
    // Fillers go only while something is left: "ok" alone is not a command.
    while words.len() > 1 && LEADING_FILLERS.contains(&words[0].norm.as_str()) {
        words.remove(0);
    }
    loop {
        let n = words.len();
        let cut = TRAILING_FILLERS.iter().find_map(|f| {
            let parts = f.split(' ').count();
            (n > parts && words[n - parts..].iter().map(|w| w.norm.as_str()).collect::<Vec<_>>().join(" ") == *f)
                .then_some(parts)
        });
        match cut {
            Some(parts) => words.truncate(n - parts),
            None => break,
        }
    }
    if words.is_empty() {
        return request();
    }
    if let Some(n) = longest_prefix(&words, APPROVE) {
        return Intent::Approve { comment: comment(&words, n) };
    }
    if let Some(n) = longest_prefix(&words, REJECT) {
        return Intent::Reject { comment: comment(&words, n) };
    }
    let table: [(&[&str], Intent); 6] = [
        (RUN, Intent::Run),
        (EXPLAIN, Intent::Explain),
        (STATUS, Intent::Status),
        (CANCEL, Intent::Cancel),
        (CLEAR, Intent::ClearMemory),
        (HELP, Intent::Help { topic: None }),
    ];
    for (phrases, intent) in table {
        if is_exactly(&words, phrases) {
            return intent;
        }
    }
    if words[0].norm == "help" {
        let mut rest = &words[1..];
        while matches!(rest.first().map(|w| w.norm.as_str()), Some("with" | "on" | "about" | "me" | "for")) {
            rest = &rest[1..];
        }
        let topic = rest.iter().map(|w| w.norm.as_str()).collect::<Vec<_>>().join(" ");
        return Intent::Help { topic: (!topic.is_empty()).then_some(topic) };
    }
    request()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approve(c: Option<&str>) -> Intent {
        Intent::Approve { comment: c.map(str::to_string) }
    }

    fn reject(c: Option<&str>) -> Intent {
        Intent::Reject { comment: c.map(str::to_string) }
    }

    fn req(t: &str) -> Intent {
        Intent::Request { text: t.to_string() }
    }

    #[test]
    fn intent_table() {
        let cases: Vec<(&str, Intent)> = vec![
            ("approve", approve(None)),
            ("Approve.", approve(None)),
            ("  APPROVE it  ", approve(None)),
            ("approved!", approve(None)),
            ("LGTM", approve(None)),
            ("ok, approve please", approve(None)),
            ("approve: Checked the diff with Carol", approve(Some("Checked the diff with Carol"))),
            ("approve - looks fine", approve(Some("looks fine"))),
            ("approve it, because the canary is green", approve(Some("the canary is green"))),
            ("I approve this plan: ship it", approve(Some("ship it"))),
            ("reject", reject(None)),
            ("Reject the plan.", reject(None)),
            ("reject: too risky on a Friday", reject(Some("too risky on a Friday"))),
            ("reject because Prod is frozen", reject(Some("Prod is frozen"))),
            ("deny it - wrong version", reject(Some("wrong version"))),
            ("declined", reject(None)),
            ("run it", Intent::Run),
            ("Run it!", Intent::Run),
            ("ok run it now", Intent::Run),
            ("go ahead", Intent::Run),
            ("execute the plan please", Intent::Run),
            ("do it", Intent::Run),
            ("what will this do?", Intent::Explain),
            ("What will it do", Intent::Explain),
            ("what's the plan?", Intent::Explain),
            ("What\u{2019}s the plan?", Intent::Explain),
            ("preview", Intent::Explain),
            ("dry run", Intent::Explain),
            ("status", Intent::Status),
            ("Status?", Intent::Status),
            ("what's the status?", Intent::Status),
            ("how is it going", Intent::Status),
            ("cancel", Intent::Cancel),
            ("cancel it.", Intent::Cancel),
            ("abort", Intent::Cancel),
            ("never mind", Intent::Cancel),
            ("help", Intent::Help { topic: None }),
            ("Help!", Intent::Help { topic: None }),
            ("?", Intent::Help { topic: None }),
            ("what can you do?", Intent::Help { topic: None }),
            ("help me with deploy", Intent::Help { topic: Some("deploy".into()) }),
            ("help scale", Intent::Help { topic: Some("scale".into()) }),
            ("clear memory", Intent::ClearMemory),
            ("Forget everything.", Intent::ClearMemory),
            ("start over", Intent::ClearMemory),
            ("deploy web to prod", req("deploy web to prod")),
            ("  restart it again ", req("restart it again")),
            ("do it again", req("do it again")),
            ("run the backup job", req("run the backup job")),
            ("stop the web service", req("stop the web service")),
            ("ok", req("ok")),
            ("", req("")),
            ("status of payments deploy", req("status of payments deploy")),
        ];
        assert!(cases.len() >= 50);
        for (text, want) in cases {
            assert_eq!(parse_intent(text), want, "{text:?}");
        }
    }
}
