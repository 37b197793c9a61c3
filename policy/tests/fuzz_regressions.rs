//! Inputs that once broke the policy library, found with the fuzz targets in `fuzz/` (run by
//! `scripts/fuzz`). The same inputs are kept in `fuzz/seeds/`, so the fuzzers start from them
//! and keep covering them.
//!
//! The work runs on a thread with a 2 MiB stack, the size of the tokio worker and blocking
//! threads the server runs policy code on, and under a deadline: a hang fails the test instead
//! of stalling the suite, and a stack overflow aborts the test binary, which fails it too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::mpsc;
use std::time::Duration;

use praetor_policy::expr::{self, Input, MAX_EXPR_CHARS};
use praetor_policy::{CompileContext, Source, Tree, glob, time};
use serde_json::json;

const SERVER_STACK: usize = 2 * 1024 * 1024;

/// Runs `f` on a server-sized thread and returns its answer, failing after `limit`.
fn on_server_thread<R: Send + 'static>(limit: Duration, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(SERVER_STACK)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .unwrap();
    rx.recv_timeout(limit).unwrap_or_else(|e| panic!("no answer within {limit:?} ({e})"))
}

fn ctx() -> CompileContext {
    CompileContext {
        builtins: vec![("delay".to_string(), json!({"type": "object"}))],
        org: Some("demo".into()),
        ..Default::default()
    }
}

/// Found by `policy_load` (minimised): `time::parse_duration` splits off the unit with
/// `s.split_at(s.len() - 1)`, a byte index, so a duration ending in a multi-byte character
/// panics ("byte index is not a char boundary") instead of being refused. Reached from
/// `spec.approval.ttl` and `spec.grants.maxDuration` while compiling (`set.rs`, `check_policy`).
#[test]
fn durations_ending_in_a_multibyte_character_are_refused() {
    for bad in ["é", "1é", "24ч", "7日"] {
        let result = on_server_thread(Duration::from_secs(5), move || time::parse_duration(bad).is_err());
        assert!(result, "{bad:?} was accepted as a duration");
    }
    // As the fuzzer found it (fuzz/seeds/policy_load/finding-ttl-multibyte.yaml).
    let text = "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {name: e}\nspec:\n approval: { ttl: \"é\"}\n";
    let diags = on_server_thread(Duration::from_secs(5), move || {
        Tree::compile(&[Source::new("ttl.yaml", text)], &ctx()).err().unwrap_or_default()
    });
    assert!(diags.iter().any(|d| d.code == "PV010" && d.location.path == "spec.approval.ttl"), "{diags:?}");
}

/// Found by review of `glob::matches` and confirmed with the `policy_load` target (timeout):
/// its backtracking tries every split of the name for every `**` (and every split of a segment
/// for every `*`), so the work grows like (name length)^(number of stars). The 200-character
/// cap does not bound that: 12 stars against a 64-character action name take 35 s in the
/// instrumented fuzz build, and `set.rs` (`check_policy`, the schemas of a rule's actions)
/// calls it while *compiling* a policy, as do `decide` and `verify`. Any project admin can
/// apply such a bundle.
#[test]
fn glob_matching_is_bounded_by_the_lengths_not_their_power() {
    let long_name = "a".repeat(100);
    let stars = format!("{}z", "*".repeat(14));
    let hit = on_server_thread(Duration::from_secs(2), move || glob::matches(&stars, &long_name));
    assert!(!hit, "a pattern ending in `z` matched a name without one");
    // Single stars stay within a segment, and backtrack the same way inside it.
    let (name, pattern) = ("b".repeat(99), format!("{}c", "*b".repeat(40)));
    let hit = on_server_thread(Duration::from_secs(2), move || glob::matches(&pattern, &name));
    assert!(!hit);
    // The bundle as the fuzzer ran it (fuzz/seeds/policy_load/finding-glob-backtracking.yaml):
    // compiling must finish, whether the glob is accepted or refused.
    let text = format!(
        "apiVersion: praetor.dev/v1\nkind: Action\nmetadata: {{name: {}, org: demo}}\nspec: {{handler: {{builtin: delay}}}}\n---\napiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{name: p, org: demo}}\nspec:\n  rules:\n    - {{name: r, actions: [\"{}z\"], effect: deny}}\n",
        "a".repeat(64),
        "*".repeat(12)
    );
    let outcome = on_server_thread(Duration::from_secs(10), move || {
        Tree::compile(&[Source::new("glob.yaml", text)], &ctx()).map(|t| t.base.policies[0].rules.len())
    });
    match outcome {
        Ok(rules) => assert_eq!(rules, 1),
        Err(diags) => assert!(diags.iter().all(|d| d.location.path.starts_with("spec.rules[0].actions")), "{diags:?}"),
    }
}

