//! Phrasings said in full: `deploy {service} to {env=staging}` with values in it ("deploy api to
//! prod"), for the chips a clarifying answer offers and the examples help shows. A chip sends
//! its text as the next message, so it must be a whole request that plans on its own: never a
//! bare value, never a `{placeholder}`.

use std::collections::BTreeMap;

use praetor_policy::title::value_text as typed;
use serde_json::Value;

use crate::catalog::CatalogEntry;
use crate::pattern::{AliasPattern, Capture, Segment};

/// Values already known for a request, by parameter name, as they would be typed.
pub(crate) type Given = BTreeMap<String, String>;

/// The values a request's captures name (defaults a phrasing filled in are left out).
pub(crate) fn given_from(captures: &[Capture]) -> Given {
    captures.iter().filter(|c| !c.from_default).map(|c| (c.name.clone(), c.raw.clone())).collect()
}

/// The values of a plan's parameters, as they would be typed.
pub(crate) fn given_from_params(params: &Value) -> Given {
    params.as_object().map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), typed(v)?))).collect()).unwrap_or_default()
}

/// What an example shows for a parameter nobody named: its default, else its first allowed value.
pub(crate) fn example_value(schema: Option<&Value>) -> Option<String> {
    let schema = schema?;
    if let Some(d) = schema.get("default").and_then(typed) {
        return Some(d);
    }
    schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()).and_then(typed)
}

/// The values a parameter allows, when it lists them.
pub(crate) fn allowed_values(schema: Option<&Value>) -> Vec<String> {
    schema
        .and_then(|s| s.get("enum"))
        .and_then(Value::as_array)
        .map(|e| e.iter().filter_map(typed).collect())
        .unwrap_or_default()
}

/// `pattern` said in full: each placeholder takes the value in `given`, else the phrasing's
/// default, else the parameter's example value. `None` when a placeholder has none of them.
pub(crate) fn say(pattern: &AliasPattern, entry: &CatalogEntry, given: &Given) -> Option<String> {
    let mut words = Vec::with_capacity(pattern.segments.len());
    for seg in &pattern.segments {
        match seg {
            Segment::Word(w) => words.push(w.clone()),
            Segment::Slot { name, default } => {
                let value = given
                    .get(name)
                    .cloned()
                    .or_else(|| default.clone())
                    .or_else(|| example_value(entry.param_schema(name)))?;
                words.push(quoted(&value));
            }
        }
    }
    Some(words.join(" "))
}

/// `pattern` for help when it cannot be said with values: its shortest accepted form, with
/// placeholders as `<name>` (`enable {flag} {enabled=true}` -> `enable <flag>`).
pub(crate) fn shape(pattern: &AliasPattern) -> String {
    let len = pattern.forms.iter().copied().min().unwrap_or(pattern.segments.len());
    pattern.segments[..len]
        .iter()
        .map(|seg| match seg {
            Segment::Word(w) => w.clone(),
            Segment::Slot { name, .. } => format!("<{name}>"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value with spaces (or nothing in it) in quotes, so it is read back as one value.
fn quoted(value: &str) -> String {
    if value.is_empty() || value.chars().any(char::is_whitespace) {
        format!("\"{}\"", value.replace('"', "'"))
    } else {
        value.to_string()
    }
}

/// The whole request for each allowed value of `param`, the other values as `given`: the
/// chips of a question about `param`.
pub(crate) fn with_each_value(pattern: &AliasPattern, entry: &CatalogEntry, given: &Given, param: &str) -> Vec<String> {
    let mut out = Vec::new();
    for value in allowed_values(entry.param_schema(param)) {
        let mut g = given.clone();
        g.insert(param.to_string(), value);
        if let Some(s) = say(pattern, entry, &g)
            && !out.contains(&s)
        {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn entry() -> CatalogEntry {
        CatalogEntry::action(
            "deploy.web",
            "Deploy",
            json!({"type": "object", "properties": {
                "service": {"type": "string", "enum": ["web", "api"]},
                "env": {"type": "string", "enum": ["staging", "prod"], "default": "staging"},
                "version": {"type": "integer", "default": 1},
                "note": {"type": "string"}
            }}),
        )
    }

    #[test]
    fn a_phrasing_is_said_with_given_default_or_example_values() {
        let p = AliasPattern::compile("deploy {service} to {env=staging}").unwrap();
        assert_eq!(say(&p, &entry(), &Given::new()).unwrap(), "deploy web to staging");
        let given: Given = [("service".to_string(), "api".to_string())].into();
        assert_eq!(say(&p, &entry(), &given).unwrap(), "deploy api to staging");
        assert_eq!(with_each_value(&p, &entry(), &given, "env"), ["deploy api to staging", "deploy api to prod"]);
    }

    #[test]
    fn a_phrasing_with_a_value_nobody_can_guess_is_not_said_and_help_shows_its_shape() {
        let p = AliasPattern::compile("note {note} on {service}").unwrap();
        assert_eq!(say(&p, &entry(), &Given::new()), None);
        assert_eq!(shape(&p), "note <note> on <service>");
        assert_eq!(shape(&AliasPattern::compile("enable {flag} {enabled=true}").unwrap()), "enable <flag>");
        let given: Given = [("note".to_string(), "disk is full".to_string())].into();
        assert_eq!(say(&p, &entry(), &given).unwrap(), "note \"disk is full\" on web");
    }

    #[test]
    fn plan_parameters_become_typed_values() {
        let g = given_from_params(&json!({"service": "api", "version": 3, "on": true, "x": {"a": 1}}));
        assert_eq!(
            g,
            [("on", "true"), ("service", "api"), ("version", "3")].map(|(a, b)| (a.to_string(), b.to_string())).into()
        );
    }
}
