//! What a plan is called, for people: "Deploy web v3 to prod", "Restart api", "Release web
//! (2 steps)". A template or an action may declare a `title` with its parameters in braces;
//! one that does not is named by its name in words. Pure: the same plan gets the same title.

use serde_json::Value;

use crate::decide::Effective;

/// The longest title made (longer ones end with `…`).
pub const MAX_TITLE_CHARS: usize = 120;

/// A step as far as its title goes: the action and its parameters.
pub struct Titled<'a> {
    pub action: &'a str,
    pub params: &'a Value,
}

/// The title of a plan: its template's (with the template's arguments, and how many steps it
/// has) when it was made from one, else its one step's, else its first step's with how many more follow.
pub fn plan_title(effective: &Effective, template: Option<(&str, &Value)>, steps: &[Titled<'_>]) -> String {
    let title = match (template, steps) {
        (Some((name, args)), _) => {
            let declared = effective.template(name).and_then(|(t, _)| t.spec.title.as_deref());
            let named = declared.and_then(|t| fill(t, args)).unwrap_or_else(|| words(name));
            with_count(named, steps.len())
        }
        (None, [only]) => step_title(effective, only),
        (None, [first, rest @ ..]) => format!("{} (+{} more)", step_title(effective, first), rest.len()),
        (None, []) => "Empty plan".into(),
    };
    shorten(&title)
}

/// One step's title: its action's declared title filled with its parameters, or the action's
/// name in words.
pub fn step_title(effective: &Effective, step: &Titled<'_>) -> String {
    effective
        .action(step.action)
        .and_then(|(a, _)| a.spec.title.as_deref())
        .and_then(|t| fill(t, step.params))
        .unwrap_or_else(|| words(step.action))
}

/// `Deploy {service} to {env}` with `params`; `None` when a placeholder names a parameter the
/// plan does not have (then the plain name is used: a title never shows `{braces}`).
pub fn fill(pattern: &str, params: &Value) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = after[..close].trim();
        out.push_str(&value_text(params.get(name)?)?);
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return None;
    }
    out.push_str(rest);
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    (!out.is_empty()).then_some(out)
}

/// Placeholders in a declared title (for checking them against the parameters' schema).
pub fn placeholders(pattern: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close =
            after.find('}').ok_or_else(|| format!("`{{` at {} is never closed", pattern.len() - rest.len() + open))?;
        let name = after[..close].trim();
        if name.is_empty() {
            return Err("`{}` names no parameter".into());
        }
        names.push(name.to_string());
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("a `}` closes nothing".into());
    }
    Ok(names)
}

/// A parameter's value as a person would type it: strings as they are, numbers and booleans
/// in digits and words; objects and arrays have no such form.
pub fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `deploy.web` -> `Deploy web`, `db_restore-point` -> `Db restore point`.
pub fn words(name: &str) -> String {
    let spaced: String = name.chars().map(|c| if matches!(c, '.' | '_' | '-' | '/' | ':') { ' ' } else { c }).collect();
    let joined = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name.to_string(),
    }
}

fn with_count(title: String, steps: usize) -> String {
    match steps {
        0 | 1 => title,
        n => format!("{title} ({n} steps)"),
    }
}

fn shorten(title: &str) -> String {
    if title.chars().count() <= MAX_TITLE_CHARS {
        return title.to_string();
    }
    let mut cut: String = title.chars().take(MAX_TITLE_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::decide::{Layer, Level};
    use crate::{CompileContext, Source, Tree};

    const POLICY: &str = r#"
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: deploy.web }
spec:
  title: "Deploy {service} v{version} to {env}"
  params:
    type: object
    properties:
      service: { type: string }
      env: { type: string }
      version: { type: integer }
  handler: { builtin: state.set }
---
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: restart.service }
spec:
  title: "Restart {service}"
  handler: { builtin: state.set }
---
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: flag.enable }
spec:
  handler: { builtin: state.set }
---
apiVersion: praetor.dev/v1
kind: PlanTemplate
metadata: { name: release.web }
spec:
  title: "Release {service}"
  steps:
    - { id: a, action: deploy.web }
    - { id: b, action: deploy.web }
