//! Stored policy versions and the effective policy of a project.
//!
//! A scope (the organization, or one project) has immutable, numbered versions; the highest is
//! in force. The effective policy of a project layers the instance-wide pack (from
//! configuration), the org's version and the project's version. Compiled sets are cached by
//! version, so CEL programs are compiled once per version and decisions cost a lookup.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use praetor_policy::decide::{Effective, Layer, Level};
use praetor_policy::{CompileContext, PolicySet, Source, Tree};
use praetor_store::{OrgId, ProjectId, Tenant, policy_version};
use serde_json::Value;

use crate::error::{Error, Result};

/// Built-in actions as the policy compiler sees them.
pub use praetor_domain::decide::actions::compiler_builtins as builtins;

/// The stored sources of a version.
pub fn sources_of(v: &policy_version::Model) -> Result<Vec<Source>> {
    stored_sources(format_args!("policy version {}", v.id), &v.sources)
}

/// Sources stored as JSON `[{name, text}]` (a version's, a proposed change's); `what` names the
/// record in the INTERNAL error when they do not read.
pub fn stored_sources(what: impl std::fmt::Display, text: &str) -> Result<Vec<Source>> {
    let raw: Vec<(String, String)> = serde_json::from_str::<Vec<Value>>(text)
        .map_err(|e| Error::internal(format!("{what} unreadable: {e}")))?
        .into_iter()
        .map(|s| {
            (s["name"].as_str().unwrap_or_default().to_string(), s["text"].as_str().unwrap_or_default().to_string())
        })
        .collect();
    Ok(raw.into_iter().map(|(n, t)| Source::new(n, t)).collect())
}

pub use praetor_domain::decide::Loaded;

type Key = (OrgId, Option<ProjectId>, i64, i64);

#[derive(Default)]
pub struct PolicyStore {
    federation: Option<Arc<PolicySet>>,
    sets: Mutex<HashMap<(OrgId, String, i64), Arc<PolicySet>>>,
    effective: Mutex<HashMap<Key, Arc<Loaded>>>,
}

impl PolicyStore {
    /// Loads the instance-wide pack from `dir` (documents without an organization).
    pub fn with_federation(dir: Option<&std::path::Path>) -> Result<Self> {
        let federation = match dir {
            None => None,
            Some(d) => {
                let (sources, diags) = praetor_policy::load::load_paths(&[d.to_path_buf()]);
                let ctx = CompileContext { builtins: builtins(), ..Default::default() };
                let set = PolicySet::compile(&sources, &ctx).map_err(|d2| {
                    let all: Vec<_> = diags.iter().chain(d2.iter()).cloned().collect();
                    Error::validation("policy_pack", praetor_policy::diag::render_human(&all))
                })?;
                Some(Arc::new(set))
            }
        };
        Ok(Self { federation, ..Default::default() })
    }

    fn cached_set(
        &self,
        tenant: Tenant,
        v: &policy_version::Model,
        org_set: Option<&PolicySet>,
    ) -> Result<Arc<PolicySet>> {
        let key = (tenant.org(), v.scope.clone(), v.version);
        if let Ok(map) = self.sets.lock()
            && let Some(s) = map.get(&key)
        {
            return Ok(s.clone());
        }
        let set = compile_stored(v, org_set)?;
        let set = Arc::new(set);
        if let Ok(mut map) = self.sets.lock() {
            map.insert(key, set.clone());
        }
        Ok(set)
    }

    /// The version of each scope in force for `project`: (org version, project version).
    async fn versions<C: praetor_store::Conn>(
        db: &C,
        tenant: Tenant,
        project: Option<ProjectId>,
    ) -> Result<(Option<policy_version::Model>, Option<policy_version::Model>)> {
        let org_v = latest(db, tenant, None).await?;
        let prj_v = match project {
            Some(p) => latest(db, tenant, Some(p)).await?,
            None => None,
        };
        Ok((org_v, prj_v))
    }

    /// The effective policy of `project` (or of the organization alone) as it is now.
    pub async fn effective<C: praetor_store::Conn>(
        &self,
        db: &C,
        tenant: Tenant,
        project: Option<ProjectId>,
    ) -> Result<Arc<Loaded>> {
        let (org_v, prj_v) = Self::versions(db, tenant, project).await?;
        self.assemble(tenant, project, org_v, prj_v)
    }

