//! Canonical JSON (object keys sorted, no insignificant whitespace) and secret redaction.

use serde_json::Value;

/// Keys whose values are never written to the audit log, whatever the payload's author did.
const SECRET_MARKERS: &[&str] =
    &["secret", "password", "token", "authorization", "api_key", "apikey", "credential", "private_key"];

pub const REDACTED: &str = "[redacted]";

/// Encodes `value` with object keys sorted at every level, independent of map ordering features.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(*k) {
                    write(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    SECRET_MARKERS.iter().any(|m| k.contains(m))
}

/// Replaces the value of every secret-looking key, at any depth.
pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(&k) { Value::String(REDACTED.into()) } else { redact(v) };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_depth() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": null, "x": "é\n"}], "c": true}});
        assert_eq!(canonical_json(&v), r#"{"a":{"c":true,"z":[3,{"x":"é\n","y":null}]},"b":1}"#);
    }

    #[test]
    fn secrets_are_redacted_anywhere() {
        let v = redact(
            json!({"name": "ci", "apiKey": "prk_x", "nested": [{"client_secret": "s", "ok": 1}], "Authorization": "Bearer x"}),
        );
        assert_eq!(v["name"], "ci");
        assert_eq!(v["apiKey"], REDACTED);
        assert_eq!(v["nested"][0]["client_secret"], REDACTED);
        assert_eq!(v["nested"][0]["ok"], 1);
        assert_eq!(v["Authorization"], REDACTED);
    }
}
