//! Secret redaction for audit payloads, and canonical JSON (defined in `praetor_domain`).

use serde_json::Value;

/// Keys whose values are never written to the audit log, whatever the payload's author did.
const SECRET_MARKERS: &[&str] =
    &["secret", "password", "token", "authorization", "api_key", "apikey", "credential", "private_key"];

pub const REDACTED: &str = "[redacted]";

pub use praetor_domain::canonical::canonical_json;

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
