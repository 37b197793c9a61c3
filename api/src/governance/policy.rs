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
use praetor_store::{
    OrgId, PolicyPackId, ProjectId, Tenant, policy_pack, policy_pack_subscription, policy_pack_version, policy_version,
};
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

/// A pack layer: the pack, its name and the version of it in force.
pub type PackRef = (PolicyPackId, String, i64);

type Key = (OrgId, Option<ProjectId>, i64, i64, Vec<(PolicyPackId, i64)>);

#[derive(Default)]
pub struct PolicyStore {
    federation: Option<Arc<PolicySet>>,
    sets: Mutex<HashMap<(OrgId, String, i64), Arc<PolicySet>>>,
    packs: Mutex<HashMap<(PolicyPackId, i64), Arc<PolicySet>>>,
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

    /// The compiled documents of version `n` of a pack (read and compiled once per version).
    pub async fn pack_set<C: praetor_store::Conn>(&self, db: &C, pack: PolicyPackId, n: i64) -> Result<Arc<PolicySet>> {
        if let Ok(map) = self.packs.lock()
            && let Some(s) = map.get(&(pack, n))
        {
            return Ok(s.clone());
        }
        let v = policy_pack_version::number(db, pack, n)
            .await?
            .ok_or_else(|| Error::internal(format!("policy pack {pack} has no version {n}")))?;
        let set = Arc::new(compile_pack(&v)?);
        if let Ok(mut map) = self.packs.lock() {
            map.insert((pack, n), set.clone());
        }
        Ok(set)
    }

    /// The version of each scope in force for `project`: (org version, project version), and
    /// the packs the organization subscribes to with the version of each in force.
    async fn versions<C: praetor_store::Conn>(
        db: &C,
        tenant: Tenant,
        project: Option<ProjectId>,
    ) -> Result<(Option<i64>, Option<i64>, Vec<PackRef>)> {
        // The numbers only: the documents are read when a version is not compiled yet.
        let prj_scope = project.map(|p| scope_of(Some(p)));
        let scopes: Vec<&str> = std::iter::once("org").chain(prj_scope.as_deref()).collect();
        let numbers = policy_version::newest_numbers(db, tenant, &scopes).await?;
        let number_of = |scope: &str| numbers.iter().find(|(s, _)| s == scope).map(|(_, n)| *n);
        let org_v = number_of("org");
        let prj_v = prj_scope.as_deref().and_then(number_of);
        let packs = policy_pack_subscription::of_org(db, tenant)
            .await?
            .into_iter()
            .map(|s| (s.pack_id, s.pack_name, s.version_in_force))
            .collect();
        Ok((org_v, prj_v, packs))
    }

    /// The effective policy of `project` (or of the organization alone) as it is now.
    pub async fn effective<C: praetor_store::Conn>(
        &self,
        db: &C,
        tenant: Tenant,
        project: Option<ProjectId>,
    ) -> Result<Arc<Loaded>> {
        let (org_v, prj_v, packs) = Self::versions(db, tenant, project).await?;
        self.assemble(db, tenant, project, packs, org_v, prj_v).await
    }

    /// The effective policy of `project` as it would be with version `n` of `pack` in force
    /// (in place of the version the organization has now, or added when it does not subscribe):
    /// what a new pack version would change, before it takes effect.
    pub async fn effective_with_pack<C: praetor_store::Conn>(
        &self,
        db: &C,
        tenant: Tenant,
        project: Option<ProjectId>,
        pack: PackRef,
    ) -> Result<Arc<Loaded>> {
        let (org_v, prj_v, mut packs) = Self::versions(db, tenant, project).await?;
        packs.retain(|p| p.0 != pack.0);
        packs.push(pack);
        packs.sort_by(|a, b| a.1.cmp(&b.1));
        self.assemble(db, tenant, project, packs, org_v, prj_v).await
    }

    /// The effective policy under a recorded label (`pack:baseline@2+org@3+web@2`), for replay.
    pub async fn at_label<C: praetor_store::Conn>(
        &self,
        db: &C,
        tenant: Tenant,
        project: ProjectId,
        label: &str,
    ) -> Result<Arc<Loaded>> {
        let mut org_n = None;
        let mut prj_n = None;
        let mut packs = Vec::new();
        for part in label.split('+') {
            let Some((scope, n)) = part.rsplit_once('@') else { continue };
            let Ok(n) = n.parse::<i64>() else { continue };
            if let Some(name) = scope.strip_prefix("pack:") {
                let pack = policy_pack::by_name(db, name)
                    .await?
                    .ok_or_else(|| Error::internal(format!("the recorded policy pack {name} no longer exists")))?;
                packs.push((pack.id, pack.name, n));
            } else if scope == "org" {
                org_n = Some(n)
            } else {
                prj_n = Some(n)
            }
        }
        self.assemble(db, tenant, Some(project), packs, org_n, prj_n).await
    }

    async fn assemble<C: praetor_store::Conn>(
        &self,
        db: &C,
        tenant: Tenant,
        project: Option<ProjectId>,
        packs: Vec<PackRef>,
        org_n: Option<i64>,
        prj_n: Option<i64>,
    ) -> Result<Arc<Loaded>> {
        let key = (
            tenant.org(),
            project,
            org_n.unwrap_or(0),
            prj_n.unwrap_or(0),
            packs.iter().map(|(id, _, n)| (*id, *n)).collect::<Vec<_>>(),
        );
        if let Ok(map) = self.effective.lock()
            && let Some(l) = map.get(&key)
        {
            return Ok(l.clone());
        }
        let org_v = match org_n {
            Some(n) => Some(by_number(db, tenant, None, n).await?),
            None => None,
        };
        let prj_v = match (project, prj_n) {
            (Some(p), Some(n)) => Some(by_number(db, tenant, Some(p), n).await?),
            _ => None,
        };
        let mut layers = Vec::new();
        let mut label = Vec::new();
        if let Some(f) = &self.federation {
            layers.push(Layer { level: Level::Federation, set: f.clone(), version: "pack".into() });
        }
        for (id, name, n) in &packs {
            let set = self.pack_set(db, *id, *n).await?;
            let version = format!("pack:{name}@{n}");
            layers.push(Layer { level: Level::Federation, set, version: version.clone() });
            label.push(version);
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

/// Compiles a pack version's documents (as the instance-wide layer: no organization).
pub fn compile_pack(v: &policy_pack_version::Model) -> Result<PolicySet> {
    let sources = stored_sources(format_args!("policy pack version {}", v.id), &v.sources)?;
    let ctx = CompileContext { builtins: builtins(), ..Default::default() };
    PolicySet::compile(&sources, &ctx).map_err(|d| {
        Error::internal(format!("stored policy pack no longer compiles: {}", praetor_policy::diag::render_human(&d)))
    })
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
