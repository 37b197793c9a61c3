//! Turns words taken from chat into typed parameter values, as the parameter's JSON Schema
//! says: integers, numbers, booleans, enum members (matched case-insensitively and returned in
//! their canonical spelling) and strings. A word that is one of the parameter's `x-synonyms`
//! ("production" where `env` declares `production: prod`) is typed as the value it stands for.
//! Other strings keep their case: only enum members and synonyms are matched ignoring it. Range,
//! length and pattern checks are left to the schema validator, which reports them with the
//! limits; this module only decides what a word *is*, and says precisely when it cannot be that.

use praetor_policy::synonyms;

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

/// `3` for `v3` (or `V3`): versions are written so. Only where a parameter cannot be text, so
/// that a tag `v3` stays a tag.
fn without_v(word: &str) -> &str {
    word.strip_prefix(['v', 'V']).filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit())).unwrap_or(word)
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
    match synonyms::lookup(prop, raw) {
        // The value a synonym stands for is typed as if it had been said: it may still need its
        // enum's spelling or a number's type; the validator checks it either way.
        Some(Value::String(meant)) => type_word(param, prop, meant),
        Some(meant) => Ok(meant.clone()),
        None => type_word(param, prop, raw),
    }
}

/// The enum names a near miss of `raw` is looked for among: the values and the synonyms.
fn near_names(names: &[String], prop: &Value) -> Vec<String> {
    let mut out = names.to_vec();
    if let Some(map) = prop.get(synonyms::KEYWORD).and_then(Value::as_object) {
        out.extend(map.keys().cloned());
    }
    out
}

fn type_word(param: &str, prop: &Value, raw: &str) -> Result<Value, ParamProblem> {
    if let Some(options) = prop.get("enum").and_then(Value::as_array) {
        if let Some(member) = enum_member(options, raw) {
            return Ok(member.clone());
        }
        let names: Vec<String> =
            options.iter().map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string)).collect();
        let near = near_names(&names, prop)
            .into_iter()
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
    let number = if ts.contains(&"string") { raw } else { without_v(raw) };
    for t in &ts {
        let typed = match *t {
            "null" if raw.eq_ignore_ascii_case("null") => Some(Value::Null),
            "boolean" => parse_bool(raw).map(Value::Bool),
            "integer" => parse_integer(number),
            "number" => parse_number(number),
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
        // Text keeps its case.
        assert_eq!(type_value("title", Some(&json!({"type": "string"})), "Disk Full"), Ok(json!("Disk Full")));
    }

    #[test]
    fn versions_may_be_written_with_a_v() {
        let int = json!({"type": "integer", "minimum": 1});
        assert_eq!(type_value("version", Some(&int), "v3"), Ok(json!(3)));
        assert_eq!(type_value("version", Some(&int), "V12"), Ok(json!(12)));
        assert_eq!(type_value("x", Some(&json!({"type": "number"})), "v1.5"), Ok(json!(1.5)));
        assert_eq!(
            type_value("version", Some(&int), "v").unwrap_err().message,
            "`version` must be an integer, got \"v\""
        );
        assert!(type_value("version", Some(&int), "vv3").is_err());
        // Where text is allowed, `v1.2.3` is text, as typed.
        let tag = json!({"type": ["integer", "string"]});
        assert_eq!(type_value("version", Some(&tag), "v3"), Ok(json!("v3")));
        assert_eq!(type_value("version", Some(&json!({"type": "string"})), "V1.2.3"), Ok(json!("V1.2.3")));
    }

    #[test]
    fn synonyms_are_typed_as_their_values() {
        let env = json!({"type": "string", "enum": ["staging", "prod"], "x-synonyms": {"production": "prod", "stage": "staging"}});
        assert_eq!(type_value("env", Some(&env), "production"), Ok(json!("prod")));
        assert_eq!(type_value("env", Some(&env), "PRODUCTION"), Ok(json!("prod")));
        assert_eq!(type_value("env", Some(&env), "stage"), Ok(json!("staging")));
        assert_eq!(type_value("env", Some(&env), "Prod"), Ok(json!("prod")));
        assert_eq!(
            type_value("env", Some(&env), "prodution").unwrap_err().message,
            "`env` must be one of staging, prod; got \"prodution\" (did you mean `production`?)"
        );
        let n = json!({"type": "integer", "x-synonyms": {"max": 50, "few": "3"}});
        assert_eq!(type_value("n", Some(&n), "MAX"), Ok(json!(50)));
        assert_eq!(type_value("n", Some(&n), "few"), Ok(json!(3)));
        let free = json!({"type": "string", "x-synonyms": {"production": "prod"}});
        assert_eq!(type_value("env", Some(&free), "Production"), Ok(json!("prod")));
        assert_eq!(type_value("env", Some(&free), "Prod"), Ok(json!("Prod")));
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