/// Chains that stay within `MAX_EXPR_CHARS` and use no brackets beyond one level, so
/// `expr::compile`'s length and nesting checks pass them to `cel::Program::compile`.
fn chains() -> Vec<(&'static str, String)> {
    let terms = MAX_EXPR_CHARS / 2;
    vec![
        ("operator chain", vec!["1"; terms].join("+")),
        ("member chain", format!("params{}", ".a".repeat((MAX_EXPR_CHARS - 6) / 2))),
        ("method chain", format!("params{}", ".size()".repeat((MAX_EXPR_CHARS - 6) / 7))),
    ]
}

/// Found by review and confirmed with the `cel` target (a stack overflow on the 2 MiB worker):
/// `expr::compile` bounded the length and the bracket nesting, but a chain of binary operators
/// (`1+1+…`, `*`, `==`, `in`) or of member selections and method calls (`a.b.c…`,
/// `x.size().size()…`) nests the tree just as deep without a bracket. cel recurses over it twice:
/// its parser (`cel::parser::Parser::visit_calc`, `visit_MemberCall`, inside
/// `Program::compile`) and its interpreter (`cel::objects` `resolve_val`, inside
/// `Program::execute`, from `expr::eval_json`). On 2 MiB, the optimised fuzz build overflows when
/// evaluating `1+…+1` with 1,300 terms; with AddressSanitizer the parser overflows at 1,500 terms
/// or 300 chained `.size()` calls. The 4,096-character limit allowed 2,048 terms, and a stack
/// overflow aborts the whole server, not one request.
#[test]
fn long_chains_are_refused_or_evaluated_without_overflowing() {
    for (what, src) in chains() {
        assert!(src.chars().count() <= MAX_EXPR_CHARS, "{what}: the test input is too long");
        let outcome = on_server_thread(Duration::from_secs(20), move || {
            let compiled = expr::compile(&src)?;
            let params = json!({"a": 1});
            let empty = json!({});
            let input = Input {
                params: &params,
                state: &empty,
                principal: &empty,
                plan: &empty,
                now: Default::default(),
                usage: &empty,
            };
            Ok::<_, String>(expr::eval_json(&compiled, &input))
        });
        match (what, outcome) {
            (_, Err(refused)) => assert!(!refused.is_empty(), "{what}: refused without a reason"),
            ("operator chain", Ok(value)) => assert_eq!(value, Ok(json!(MAX_EXPR_CHARS / 2)), "{what}"),
            // `params.a.a` reads a field of a number, `params.size().size()` the size of one.
            (_, Ok(value)) => assert!(value.is_err(), "{what}: {value:?}"),
        }
    }
}