---
apiVersion: praetor.dev/v1
kind: PlanTemplate
metadata: { name: warm_caches }
spec:
  steps:
    - { id: a, action: flag.enable }
    - { id: b, action: flag.enable }
    - { id: c, action: flag.enable }
"#;

    fn effective() -> Effective {
        let ctx = CompileContext {
            builtins: [("state.set".to_string(), json!({"type": "object"}))].into_iter().collect(),
            ..Default::default()
        };
        let tree = Tree::compile(&[Source::new("t.yaml", POLICY)], &ctx).unwrap();
        Effective::new(vec![Layer { level: Level::Org, set: Arc::new(tree.base.clone()), version: "org@1".into() }])
    }

    fn step<'a>(action: &'a str, params: &'a Value) -> Titled<'a> {
        Titled { action, params }
    }

    #[test]
    fn a_declared_title_is_filled_with_the_steps_parameters() {
        let e = effective();
        let p = json!({"service": "web", "env": "prod", "version": 3});
        assert_eq!(plan_title(&e, None, &[step("deploy.web", &p)]), "Deploy web v3 to prod");
        let p = json!({"service": "api"});
        assert_eq!(plan_title(&e, None, &[step("restart.service", &p)]), "Restart api");
    }

    #[test]
    fn without_a_title_or_a_parameter_it_names_the_action_in_words_never_braces() {
        let e = effective();
        let none = json!({});
        assert_eq!(plan_title(&e, None, &[step("flag.enable", &none)]), "Flag enable");
        // `version` is missing: the declared title would show a brace, so the name is used.
        let p = json!({"service": "web", "env": "prod"});
        assert_eq!(plan_title(&e, None, &[step("deploy.web", &p)]), "Deploy web");
        assert_eq!(plan_title(&e, None, &[step("not.declared", &none)]), "Not declared");
    }

    #[test]
    fn several_steps_name_the_first_and_count_the_rest() {
        let e = effective();
        let p = json!({"service": "api"});
        let none = json!({});
        let steps = [step("restart.service", &p), step("flag.enable", &none), step("flag.enable", &none)];
        assert_eq!(plan_title(&e, None, &steps), "Restart api (+2 more)");
        assert_eq!(plan_title(&e, None, &[]), "Empty plan");
    }

    #[test]
    fn a_template_plan_takes_the_templates_title_or_its_name_and_step_count() {
        let e = effective();
        let args = json!({"service": "web", "version": 2});
        let none = json!({});
        let steps = [step("deploy.web", &none), step("deploy.web", &none)];
        assert_eq!(plan_title(&e, Some(("release.web", &args)), &steps), "Release web (2 steps)");
        assert_eq!(plan_title(&e, Some(("release.web", &args)), &steps[..1]), "Release web");
        let three = [step("flag.enable", &none), step("flag.enable", &none), step("flag.enable", &none)];
        assert_eq!(plan_title(&e, Some(("warm_caches", &none)), &three), "Warm caches (3 steps)");
    }

    #[test]
    fn values_are_shown_plainly_and_long_titles_are_cut() {
        assert_eq!(
            fill("Scale {svc} to {n} ({ok})", &json!({"svc": "web", "n": 4, "ok": true})).unwrap(),
            "Scale web to 4 (true)"
        );
        assert_eq!(fill("Set {x}", &json!({"x": {"a": 1}})), None);
        assert_eq!(fill("Broken {x", &json!({"x": 1})), None);
        assert_eq!(fill("Broken x}", &json!({})), None);
        let long = shorten(&"a".repeat(300));
        assert_eq!(long.chars().count(), MAX_TITLE_CHARS);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn placeholders_are_listed_and_malformed_ones_explained() {
        assert_eq!(placeholders("Deploy {service} v{ version } to {env}").unwrap(), ["service", "version", "env"]);
        assert!(placeholders("Deploy {service").unwrap_err().contains("never closed"));
        assert!(placeholders("Deploy {}").unwrap_err().contains("names no parameter"));
        assert!(placeholders("Deploy }").unwrap_err().contains("closes nothing"));
    }

    #[test]
    fn names_become_words() {
        assert_eq!(words("deploy.web"), "Deploy web");
        assert_eq!(words("db_restore-point"), "Db restore point");
        assert_eq!(words(""), "");
    }
}