    /// The effective policy under a recorded label (`org@3+web@2`), for replay.
    pub async fn at_label<C: praetor_store::Conn>(
        &self,
        db: &C,
        tenant: Tenant,
        project: ProjectId,
        label: &str,
    ) -> Result<Arc<Loaded>> {
        let mut org_n = None;
        let mut prj_n = None;
        for part in label.split('+') {
            let Some((scope, n)) = part.rsplit_once('@') else { continue };
            let Ok(n) = n.parse::<i64>() else { continue };
            if scope == "org" { org_n = Some(n) } else { prj_n = Some(n) }
        }
        let org_v = match org_n {
            Some(n) => Some(by_number(db, tenant, None, n).await?),
            None => None,
        };
        let prj_v = match prj_n {
            Some(n) => Some(by_number(db, tenant, Some(project), n).await?),
            None => None,
        };
        self.assemble(tenant, Some(project), org_v, prj_v)
    }

    fn assemble(
        &self,
        tenant: Tenant,
        project: Option<ProjectId>,
        org_v: Option<policy_version::Model>,
        prj_v: Option<policy_version::Model>,
    ) -> Result<Arc<Loaded>> {
        let key = (
            tenant.org(),
            project,
            org_v.as_ref().map(|v| v.version).unwrap_or(0),
            prj_v.as_ref().map(|v| v.version).unwrap_or(0),
        );
        if let Ok(map) = self.effective.lock()
            && let Some(l) = map.get(&key)
        {
            return Ok(l.clone());
        }
        let mut layers = Vec::new();
        let mut label = Vec::new();
        if let Some(f) = &self.federation {
            layers.push(Layer { level: Level::Federation, set: f.clone(), version: "pack".into() });
        }
        let org_set = match &org_v {
            Some(v) => {
                let s = self.cached_set(tenant, v, None)?;
                layers.push(Layer { level: Level::Org, set: s.clone(), version: format!("org@{}", v.version) });
                label.push(format!("org@{}", v.version));
                Some(s)
            }
            None => None,
        };
        if let Some(v) = &prj_v {
            let s = self.cached_set(tenant, v, org_set.as_deref())?;
            let name = project_label(v);
            layers.push(Layer { level: Level::Project, set: s, version: format!("{name}@{}", v.version) });
            label.push(format!("{name}@{}", v.version));
        }
        let loaded = Arc::new(Loaded {
            effective: Effective::new(layers),
            label: if label.is_empty() { "none".into() } else { label.join("+") },
        });
        if let Ok(mut map) = self.effective.lock() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(key, loaded.clone());
        }
        Ok(loaded)
    }
}

/// The name a project version carries in labels: the project's slug.
fn project_label(v: &policy_version::Model) -> String {
    v.label.clone()
}

/// Compiles a stored version (the project's against its org's set).
pub fn compile_stored(v: &policy_version::Model, org_set: Option<&PolicySet>) -> Result<PolicySet> {
    let sources = sources_of(v)?;
    let mut ctx = CompileContext { builtins: builtins(), ..Default::default() };
    if let Some(o) = org_set {
        ctx.known_actions = o.actions.iter().map(|(n, a)| (n.clone(), a.spec.params.clone())).collect();
        ctx.state_schema = o.policies.iter().find_map(|p| p.spec.state_schema.clone());
    }
    // Versions store the bundle as applied (files keep their lines); the scope picks its part.
    let tree = Tree::compile(&sources, &ctx).map_err(|d| {
        Error::internal(format!("stored policy no longer compiles: {}", praetor_policy::diag::render_human(&d)))
    })?;
    if v.scope == "org" {
        Ok(tree.base)
    } else {
        Ok(tree.projects.get(&v.label).cloned().unwrap_or_else(PolicySet::empty))
    }
}

fn scope_of(project: Option<ProjectId>) -> String {
    project.map(|p| p.to_string()).unwrap_or_else(|| "org".into())
}

pub async fn latest<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    project: Option<ProjectId>,
) -> Result<Option<policy_version::Model>> {
    Ok(policy_version::newest(db, tenant, &scope_of(project)).await?)
}

pub async fn by_number<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    project: Option<ProjectId>,
    n: i64,
) -> Result<policy_version::Model> {
    policy_version::number(db, tenant, &scope_of(project), n)
        .await?
        .ok_or_else(|| Error::not_found(format!("policy version {n}")))
}

/// Role -> permission patterns of the built-in roles (for the escalation check).
pub fn role_permissions() -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in crate::authz::BUILTIN_RULES.lines() {
        let parts: Vec<&str> = line.split(',').map(str::trim).collect();
        if let ["p", role, _dom, op] = parts.as_slice() {
            out.entry(role.trim_start_matches("role:").to_string()).or_default().push(op.to_string());
        }
    }
    out
}

/// Every action name the registry knows for an tenant set (built-ins plus the set's).
pub fn action_names(set: Option<&PolicySet>) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = crate::actions::BUILTINS.iter().map(|b| b.name.to_string()).collect();
    if let Some(s) = set {
        names.extend(s.actions.keys().cloned());
    }
    names
}
