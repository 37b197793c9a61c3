//! Action and template parameters as a chat planner, a model or an API client proposes them,
//! checked against every parameter schema of the example catalog the way the planner checks
//! them (`Catalog::check_params`: defaults filled, then JSON Schema validation), and, when they
//! pass, taken through what the server does next: template expansion, decision, handler and
//! compensation templates, computed cost.
//!
//! The input is JSON when it parses as JSON (the seeds are), otherwise a structured value built
//! from the bytes with `arbitrary`, so mutations that break the JSON syntax still explore values.
//! Invariants: a refusal names at least one problem; parameters that passed pass again unchanged
//! (the server validates again after the planner).

#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use praetor_fuzz::{examples, expand_template, json_object, json_value, moments, simulate_step};
use praetor_planner::EntryKind;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let params = match serde_json::from_slice::<Value>(data) {
        Ok(v) => v,
        Err(_) => {
            let mut u = Unstructured::new(data);
            // Mostly objects, as parameters are; sometimes anything, which must be refused.
            let generated = match u.ratio(1, 8) {
                Ok(true) => json_value(&mut u, 0),
                _ => json_object(&mut u, 0),
            };
            match generated {
                Ok(v) => v,
                Err(_) => return,
            }
        }
    };
    praetor_fuzz::on_server_stack(move || check(&params));
});

fn check(params: &Value) {
    let ex = examples();
    let now = moments();
    for (i, entry) in ex.catalog.entries().enumerate() {
        let now = now[i % now.len()];
        match ex.catalog.check_params(entry.kind, &entry.name, params.clone()) {
            Ok(done) => {
                let again = ex.catalog.check_params(entry.kind, &entry.name, done.clone());
                assert_eq!(
                    again.as_ref(),
                    Ok(&done),
                    "{}: accepted parameters are refused or changed when checked again",
                    entry.label()
                );
                match entry.kind {
                    EntryKind::Action => simulate_step(&ex.effective, &entry.name, &done, now),
                    EntryKind::Template => {
                        for (action, step) in expand_template(&ex.effective, &entry.name, &done, now) {
                            if let Ok(step) = ex.catalog.check_params(EntryKind::Action, &action, step) {
                                simulate_step(&ex.effective, &action, &step, now);
                            }
                        }
                    }
                }
            }
            Err(problems) => {
                assert!(!problems.is_empty(), "{}: refused without a reason", entry.label());
                for p in &problems {
                    std::hint::black_box(p.to_string());
                }
            }
        }
    }
}
