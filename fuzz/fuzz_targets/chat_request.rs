//! Chat messages as anyone in a conversation may type them: a short conversation of up to four
//! turns (separated by the byte 0x1E in the input) goes through `parse_intent` and the alias
//! planner, with the session memory carried from turn to turn through JSON as the server stores
//! it. Turns alternate between the project's full catalog and an agent's restricted one.
//!
//! Each turn is first filtered the way `api/src/services/chat.rs` (`send`) filters it (trimmed,
//! not empty, at most 4000 characters, no control characters but newline and tab): what the
//! server refuses never reaches a planner. Invariants: a proposed plan only names entries of the
//! catalog it was planned from, with parameters that pass that catalog's check; memory survives
//! its JSON round trip.

#![no_main]

use libfuzzer_sys::fuzz_target;
use praetor_fuzz::examples;
use praetor_planner::{AliasPlanner, Intent, Memory, help_for, parse_intent};

/// `MAX_MESSAGE_CHARS` in `api/src/services/chat.rs`.
const MAX_MESSAGE_CHARS: usize = 4_000;
const MAX_TURNS: usize = 4;

fuzz_target!(|data: &[u8]| {
    // Messages arrive in JSON strings: always UTF-8.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.to_string();
    praetor_fuzz::on_server_stack(move || converse(&text));
});

fn converse(text: &str) {
    let ex = examples();
    let agent = ex.catalog.restricted_to(&["deploy.*", "rollback.*", "service.*", "state.*"]);
    let planner = AliasPlanner::new();
    let mut memory = Memory::new();
    for (turn, said) in text.split('\u{1e}').take(MAX_TURNS).enumerate() {
        let said = said.trim();
        if said.is_empty()
            || said.chars().count() > MAX_MESSAGE_CHARS
            || said.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            continue;
        }
        let catalog = if turn % 2 == 0 { &ex.catalog } else { &agent };
        match parse_intent(said) {
            Intent::Request { text } => {
                let outcome = planner.plan_text(&text, catalog, &memory);
                if let Some(plan) = outcome.plan() {
                    for (kind, name, params) in plan.targets() {
                        let checked = catalog.check_params(kind, name, params.clone());
                        assert!(
                            checked.is_ok(),
                            "turn {turn}: proposed {name} {params} which the catalog refuses: {checked:?}"
                        );
                    }
                    std::hint::black_box(plan.fingerprint());
                }
                memory.record(&text, &outcome);
            }
            Intent::ClearMemory => memory.clear(),
            Intent::Help { topic } => {
                std::hint::black_box(help_for(catalog, topic.as_deref()).text());
                memory.note(said, "listed what is available");
            }
            other => memory.note(said, &format!("{other:?}")),
        }
        let stored = serde_json::to_string(&memory);
        assert!(stored.is_ok(), "memory does not serialize: {stored:?}");
        let loaded = stored.as_deref().map(serde_json::from_str::<Memory>);
        match loaded {
            Ok(Ok(m)) => memory = m,
            other => panic!("turn {turn}: memory does not load back from its JSON: {other:?}"),
        }
    }
}
