//! A catalog shaped like `policies/examples`, the catalog of the example policies themselves,
//! and what the tests need around them.

use std::sync::Arc;

use praetor_planner::{Catalog, CatalogEntry, Risk};
use praetor_policy::{CompileContext, Effective, Layer, Level, PolicySet, Source};
use serde_json::json;

/// The catalog the demo organization's chat sees: `policies/examples/actions.yaml` and
/// `templates.yaml`, compiled as the server compiles them.
pub fn demo_catalog() -> Catalog {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/examples");
    let sources: Vec<Source> = ["actions.yaml", "templates.yaml"]
        .iter()
        .map(|f| Source::new(*f, std::fs::read_to_string(format!("{dir}/{f}")).unwrap()))
        .collect();
    let builtins = ["state.set", "state.delete", "state.increment", "state.patch"]
        .iter()
        .map(|b| ((*b).to_string(), json!({"type": "object"})))
        .collect();
    let ctx = CompileContext { builtins, org: Some("demo".into()), ..Default::default() };
    let set = PolicySet::compile(&sources, &ctx).unwrap_or_else(|d| panic!("{d:#?}"));
    let layer = Layer { level: Level::Org, set: Arc::new(set), version: "org@1".into() };
    Catalog::from_effective(&Effective::new(vec![layer]))
}

pub fn catalog() -> Catalog {
    Catalog::new([
        CatalogEntry::action(
            "deploy.web",
            "Deploy a service",
            json!({
                "type": "object",
                "required": ["service"],
                "additionalProperties": false,
                "properties": {
                    "service": {"type": "string", "enum": ["web", "api", "worker"]},
                    "env": {"type": "string", "enum": ["staging", "prod"], "default": "staging"},
                    "version": {"type": "integer", "minimum": 1, "default": 1}
                }
            }),
        )
        .with_aliases([
            "deploy {service} to {env=staging}",
            "deploy {service}",
            "ship {service} to {env=staging} at version {version=1}",
        ])
        .with_risk(Risk::Medium)
        .with_cost(Some(2.0)),
        CatalogEntry::action(
            "rollback.web",
            "Roll a service back",
            json!({
                "type": "object",
                "required": ["service", "env"],
                "properties": {"service": {"type": "string"}, "env": {"type": "string"}}
            }),
        )
        .with_aliases(["roll back {service} in {env=staging}"]),
        CatalogEntry::action(
            "service.restart",
            "Restart a service",
            json!({"type": "object", "required": ["service"], "properties": {"service": {"type": "string"}}}),
        )
        .with_aliases(["restart {service}", "bounce {service}"])
        .with_cost(Some(1.0)),
        CatalogEntry::action(
            "scale.service",
            "Scale a service",
            json!({
                "type": "object",
                "required": ["service", "replicas"],
                "properties": {
                    "service": {"type": "string"},
                    "replicas": {"type": "integer", "minimum": 1, "maximum": 50}
                }
            }),
        )
        .with_aliases(["scale {service} to {replicas}"])
        .with_risk(Risk::Medium)
        .with_cost(None),
        CatalogEntry::action(
            "flag.set",
            "Turn a feature flag on or off",
            json!({
                "type": "object",
                "required": ["flag", "enabled"],
                "properties": {
                    "flag": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                    "enabled": {"type": "boolean"}
                }
            }),
        )
        .with_aliases([
            "enable {flag} {enabled=true}",
            "disable {flag} {enabled=false}",
            "set flag {flag} to {enabled}",
        ]),
        CatalogEntry::action(
            "ticket.open",
            "Open a ticket",
            json!({
                "type": "object",
                "required": ["title"],
                "properties": {
                    "title": {"type": "string", "maxLength": 20},
                    "priority": {"type": "string", "enum": ["low", "high"], "default": "low"}
                }
            }),
        )
        .with_aliases(["open a ticket {title}", "open a {priority} ticket {title}"]),
        CatalogEntry::action(
            "cache.flush",
            "Flush a cache",
            json!({"type": "object", "required": ["target"], "properties": {"target": {"type": "string"}}}),
        )
        .with_aliases(["flush {target}"]),
        CatalogEntry::action(
            "queue.flush",
            "Drain a queue",
            json!({"type": "object", "required": ["queue"], "properties": {"queue": {"type": "string"}}}),
        )
        .with_aliases(["flush {queue}"]),
        CatalogEntry::template(
            "release",
            "Deploy to staging, then to production",
            json!({
                "type": "object",
                "required": ["service"],
                "properties": {
                    "service": {"type": "string", "enum": ["web", "api", "worker"]},
                    "version": {"type": "integer", "default": 1}
                }
            }),
            ["deploy.web"],
        )
        .with_aliases(["release {service}", "release {service} at version {version=1}"])
        .with_risk(Risk::Medium),
    ])
}
