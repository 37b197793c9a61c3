//! Parameter checks against an action's JSON Schema, with messages a person can act on
//! ("`replicas` must be at most 50, got 80"), and schema defaults filled in. Shared by every
//! planner, so an alias and a model are held to the same rules before the pipeline sees them.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One thing wrong with a set of parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamProblem {
    /// The parameter (`replicas`, `limits.cpu`); empty when it is about the whole object.
    pub param: String,
    pub message: String,
    /// The parameter is absent (as opposed to present and wrong).
    #[serde(default)]
    pub missing: bool,
}

impl ParamProblem {
    pub fn new(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self { param: param.into(), message: message.into(), missing: false }
    }
}

impl std::fmt::Display for ParamProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// How many problems are reported at most: the first few are what a person fixes first.
const MAX_PROBLEMS: usize = 5;

/// Every problem `validator` finds in `params` (at most a few), in the validator's order.
pub(crate) fn problems(validator: &Validator, params: &Value) -> Vec<ParamProblem> {
    validator.iter_errors(params).take(MAX_PROBLEMS).map(|e| describe(&e)).collect()
}

/// `a.b` for `/a/b`.
fn param_of(e: &ValidationError<'_>) -> String {
    e.instance_path().as_str().trim_start_matches('/').replace('/', ".")
}

/// A value as a person would write it: numbers bare, strings quoted.
pub(crate) fn show(v: &Value) -> String {
    v.to_string()
}

