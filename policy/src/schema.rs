//! JSON Schemas for editors, generated from the document types.

use std::collections::BTreeMap;

use crate::document::{ActionDoc, Document, PolicyDoc, TemplateDoc};

/// File name -> pretty JSON Schema.
pub fn generate() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut put = |name: &str, schema: schemars::Schema| {
        out.insert(name.to_string(), serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n");
    };
    put("policy.schema.json", schemars::schema_for!(PolicyDoc));
    put("action.schema.json", schemars::schema_for!(ActionDoc));
    put("plan-template.schema.json", schemars::schema_for!(TemplateDoc));
    put("document.schema.json", schemars::schema_for!(Document));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn checked_in_schemas_are_current() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/schema");
        let update = std::env::var("UPDATE_SCHEMA").is_ok();
        for (name, text) in super::generate() {
            let path = dir.join(&name);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
            }
            let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                on_disk == text,
                "policies/schema/{name} is stale: run `UPDATE_SCHEMA=1 cargo test -p praetor-policy schema`"
            );
        }
    }
}
