//! The project state document and the operations that change it.
//!
//! State is one JSON object per project. Every change is recorded as a list of [`StateOp`]s with
//! absolute values (an increment is recorded as the value it produced), so folding the recorded
//! ops reproduces the state without re-reading anything: that is what makes replay exact.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canonical::canonical_json;

/// A state path, patch or size that is not acceptable: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid { field: field.into(), message: message.into() }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid {}: {}", self.field, self.message)
    }
}

impl std::error::Error for Invalid {}

type Result<T> = std::result::Result<T, Invalid>;

/// Longest dotted path accepted, in segments.
pub const MAX_PATH_DEPTH: usize = 16;
/// Largest state document, in bytes of canonical JSON.
pub const MAX_STATE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum StateOp {
    Set { path: String, value: Value },
    Delete { path: String },
}

/// One predicted or recorded change, for previews and diffs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateChange {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub fn empty() -> Value {
    Value::Object(Map::new())
}

/// SHA-256 of the canonical encoding.
pub fn hash(state: &Value) -> String {
    hex::encode(Sha256::digest(canonical_json(state).as_bytes()))
}

/// Splits and checks a dotted path such as `deployments.web`.
pub fn parse_path(field: &str, path: &str) -> Result<Vec<String>> {
    let segments: Vec<String> = path.split('.').map(str::to_string).collect();
    let ok_segment = |s: &String| {
        !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if segments.len() > MAX_PATH_DEPTH || !segments.iter().all(ok_segment) {
        return Err(Invalid::new(
            field,
            format!(
                "`{path}` is not a state path: dot-separated names of letters, digits, '_' and '-', at most {MAX_PATH_DEPTH} deep"
            ),
        ));
    }
    Ok(segments)
}

pub fn get<'a>(state: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = state;
    for seg in path.split('.') {
        cur = cur.as_object()?.get(seg)?;
    }
    Some(cur)
}

fn set_in(state: &mut Value, segments: &[String], value: Value) {
    if !state.is_object() {
        *state = empty();
    }
    let Some(map) = state.as_object_mut() else {
        return;
    };
    match segments {
        [] => {}
        [last] => {
            map.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let child = map.entry(first.clone()).or_insert_with(empty);
            set_in(child, rest, value);
        }
    }
}

fn delete_in(state: &mut Value, segments: &[String]) {
    let Some(map) = state.as_object_mut() else {
        return;
    };
    match segments {
        [] => {}
        [last] => {
            map.remove(last);
        }
        [first, rest @ ..] => {
            if let Some(child) = map.get_mut(first) {
                delete_in(child, rest);
            }
        }
    }
}

/// Applies recorded ops. Paths were validated when the ops were made.
pub fn apply(state: &mut Value, ops: &[StateOp]) {
    for op in ops {
        match op {
            StateOp::Set { path, value } => {
                let segs: Vec<String> = path.split('.').map(str::to_string).collect();
                set_in(state, &segs, value.clone());
            }
            StateOp::Delete { path } => {
                let segs: Vec<String> = path.split('.').map(str::to_string).collect();
                delete_in(state, &segs);
            }
        }
    }
}

/// Turns a JSON merge patch (RFC 7386) into ops relative to `prefix`.
pub fn merge_patch_ops(prefix: Option<&str>, patch: &Value, out: &mut Vec<StateOp>) -> Result<()> {
    match patch {
        Value::Object(map) => {
            for (k, v) in map {
                let path = match prefix {
                    Some(p) => format!("{p}.{k}"),
                    None => k.clone(),
                };
                parse_path("patch", &path)?;
                match v {
                    Value::Null => out.push(StateOp::Delete { path }),
                    Value::Object(_) => merge_patch_ops(Some(&path), v, out)?,
                    other => out.push(StateOp::Set { path, value: other.clone() }),
                }
            }
            Ok(())
        }
        _ => Err(Invalid::new("patch", "a merge patch must be a JSON object")),
    }
}

/// What `ops` would change in `state`, path by path.
pub fn diff(state: &Value, ops: &[StateOp]) -> Vec<StateChange> {
    let mut after = state.clone();
    let mut changes = Vec::new();
    for op in ops {
        let path = match op {
            StateOp::Set { path, .. } | StateOp::Delete { path } => path.clone(),
        };
        let before = get(&after, &path).cloned();
        apply(&mut after, std::slice::from_ref(op));
        let now = get(&after, &path).cloned();
        if before != now {
            changes.push(StateChange { path, before, after: now });
        }
    }
    changes
}

/// Checks the size bound after applying ops.
pub fn check_size(state: &Value) -> Result<()> {
    let n = canonical_json(state).len();
    if n > MAX_STATE_BYTES {
        return Err(Invalid::new(
            "state",
            format!("the project state would grow to {n} bytes (limit {MAX_STATE_BYTES})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_delete_and_hash() {
        let mut s = empty();
        apply(&mut s, &[StateOp::Set { path: "deployments.web.env".into(), value: json!("prod") }]);
        assert_eq!(s, json!({"deployments": {"web": {"env": "prod"}}}));
        let h1 = hash(&s);
        apply(&mut s, &[StateOp::Delete { path: "deployments.web".into() }]);
        assert_eq!(s, json!({"deployments": {}}));
        assert_ne!(hash(&s), h1);
        // Key order does not change the hash.
        assert_eq!(hash(&json!({"a": 1, "b": 2})), hash(&json!({"b": 2, "a": 1})));
    }

    #[test]
    fn setting_through_a_scalar_replaces_it() {
        let mut s = json!({"a": 5});
        apply(&mut s, &[StateOp::Set { path: "a.b".into(), value: json!(1) }]);
        assert_eq!(s, json!({"a": {"b": 1}}));
    }

    #[test]
    fn merge_patch_follows_rfc7386() {
        let mut ops = Vec::new();
        merge_patch_ops(None, &json!({"a": {"b": null, "c": [1]}, "d": "x"}), &mut ops).unwrap();
        let mut s = json!({"a": {"b": 1, "keep": true}});
        apply(&mut s, &ops);
        assert_eq!(s, json!({"a": {"c": [1], "keep": true}, "d": "x"}));
        assert!(merge_patch_ops(None, &json!([1]), &mut Vec::new()).is_err());
    }

    #[test]
    fn paths_are_checked() {
        assert!(parse_path("key", "a.b-c.d_1").is_ok());
        for bad in ["", "a..b", "a.b c", ".a", &"x.".repeat(20)] {
            assert!(parse_path("key", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn diff_lists_real_changes_only() {
        let s = json!({"flags": {"beta": true}});
        let ops = vec![
            StateOp::Set { path: "flags.beta".into(), value: json!(true) },
            StateOp::Set { path: "flags.gamma".into(), value: json!(1) },
            StateOp::Delete { path: "flags.beta".into() },
        ];
        let d = diff(&s, &ops);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0], StateChange { path: "flags.gamma".into(), before: None, after: Some(json!(1)) });
        assert_eq!(d[1], StateChange { path: "flags.beta".into(), before: Some(json!(true)), after: None });
    }
}