/// Found by the `cel` target (a stack overflow in cel's parser,
/// `antlr4rust::prediction_context::PredictionContext::from_rule_context`):
/// `\x['f\{{{…{{b>=1'y b=tes(2'x')` (fuzz/seeds/cel/finding-invalid-escape.cel). The nesting
/// check skipped string literals, and took `\{` for an escape: the 130 `{` after it looked like
/// the inside of a string. cel's lexer rejects `\{` (not a CEL escape), so the literal ends
/// there and the parser recurses into every `{` that follows. The check now stops reading a
/// literal where the lexer would: at a backslash that starts no escape (raw strings excepted).
#[test]
fn brackets_behind_an_invalid_escape_are_counted() {
    let found = "\\x['f\\{".to_string() + &"{".repeat(130) + "b>=1'y b=tes(2'x')";
    let deep = format!("'\\{}", "{".repeat(MAX_EXPR_CHARS - 2));
    for (what, src) in [("as found", found), ("as deep as allowed", deep)] {
        assert!(src.chars().count() <= MAX_EXPR_CHARS, "{what}: the test input is too long");
        let refused = on_server_thread(Duration::from_secs(20), move || expr::compile(&src).err());
        assert!(refused.as_deref().is_some_and(|e| e.contains("nests deeper")), "{what}: {refused:?}");
    }
    // What the lexer does read as a string still hides its brackets: escapes, raw strings.
    let braces = "{".repeat(40);
    for src in [
        format!("'\\'{braces}' == 'x'"),
        format!("'\\u00e9\\x41\\101\\n{braces}' == 'x'"),
        format!("r'\\{braces}' == 'x'"),
    ] {
        let outcome = on_server_thread(Duration::from_secs(20), move || expr::compile(&src).map(|_| ()));
        assert_eq!(outcome, Ok(()), "a valid literal was refused");
    }
}

/// Found by the `cel` target (a stack overflow in cel's parser): a literal opened by `'` and
/// broken by a line break, then 200 `{` (fuzz/seeds/cel/finding-line-break.cel). cel's lexer
/// ends a literal that is not triple-quoted at a line break and parses what follows as code;
/// the nesting check read on as if still inside the literal. Each reading of string literals
/// the check gets wrong is a way around it, so the check now only words the error: cel parses
/// on a stack of its own, sized for the deepest input the length limit allows, and a parse tree
/// deeper than `MAX_TREE_DEPTH` is refused after parsing. Literals the check still misreads
/// (here `\7`, which the lexer rejects without three octal digits) cannot overflow anything.
#[test]
fn brackets_after_a_broken_literal_cannot_overflow_the_parser() {
    let braces = "{".repeat(200);
    let found = format!(
        "\\x['\0\0\n{braces}{{'a': 1, 'b': [1, {{'c': 2}}]}}.b[1].c == 2 && usage.today + 2.0 > 10 || usage.plansThisHour"
    );
    let deepest = |open: &str| format!("{open}{}", "{".repeat(MAX_EXPR_CHARS - open.chars().count()));
    for (what, src) in [
        ("as found", found),
        ("line break, as deep as allowed", deepest("'\n")),
        ("triple quotes closed early, as deep as allowed", deepest("'''it's''' + ")),
        ("short octal escape, as deep as allowed", deepest("'\\7")),
        ("list chain", format!("{}1{}", "[".repeat(1000), "]".repeat(1000))),
    ] {
        assert!(src.chars().count() <= MAX_EXPR_CHARS, "{what}: the test input is too long");
        let refused = on_server_thread(Duration::from_secs(60), move || expr::compile(&src).err());
        assert!(refused.is_some_and(|e| !e.is_empty()), "{what}: compiled");
    }
    // As deep as the limits allow still compiles.
    let nested = format!("{}1{}", "[".repeat(expr::MAX_NESTING), "]".repeat(expr::MAX_NESTING));
    assert!(on_server_thread(Duration::from_secs(20), move || expr::compile(&nested).is_ok()));
    // Triple-quoted literals hold line breaks and quotes; their brackets are not code.
    let braces = "{".repeat(40);
    let src = format!("'''it's\n{braces}''' == params.title");
    let outcome = on_server_thread(Duration::from_secs(20), move || expr::compile(&src).map(|_| ()));
    assert_eq!(outcome, Ok(()), "a valid triple-quoted literal was refused");
}
