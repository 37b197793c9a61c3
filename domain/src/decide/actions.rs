//! The action registry as decisions see it: built-in actions and their parameter schemas, how
//! an action defined in a policy document resolves to a handler, its cost, its rendered
//! parameters and compensation, and what a built-in state action does to the project state.
//! All of it is pure; running a handler (I/O, network) is the engine's.

use serde_json::{Value, json};

use praetor_policy::decide::Effective;
use praetor_policy::document::Risk;

use crate::state::{self, StateOp};

/// Parameters that do not match an action's schema: the first offending one and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamsError {
    /// `params`, or `params.key` for one parameter.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for ParamsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A built-in action: its name, JSON Schema, default cost and risk.
pub struct BuiltinAction {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: fn() -> Value,
    pub risk: Risk,
    /// Whether the handler changes project state (for previews).
    pub changes_state: bool,
}

pub const BUILTINS: &[BuiltinAction] = &[
    BuiltinAction {
        name: "state.set",
        description: "Set a value in the project state",
        schema: || {
            json!({"type": "object", "required": ["key", "value"], "additionalProperties": false,
            "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 512}, "value": {}}})
        },
        risk: Risk::Low,
        changes_state: true,
    },
    BuiltinAction {
        name: "state.patch",
        description: "Apply a JSON merge patch (RFC 7386) to the project state, optionally under a key",
        schema: || {
            json!({"type": "object", "required": ["patch"], "additionalProperties": false,
            "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 512}, "patch": {"type": "object"}}})
        },
        risk: Risk::Low,
        changes_state: true,
    },
    BuiltinAction {
        name: "state.delete",
        description: "Delete a key from the project state",
        schema: || {
            json!({"type": "object", "required": ["key"], "additionalProperties": false,
            "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 512}}})
        },
        risk: Risk::Low,
        changes_state: true,
    },
    BuiltinAction {
        name: "state.increment",
        description: "Add a number to a numeric value of the project state (missing counts as 0)",
        schema: || {
            json!({"type": "object", "required": ["key"], "additionalProperties": false,
            "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 512}, "by": {"type": "number", "default": 1}}})
        },
        risk: Risk::Low,
        changes_state: true,
    },
    BuiltinAction {
        name: "http.request",
        description: "Make an HTTP request to an allowed host and record the response",
        schema: || {
            json!({"type": "object", "required": ["url"], "additionalProperties": false,
            "properties": {
                "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], "default": "GET"},
                "url": {"type": "string", "minLength": 8, "maxLength": 2048},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "body": {},
                "timeoutSeconds": {"type": "integer", "minimum": 1, "maximum": 60, "default": 10}}})
        },
        risk: Risk::Medium,
        changes_state: false,
    },
    BuiltinAction {
        name: "chat.post",
        description: "Post a message to the plan's chat session",
        schema: || {
            json!({"type": "object", "required": ["text"], "additionalProperties": false,
            "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 4000}}})
        },
        risk: Risk::Low,
        changes_state: false,
    },
    BuiltinAction {
        name: "delay",
        description: "Wait (durably: a restart does not reset the timer)",
        schema: || {
            json!({"type": "object", "required": ["seconds"], "additionalProperties": false,
            "properties": {"seconds": {"type": "integer", "minimum": 0, "maximum": 604800}}})
        },
        risk: Risk::Low,
        changes_state: false,
    },
    BuiltinAction {
        name: "approval.gate",
        description: "Stop the plan until an approval stage is satisfied",
        schema: || {
            json!({"type": "object", "required": ["group"], "additionalProperties": false,
            "properties": {"group": {"type": "string", "minLength": 1}, "count": {"type": "integer", "minimum": 1, "maximum": 20, "default": 1},
                "name": {"type": "string"}, "allowEarlierApprovers": {"type": "boolean", "default": false}}})
        },
        risk: Risk::Low,
        changes_state: false,
    },
    BuiltinAction {
        name: "plan.run",
        description: "Run a plan template as part of this plan (its steps are expanded at proposal)",
        schema: || {
            json!({"type": "object", "required": ["template"], "additionalProperties": false,
            "properties": {"template": {"type": "string", "minLength": 1}, "args": {"type": "object"}}})
        },
        risk: Risk::Low,
        changes_state: false,
    },
];

pub fn builtin(name: &str) -> Option<&'static BuiltinAction> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// Compiled parameter schemas, by their JSON text: compiling one costs far more than a
/// decision, and an action's schema only changes with a new policy version (a new key).
static VALIDATORS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
> = std::sync::LazyLock::new(Default::default);

fn validator(action: &str, schema: &Value) -> Result<std::sync::Arc<jsonschema::Validator>, ParamsError> {
    let key = schema.to_string();
    if let Ok(map) = VALIDATORS.lock()
        && let Some(v) = map.get(&key)
    {
        return Ok(v.clone());
    }
    let compiled = std::sync::Arc::new(jsonschema::validator_for(schema).map_err(|e| ParamsError {
        field: "params".into(),
        message: format!("action {action} has an invalid parameter schema: {e}"),
    })?);
    if let Ok(mut map) = VALIDATORS.lock() {
        if map.len() >= 2_000 {
            map.clear();
        }
        map.insert(key, compiled.clone());
    }
    Ok(compiled)
}

/// Validates `params` against `schema`, naming the first offending parameter.
pub fn validate_params(action: &str, schema: &Value, params: &Value) -> Result<(), ParamsError> {
    let validator = validator(action, schema)?;
    let errors: Vec<_> = validator.iter_errors(params).take(5).collect();
    if let Some(first) = errors.first() {
        let path = |e: &jsonschema::ValidationError| {
            let at = e.instance_path().to_string();
            if at.is_empty() { "params".to_string() } else { format!("params{}", at.replace('/', ".")) }
        };
        let detail = errors.iter().map(|e| format!("{}: {e}", path(e))).collect::<Vec<_>>().join("; ");
        return Err(ParamsError { field: path(first), message: format!("{action}: {detail}") });
    }
    Ok(())
}

/// Built-in actions as the policy compiler sees them.
pub fn compiler_builtins() -> Vec<(String, Value)> {
    BUILTINS.iter().map(|b| (b.name.to_string(), (b.schema)())).collect()
}

/// How a resolved action runs.
#[derive(Debug, Clone, PartialEq)]
pub enum HandlerSpec {
    /// A built-in handler, called with the step's parameters, or with `with` rendered from
    /// them when the action is defined in a policy document.
    Builtin { name: &'static str, with: Option<Value> },
    /// An external handler: a signed POST to `url`.
    External { url: String },
}

/// Everything the pipeline and the executor need to know about an action.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedAction {
    pub name: String,
    pub schema: Value,
    pub risk: Risk,
    pub cost: praetor_policy::document::Cost,
    pub changes_state: bool,
    pub handler: HandlerSpec,
    /// Attempts for failures the handler marks retryable.
    pub max_attempts: u32,
    pub backoff_secs: u64,
    pub timeout_secs: u64,
    pub compensation: Option<praetor_policy::document::Compensation>,
}

/// Looks an action up: built-ins first (they cannot be redefined), then the effective policy's
/// action documents.
pub fn resolve(name: &str, effective: &Effective) -> Option<ResolvedAction> {
    if let Some(b) = builtin(name) {
        return Some(ResolvedAction {
            name: b.name.to_string(),
            schema: (b.schema)(),
            risk: b.risk,
            cost: praetor_policy::document::Cost::Fixed(0.0),
            changes_state: b.changes_state,
            handler: HandlerSpec::Builtin { name: b.name, with: None },
            max_attempts: 3,
            backoff_secs: 1,
            timeout_secs: 60,
            compensation: None,
        });
    }
    let (def, _) = effective.action(name)?;
    let spec = &def.spec;
    let handler = match (&spec.handler.builtin, &spec.handler.external) {
        (Some(b), _) => {
            let b = builtin(b)?;
            HandlerSpec::Builtin { name: b.name, with: spec.handler.with.clone() }
        }
        (None, Some(ext)) => HandlerSpec::External { url: ext.url.clone() },
        (None, None) => return None,
    };
    let changes_state = match &handler {
        HandlerSpec::Builtin { name, .. } => builtin(name).is_some_and(|b| b.changes_state),
        // An external handler may return a state patch.
        HandlerSpec::External { .. } => true,
    };
    let timeout = spec.timeout_seconds.or(spec.handler.external.as_ref().and_then(|e| e.timeout_seconds)).unwrap_or(60);
    Some(ResolvedAction {
        name: name.to_string(),
        schema: spec.params.clone(),
        risk: spec.risk,
        cost: spec.cost.clone(),
        changes_state,
        handler,
        max_attempts: spec.retry.as_ref().map(|r| r.max_attempts).unwrap_or(3),
        backoff_secs: spec.retry.as_ref().map(|r| r.backoff_seconds).unwrap_or(1),
        timeout_secs: timeout,
        compensation: spec.compensation.clone(),
    })
}

/// Fills parameters the schema gives a `default` for and the caller left out.
pub fn with_defaults(schema: &Value, params: &Value) -> Value {
    let mut out = params.clone();
    if let (Some(props), Some(obj)) = (schema.get("properties").and_then(Value::as_object), out.as_object_mut()) {
        for (k, p) in props {
            if let Some(d) = p.get("default")
                && !obj.contains_key(k)
            {
                obj.insert(k.clone(), d.clone());
            }
        }
    }
    out
}

fn template_input<'a>(
    params: &'a Value,
    empty: &'a Value,
    now: chrono::DateTime<chrono::Utc>,
) -> praetor_policy::expr::Input<'a> {
    praetor_policy::expr::Input { params, state: empty, principal: empty, plan: empty, now, usage: empty }
}

impl ResolvedAction {
    /// Whether the handler reaches outside Praetor (network), so its start must be durable
    /// before it is called and its outcome recorded right after.
    pub fn reaches_outside(&self) -> bool {
        matches!(self.handler, HandlerSpec::Builtin { name: "http.request", .. } | HandlerSpec::External { .. })
    }

    /// The cost of running this action with `params`.
    pub fn cost_for(
        &self,
        params: &Value,
        effective: &Effective,
        now: chrono::DateTime<chrono::Utc>,
    ) -> std::result::Result<f64, String> {
        match &self.cost {
            praetor_policy::document::Cost::Fixed(c) => Ok(*c),
            praetor_policy::document::Cost::Computed { expr } => {
                let empty = Value::Object(Default::default());
                let c = effective.expr(expr)?;
                praetor_policy::expr::eval_number(&c, &template_input(params, &empty, now)).map(|v| v.max(0.0))
            }
        }
    }

    /// The parameters the handler is called with: the step's, or the action's `with` template
    /// rendered from them.
    pub fn handler_params(
        &self,
        params: &Value,
        effective: &Effective,
        now: chrono::DateTime<chrono::Utc>,
    ) -> std::result::Result<Value, String> {
        match &self.handler {
            HandlerSpec::Builtin { with: Some(with), .. } => {
                let empty = Value::Object(Default::default());
                praetor_policy::expr::render(with, &template_input(params, &empty, now), &|src: &str| {
                    effective.expr(src)
                })
            }
            _ => Ok(params.clone()),
        }
    }

    /// The compensation declared for this action, with its parameters rendered from `params`.
    pub fn compensation_for(
        &self,
        params: &Value,
        effective: &Effective,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Compensation> {
        let comp = self.compensation.as_ref()?;
        let empty = Value::Object(Default::default());
        let template = serde_json::to_value(&comp.params).ok()?;
        let rendered = praetor_policy::expr::render(&template, &template_input(params, &empty, now), &|src: &str| {
            effective.expr(src)
        })
        .ok()?;
        Some(Compensation { action: comp.action.clone(), params: rendered })
    }
}

/// An action that undoes another, with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Compensation {
    pub action: String,
    pub params: Value,
}

/// A string parameter, or why it is missing.
pub fn str_param<'a>(params: &'a Value, name: &str) -> Result<&'a str, String> {
    params.get(name).and_then(Value::as_str).ok_or_else(|| format!("parameter `{name}` must be a string"))
}

fn key(params: &Value) -> Result<String, String> {
    let k = str_param(params, "key")?;
    state::parse_path("key", k).map_err(|e| e.to_string())?;
    Ok(k.to_string())
}

/// What a built-in state action does to `state` with `params`: its output and its changes,
/// computed without any I/O. The handlers run it, and the decision pipeline runs it to predict
/// a step's changes exactly. `None` for actions that are not state changes.
pub fn state_change(action: &str, state: &Value, params: &Value) -> Option<Result<(Value, Vec<StateOp>), String>> {
    let result = match action {
        "state.set" => state_set(state, params),
        "state.patch" => state_patch(params),
        "state.delete" => state_delete(state, params),
        "state.increment" => state_increment(state, params),
        _ => return None,
    };
    // No change may grow state past its bound.
    Some(result.and_then(|(output, ops)| {
        let mut next = state.clone();
        state::apply(&mut next, &ops);
        state::check_size(&next).map_err(|e| e.to_string())?;
        Ok((output, ops))
    }))
}

fn state_set(state: &Value, params: &Value) -> Result<(Value, Vec<StateOp>), String> {
    let key = key(params)?;
    let value = params.get("value").cloned().unwrap_or(Value::Null);
    let previous = state::get(state, &key).cloned();
    let output = json!({"key": key, "value": value, "previous": previous});
    Ok((output, vec![StateOp::Set { path: key, value }]))
}

fn state_patch(params: &Value) -> Result<(Value, Vec<StateOp>), String> {
    let prefix = match params.get("key") {
        Some(_) => Some(key(params)?),
        None => None,
    };
    let patch = params.get("patch").cloned().unwrap_or(Value::Null);
    let mut ops = Vec::new();
    state::merge_patch_ops(prefix.as_deref(), &patch, &mut ops).map_err(|e| e.to_string())?;
    Ok((json!({"changed": ops.len()}), ops))
}

fn state_delete(state: &Value, params: &Value) -> Result<(Value, Vec<StateOp>), String> {
    let key = key(params)?;
    let previous = state::get(state, &key).cloned();
    Ok((json!({"key": key, "previous": previous}), vec![StateOp::Delete { path: key }]))
}

fn state_increment(state: &Value, params: &Value) -> Result<(Value, Vec<StateOp>), String> {
    let key = key(params)?;
    let by = params.get("by").and_then(Value::as_f64).unwrap_or(1.0);
    let current = match state::get(state, &key) {
        None | Some(Value::Null) => 0.0,
        Some(v) => v.as_f64().ok_or_else(|| format!("state `{key}` is not a number"))?,
    };
    let sum = current + by;
    // Whole numbers stay integers so `1 + 1` reads back as `2`, not `2.0`.
    let value = if sum.fract() == 0.0 && sum.abs() < 9.0e15 { json!(sum as i64) } else { json!(sum) };
    Ok((json!({"key": key, "value": value}), vec![StateOp::Set { path: key, value }]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_schema_compiles_and_params_are_checked() {
        for b in BUILTINS {
            assert!(jsonschema::validator_for(&(b.schema)()).is_ok(), "{}", b.name);
        }
        let schema = (builtin("state.set").unwrap().schema)();
        assert!(validate_params("state.set", &schema, &json!({"key": "a", "value": 1})).is_ok());
        let err = validate_params("state.set", &schema, &json!({"key": 5, "value": 1})).unwrap_err();
        assert_eq!(err.field, "params.key");
        assert!(validate_params("state.set", &schema, &json!({"value": 1})).is_err());
        assert!(validate_params("state.set", &schema, &json!({"key": "a", "value": 1, "extra": true})).is_err());
    }

    #[test]
    fn state_changes_are_pure_and_bounded() {
        let s = json!({"counter": 41});
        let (_, ops) = state_change("state.increment", &s, &json!({"key": "counter"})).unwrap().unwrap();
        assert_eq!(ops, vec![StateOp::Set { path: "counter".into(), value: json!(42) }]);
        assert!(state_change("chat.post", &s, &json!({"text": "hi"})).is_none());
        let big = "x".repeat(state::MAX_STATE_BYTES);
        let err =
            state_change("state.set", &state::empty(), &json!({"key": "blob", "value": big})).unwrap().unwrap_err();
        assert!(err.contains("limit"), "{err}");
    }
}
