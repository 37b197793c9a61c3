//! `x-synonyms` on a parameter: other words people use for its values. In an action's
//! parameters schema, `env: {enum: [staging, prod], x-synonyms: {production: prod}}` lets a chat
//! request say "production" where the action wants `prod`; the plan carries `prod`.
//!
//! JSON Schema validation ignores the keyword (it is an `x-` vendor keyword), so a parameter
//! value is never accepted *because* of a synonym: the chat planners replace the word by its
//! value first, then validate. The policy compiler checks the keyword here (PV008): it maps
//! single words to values the parameter accepts, a word is given once (case is ignored), and a
//! word that already is one of the parameter's values is not also a synonym.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// The keyword, on a property of a parameters schema.
pub const KEYWORD: &str = "x-synonyms";

/// The value `word` stands for in the parameter whose schema is `prop`, ignoring case.
pub fn lookup<'a>(prop: &'a Value, word: &str) -> Option<&'a Value> {
    let word = word.to_lowercase();
    let synonyms = prop.get(KEYWORD)?.as_object()?;
    synonyms.iter().find(|(w, _)| w.to_lowercase() == word).map(|(_, value)| value)
}

/// One thing wrong with a parameter's synonyms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, below the parameters schema: `properties.env.x-synonyms.production`.
    pub path: String,
    pub message: String,
}

/// What is wrong with the synonyms of the top-level properties of a parameters schema (the
/// planners read no deeper).
pub fn problems(schema: &Value) -> Vec<Problem> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return Vec::new() };
    props.iter().flat_map(|(name, prop)| property_problems(name, prop)).collect()
}

fn property_problems(name: &str, prop: &Value) -> Vec<Problem> {
    let Some(synonyms) = prop.get(KEYWORD) else { return Vec::new() };
    let path = format!("properties.{name}.{KEYWORD}");
    let Some(map) = synonyms.as_object() else {
        return vec![Problem { path, message: format!("`{KEYWORD}` of `{name}` must map words to values") }];
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (word, value) in map {
        let problem = if word.is_empty() || word.chars().any(char::is_whitespace) {
            Some(format!("`{word}`: a synonym of `{name}` is one word"))
        } else if !seen.insert(word.to_lowercase()) {
            Some(format!("`{word}` is a synonym of `{name}` twice (case is ignored)"))
        } else if is_own_value(prop, word) {
            Some(format!("`{word}` is already a value of `{name}`, so it cannot stand for another"))
        } else if !accepts(prop, value) {
            Some(format!("`{word}` stands for {value}, which `{name}` does not accept{}", options(prop)))
        } else {
            None
        };
        if let Some(message) = problem {
            out.push(Problem { path: format!("{path}.{word}"), message });
        }
    }
    out
}

fn enum_of(prop: &Value) -> Option<&Vec<Value>> {
    prop.get("enum").and_then(Value::as_array)
}

/// Whether `word` names one of the parameter's enum values, ignoring case.
fn is_own_value(prop: &Value, word: &str) -> bool {
    let word = word.to_lowercase();
    enum_of(prop).is_some_and(|options| options.iter().any(|o| o.as_str().is_some_and(|s| s.to_lowercase() == word)))
}

/// Whether the parameter's schema accepts `value`. A schema that does not compile on its own
/// (one that refers to definitions elsewhere) is given the benefit of the doubt: the check of
/// the whole schema reports what is wrong with it.
fn accepts(prop: &Value, value: &Value) -> bool {
    if let Some(options) = enum_of(prop) {
        return options.contains(value);
    }
    let mut bare: Map<String, Value> = prop.as_object().cloned().unwrap_or_default();
    bare.remove(KEYWORD);
    jsonschema::validator_for(&Value::Object(bare)).map_or(true, |v| v.is_valid(value))
}

fn options(prop: &Value) -> String {
    let Some(options) = enum_of(prop) else { return String::new() };
    let names: Vec<String> = options.iter().map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string)).collect();
    format!(" (one of {})", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(synonyms: Value) -> Value {
        json!({"type": "object", "properties": {
            "env": {"type": "string", "enum": ["staging", "prod"], "x-synonyms": synonyms},
            "replicas": {"type": "integer", "minimum": 1, "x-synonyms": {"one": 1, "none": 0}},
        }})
    }

    fn messages(schema: &Value) -> Vec<(String, String)> {
        problems(schema).into_iter().map(|p| (p.path, p.message)).collect()
    }

    #[test]
    fn synonyms_are_found_ignoring_case() {
        let schema = env(json!({"production": "prod", "Stage": "staging"}));
        let prop = &schema["properties"]["env"];
        assert_eq!(lookup(prop, "PRODUCTION"), Some(&json!("prod")));
        assert_eq!(lookup(prop, "stage"), Some(&json!("staging")));
        assert_eq!(lookup(prop, "prod"), None);
        assert_eq!(lookup(&json!({"type": "string"}), "production"), None);
        assert_eq!(lookup(&json!({"x-synonyms": ["production"]}), "production"), None);
    }

    #[test]
    fn synonyms_must_name_values_the_parameter_accepts() {
        assert_eq!(
            messages(&env(json!({"production": "prod"}))),
            vec![(
                "properties.replicas.x-synonyms.none".to_string(),
                "`none` stands for 0, which `replicas` does not accept".to_string()
            )]
        );
        // The map's order depends on serde_json's features: compare as sets.
        let bad = env(json!({"production": "prd", "PROD": "prod", "two words": "prod"}));
        let mut got = messages(&bad);
        got.sort();
        assert_eq!(
            got,
            vec![
                (
                    "properties.env.x-synonyms.PROD".to_string(),
                    "`PROD` is already a value of `env`, so it cannot stand for another".to_string()
                ),
                (
                    "properties.env.x-synonyms.production".into(),
                    "`production` stands for \"prd\", which `env` does not accept (one of staging, prod)".into()
                ),
                ("properties.env.x-synonyms.two words".into(), "`two words`: a synonym of `env` is one word".into()),
                (
                    "properties.replicas.x-synonyms.none".into(),
                    "`none` stands for 0, which `replicas` does not accept".into()
                ),
            ]
        );
        let twice = messages(&env(json!({"live": "prod", "LIVE": "prod"})));
        assert_eq!(twice.len(), 2, "{twice:?}");
        assert!(twice[0].1.ends_with("is a synonym of `env` twice (case is ignored)"), "{twice:?}");
        assert_eq!(
            messages(&json!({"properties": {"env": {"x-synonyms": "prod"}}})),
            vec![("properties.env.x-synonyms".into(), "`x-synonyms` of `env` must map words to values".into())]
        );
        assert!(messages(&json!({"type": "object"})).is_empty());
    }
}