fn list(options: &Value) -> String {
    match options {
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

fn type_name(kind: &TypeKind) -> String {
    let article = |t: &str| if t.starts_with(['a', 'e', 'i', 'o', 'u']) { format!("an {t}") } else { format!("a {t}") };
    match kind {
        TypeKind::Single(t) => article(t.as_str()),
        TypeKind::Multiple(set) => set.iter().map(|t| article(t.as_str())).collect::<Vec<_>>().join(" or "),
    }
}

fn describe(e: &ValidationError<'_>) -> ParamProblem {
    let param = param_of(e);
    let got = show(e.instance());
    let named = if param.is_empty() { "the parameters".to_string() } else { format!("`{param}`") };
    let (param, message) = match e.kind() {
        ValidationErrorKind::Minimum { limit } => (param, format!("{named} must be at least {limit}, got {got}")),
        ValidationErrorKind::Maximum { limit } => (param, format!("{named} must be at most {limit}, got {got}")),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            (param, format!("{named} must be greater than {limit}, got {got}"))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            (param, format!("{named} must be less than {limit}, got {got}"))
        }
        ValidationErrorKind::Type { kind } => (param, format!("{named} must be {}, got {got}", type_name(kind))),
        ValidationErrorKind::Enum { options } => {
            (param, format!("{named} must be one of {}; got {got}", list(options)))
        }
        ValidationErrorKind::Constant { expected_value } => {
            (param, format!("{named} must be {expected_value}, got {got}"))
        }
        ValidationErrorKind::Pattern { pattern } => (param, format!("{named} must match `{pattern}`, got {got}")),
        ValidationErrorKind::MinLength { limit } => {
            (param, format!("{named} must be at least {limit} characters long, got {got}"))
        }
        ValidationErrorKind::MaxLength { limit } => (
            param,
            format!("{named} must be at most {limit} characters long, got {} characters", char_len(e.instance())),
        ),
        ValidationErrorKind::Required { property } => {
            let p = property.as_str().map_or_else(|| property.to_string(), str::to_string);
            let full = if param.is_empty() { p } else { format!("{param}.{p}") };
            let message = format!("`{full}` is required");
            return ParamProblem { param: full, message, missing: true };
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let first = unexpected.first().cloned().unwrap_or_default();
            let names = unexpected.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ");
            (first, format!("unknown parameter {names}"))
        }
        _ => (param, format!("{named}: {e}")),
    };
    ParamProblem::new(param, message)
}

fn char_len(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

/// Puts in place of a top-level string value the value it stands for, when it is one of the
/// property's `x-synonyms` (ignoring case).
pub(crate) fn apply_synonyms(schema: &Value, params: &mut Map<String, Value>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return };
    for (name, value) in params.iter_mut() {
        let meant = match (props.get(name), value.as_str()) {
            (Some(prop), Some(word)) => praetor_policy::synonyms::lookup(prop, word),
            _ => None,
        };
        if let Some(meant) = meant {
            *value = meant.clone();
        }
    }
}

/// Fills top-level properties that are absent with the schema's `default`.
pub(crate) fn fill_defaults(schema: &Value, params: &mut Map<String, Value>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return };
    for (name, prop) in props {
        if !params.contains_key(name)
            && let Some(d) = prop.get("default")
        {
            params.insert(name.clone(), d.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(schema: Value, params: Value) -> Vec<ParamProblem> {
        let v = jsonschema::validator_for(&schema).unwrap();
        problems(&v, &params)
    }

    #[test]
    fn messages_name_the_parameter_and_the_limit() {
        let schema = json!({
            "type": "object",
            "required": ["service", "replicas"],
            "additionalProperties": false,
            "properties": {
                "service": {"type": "string", "enum": ["web", "api"]},
                "replicas": {"type": "integer", "minimum": 1, "maximum": 50},
                "flag": {"type": "string", "pattern": "^[a-z]+$"},
                "title": {"type": "string", "maxLength": 3}
            }
        });
        let p = check(schema.clone(), json!({"service": "web", "replicas": 80}));
        assert_eq!(p, vec![ParamProblem::new("replicas", "`replicas` must be at most 50, got 80")]);
        let p = check(schema.clone(), json!({"service": "web", "replicas": 0}));
        assert_eq!(p[0].message, "`replicas` must be at least 1, got 0");
        let p = check(schema.clone(), json!({"service": "db", "replicas": 1}));
        assert_eq!(p[0].message, "`service` must be one of web, api; got \"db\"");
        let p = check(schema.clone(), json!({"service": "web", "replicas": "x"}));
        assert_eq!(p[0].message, "`replicas` must be an integer, got \"x\"");
        let p = check(schema.clone(), json!({"replicas": 2}));
        assert_eq!(
            p[0],
            ParamProblem { param: "service".into(), message: "`service` is required".into(), missing: true }
        );
        let p = check(schema.clone(), json!({"service": "web", "replicas": 2, "colour": 1}));
        assert_eq!(p[0], ParamProblem::new("colour", "unknown parameter `colour`"));
        let p = check(schema.clone(), json!({"service": "web", "replicas": 2, "flag": "A!"}));
        assert_eq!(p[0].message, "`flag` must match `^[a-z]+$`, got \"A!\"");
        let p = check(schema, json!({"service": "web", "replicas": 2, "title": "abcd"}));
        assert_eq!(p[0].message, "`title` must be at most 3 characters long, got 4 characters");
    }

    #[test]
    fn synonyms_give_way_to_their_values() {
        let schema = json!({"properties": {
            "env": {"enum": ["staging", "prod"], "x-synonyms": {"production": "prod"}},
            "n": {"type": "integer", "x-synonyms": {"one": 1}},
            "title": {"type": "string"}
        }});
        let mut m = Map::new();
        m.insert("env".into(), json!("Production"));
        m.insert("n".into(), json!("one"));
        m.insert("title".into(), json!("production"));
        apply_synonyms(&schema, &mut m);
        assert_eq!(Value::Object(m), json!({"env": "prod", "n": 1, "title": "production"}));
    }

    #[test]
    fn defaults_fill_only_what_is_missing() {
        let schema = json!({"properties": {"env": {"default": "staging"}, "version": {"default": 1}, "x": {}}});
        let mut m = Map::new();
        m.insert("env".into(), json!("prod"));
        fill_defaults(&schema, &mut m);
        assert_eq!(Value::Object(m), json!({"env": "prod", "version": 1}));
    }
}
