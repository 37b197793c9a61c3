//! The catalog as OpenAI tools: one function per action (and per plan template), with the
//! parameter schema as the function's parameters. Tool names must match
//! `^[a-zA-Z0-9_-]{1,64}$`, so `deploy.web` becomes `deploy_web` and templates get a
//! `template_` prefix; the map back is kept explicitly, since two names can sanitize alike
//! (`deploy.web` and `deploy_web`), in which case later ones get `_2`, `_3`, … in catalog order.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::catalog::{Catalog, CatalogEntry, EntryKind};

const MAX_NAME: usize = 64;

pub(crate) struct ToolMap {
    to_target: BTreeMap<String, (EntryKind, String)>,
    specs: Vec<Value>,
}

fn sanitize(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    let s: String = s.chars().take(MAX_NAME).collect();
    if s.is_empty() { "tool".into() } else { s }
}

fn describe(entry: &CatalogEntry) -> String {
    let mut parts = Vec::new();
    if !entry.description.is_empty() {
        parts.push(entry.description.trim_end_matches('.').to_string());
    }
    let what = match entry.kind {
        EntryKind::Action => format!("action {}", entry.name),
        EntryKind::Template => format!("plan template {} (runs {})", entry.name, entry.invokes.join(", ")),
    };
    let cost = entry.cost.map_or_else(|| "depends on parameters".to_string(), |c| c.to_string());
    parts.push(format!("{what}; risk {}; cost {cost}", entry.risk.as_str()));
    if !entry.aliases.is_empty() {
        parts.push(format!("people say: {}", entry.aliases.join(" | ")));
    }
    parts.join(". ")
}

impl ToolMap {
    pub fn new(catalog: &Catalog) -> Self {
        let mut to_target = BTreeMap::new();
        let mut specs = Vec::new();
        for entry in catalog.entries() {
            let base = match entry.kind {
                EntryKind::Action => sanitize(&entry.name),
                EntryKind::Template => sanitize(&format!("template_{}", entry.name)),
            };
            let mut name = base.clone();
            let mut n = 2;
            while to_target.contains_key(&name) {
                let suffix = format!("_{n}");
                let keep: String = base.chars().take(MAX_NAME - suffix.len()).collect();
                name = format!("{keep}{suffix}");
                n += 1;
            }
            to_target.insert(name.clone(), (entry.kind, entry.name.clone()));
            specs.push(json!({
                "type": "function",
                "function": {"name": name, "description": describe(entry), "parameters": entry.params},
            }));
        }
        Self { to_target, specs }
    }

    /// The catalog entry a tool name stands for.
    pub fn resolve(&self, tool: &str) -> Option<(EntryKind, &str)> {
        self.to_target.get(tool).map(|(k, n)| (*k, n.as_str()))
    }

    pub fn specs(&self) -> &[Value] {
        &self.specs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_and_collision_safe() {
        let long = format!("a.{}", "b".repeat(80));
        let cat = Catalog::new([
            CatalogEntry::action("deploy.web", "Deploy", json!({"type": "object"})),
            CatalogEntry::action("deploy_web", "", json!({"type": "object"})),
            CatalogEntry::action(long.clone(), "", json!({"type": "object"})),
            CatalogEntry::template("release", "", json!({"type": "object"}), ["deploy.web"]),
        ]);
        let map = ToolMap::new(&cat);
        let names: Vec<&str> = map.specs().iter().map(|s| s["function"]["name"].as_str().unwrap()).collect();
        for n in &names {
            assert!(
                !n.is_empty() && n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{n}"
            );
        }
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        assert_eq!(map.resolve("deploy_web"), Some((EntryKind::Action, "deploy.web")));
        assert_eq!(map.resolve("deploy_web_2"), Some((EntryKind::Action, "deploy_web")));
        assert_eq!(map.resolve("template_release"), Some((EntryKind::Template, "release")));
        assert_eq!(map.resolve(names[0]).map(|(_, n)| n.to_string()), Some(long));
        assert_eq!(map.resolve("deploy.web"), None);
        assert!(
            map.specs()[1]["function"]["description"]
                .as_str()
                .unwrap()
                .starts_with("Deploy. action deploy.web; risk low")
        );
    }
}
