//! Turns words taken from chat into typed parameter values, as the parameter's JSON Schema
//! says: integers, numbers, booleans, enum members (matched case-insensitively and returned in
//! their canonical spelling) and strings. Range, length and pattern checks are left to the
//! schema validator, which reports them with the limits; this module only decides what a word
//! *is*, and says precisely when it cannot be that.

use serde_json::{Number, Value};

use crate::suggest::levenshtein;
use crate::validate::ParamProblem;

/// The `type`s a property allows, in the order a word is tried against them: the more specific
/// first, `string` last, so `5` becomes a number where a number is allowed.
fn types(prop: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = match prop.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let rank = |t: &&str| match *t {
        "null" => 0,
        "boolean" => 1,
        "integer" => 2,
        "number" => 3,
        _ => 4,
    };
    out.sort_by_key(rank);
    out
}

fn parse_bool(word: &str) -> Option<bool> {
    match word.to_lowercase().as_str() {
        "true" | "yes" | "on" | "enabled" | "enable" | "1" => Some(true),
        "false" | "no" | "off" | "disabled" | "disable" | "0" => Some(false),
        _ => None,
    }
}

fn parse_integer(word: &str) -> Option<Value> {
    let cleaned = word.replace('_', "");
    if let Ok(i) = cleaned.parse::<i64>() {
        return Some(Value::from(i));
    }
    // `3.0` is an integer in JSON Schema's sense; `3.5` is not.
    let f = cleaned.parse::<f64>().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then(|| Value::from(f as i64))
}

fn parse_number(word: &str) -> Option<Value> {
    let cleaned = word.replace('_', "");
    if let Ok(i) = cleaned.parse::<i64>() {
        return Some(Value::from(i));
    }
    cleaned.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number)
}

fn describe_type(t: &str) -> &'static str {
    match t {
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "true or false",
        "null" => "null",
        "string" => "text",
        _ => "a value of another kind",
    }
}

/// What a parameter expects, for questions ("one of web, api, worker", "an integer from 1
/// to 50").
pub(crate) fn describe_param(prop: Option<&Value>) -> String {
    let Some(prop) = prop else { return "a value".into() };
    if let Some(options) = prop.get("enum").and_then(Value::as_array) {
        let names: Vec<String> =
            options.iter().map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string)).collect();
        return format!("one of {}", names.join(", "));
    }
    let ts = types(prop);
    let Some(first) = ts.iter().find(|t| **t != "null") else { return "a value".into() };
    let base = describe_type(first).to_string();
    match (prop.get("minimum"), prop.get("maximum")) {
        (Some(lo), Some(hi)) => format!("{base} from {lo} to {hi}"),
        (Some(lo), None) => format!("{base} of at least {lo}"),
        (None, Some(hi)) => format!("{base} of at most {hi}"),
        (None, None) => match prop.get("pattern").and_then(Value::as_str) {
            Some(p) => format!("{base} matching `{p}`"),
            None => base,
        },
    }
}

/// The enum member `word` names (exactly, else ignoring case).
fn enum_member<'a>(options: &'a [Value], word: &str) -> Option<&'a Value> {
    let spelled = |o: &Value| o.as_str().map_or_else(|| o.to_string(), str::to_string);
    options
        .iter()
        .find(|o| spelled(o) == word)
        .or_else(|| options.iter().find(|o| spelled(o).eq_ignore_ascii_case(word)))
}

/// Types `raw` for the parameter `param` whose schema is `prop` (none: the schema does not
/// declare it, the word stays a string and the validator decides). A quoted value is still
/// typed: `"5"` for an integer parameter is 5.
pub(crate) fn type_value(param: &str, prop: Option<&Value>, raw: &str) -> Result<Value, ParamProblem> {
    let Some(prop) = prop else { return Ok(Value::String(raw.to_string())) };
    if let Some(options) = prop.get("enum").and_then(Value::as_array) {
        if let Some(member) = enum_member(options, raw) {
            return Ok(member.clone());
        }
        let names: Vec<String> =
            options.iter().map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string)).collect();
        let near = names
            .iter()
            .map(|n| (levenshtein(&n.to_lowercase(), &raw.to_lowercase()), n))
            .filter(|(d, n)| *d <= 2 && *d < n.chars().count())
            .min();
        let hint = near.map(|(_, n)| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        return Err(ParamProblem::new(
            param,
            format!("`{param}` must be one of {}; got \"{raw}\"{hint}", names.join(", ")),
        ));
    }
    let ts = types(prop);
    if ts.is_empty() {
        return Ok(Value::String(raw.to_string()));
    }
    for t in &ts {
        let typed = match *t {
            "null" if raw.eq_ignore_ascii_case("null") => Some(Value::Null),
            "boolean" => parse_bool(raw).map(Value::Bool),
            "integer" => parse_integer(raw),
            "number" => parse_number(raw),
            "string" => Some(Value::String(raw.to_string())),
            _ => None,
        };
        if let Some(v) = typed {
            return Ok(v);
        }
    }
    let wanted: Vec<&str> = ts.iter().map(|t| describe_type(t)).collect();
    Err(ParamProblem::new(param, format!("`{param}` must be {}, got \"{raw}\"", wanted.join(" or "))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn words_become_typed_values() {
        let int = json!({"type": "integer", "minimum": 1, "maximum": 50});
        assert_eq!(type_value("n", Some(&int), "12"), Ok(json!(12)));
        assert_eq!(type_value("n", Some(&int), "3.0"), Ok(json!(3)));
        assert_eq!(type_value("n", Some(&int), "3.5").unwrap_err().message, "`n` must be an integer, got \"3.5\"");
        assert_eq!(type_value("n", Some(&int), "ten").unwrap_err().message, "`n` must be an integer, got \"ten\"");
        let num = json!({"type": "number"});
        assert_eq!(type_value("x", Some(&num), "0.25"), Ok(json!(0.25)));
        assert!(type_value("x", Some(&num), "NaN").is_err());
        let b = json!({"type": "boolean"});
        assert_eq!(type_value("on", Some(&b), "Yes"), Ok(json!(true)));
        assert_eq!(type_value("on", Some(&b), "off"), Ok(json!(false)));
        assert_eq!(
            type_value("on", Some(&b), "maybe").unwrap_err().message,
            "`on` must be true or false, got \"maybe\""
        );
        let e = json!({"type": "string", "enum": ["staging", "prod"]});
        assert_eq!(type_value("env", Some(&e), "PROD"), Ok(json!("prod")));
        assert_eq!(
            type_value("env", Some(&e), "prd").unwrap_err().message,
            "`env` must be one of staging, prod; got \"prd\" (did you mean `prod`?)"
        );
        assert_eq!(
            type_value("env", Some(&e), "qa").unwrap_err().message,
            "`env` must be one of staging, prod; got \"qa\""
        );
        let nullable = json!({"type": ["string", "null", "integer"]});
        assert_eq!(type_value("v", Some(&nullable), "7"), Ok(json!(7)));
        assert_eq!(type_value("v", Some(&nullable), "seven"), Ok(json!("seven")));
        assert_eq!(type_value("v", None, "7"), Ok(json!("7")));
    }

    #[test]
    fn parameters_are_described_for_questions() {
        assert_eq!(describe_param(Some(&json!({"enum": ["web", "api"]}))), "one of web, api");
        assert_eq!(
            describe_param(Some(&json!({"type": "integer", "minimum": 1, "maximum": 50}))),
            "an integer from 1 to 50"
        );
        assert_eq!(describe_param(Some(&json!({"type": "integer", "minimum": 1}))), "an integer of at least 1");
        assert_eq!(describe_param(Some(&json!({"type": "string", "pattern": "^[a-z]+$"}))), "text matching `^[a-z]+$`");
        assert_eq!(describe_param(None), "a value");
    }
}
