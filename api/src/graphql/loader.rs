//! Batched reads for nested fields: a list of fifty plans asking each for its project, its
//! progress and its approvals costs one query per kind, not one per plan. Every key carries
//! its organization and every batch reads through the tenant-scoped finders, one organization
//! at a time, so a batch never reaches across tenants. Rights are checked by the resolvers, as
//! for any read; the loader only fetches.
//!
//! One loader per request, made on first use: an operation that never reads a nested field (an
//! idle subscription) does not carry one.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use praetor_store::DatabaseConnection;
use praetor_store::{PlanId, ProjectId, Tenant, UserId, approval, plan_event, project};

use crate::engine::store;
use crate::error::Error;
use praetor_domain::reducer::{self, PlanView};

/// A project of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProjectKey(pub Tenant, pub ProjectId);

/// A plan's status and progress, folded from its log (`steps`: how many steps it has).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlanViewKey(pub Tenant, pub PlanId, pub usize);

/// The names of the groups a user belongs to in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupsKey(pub Tenant, pub UserId);

/// The approval decisions given on a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApprovalsKey(pub Tenant, pub PlanId);

pub struct Reads {
    db: DatabaseConnection,
}

/// Groups keys by organization, so each batch is read inside one tenant.
fn by_org<K, T: Ord + Copy>(keys: &[K], split: impl Fn(&K) -> (Tenant, T)) -> BTreeMap<Tenant, Vec<T>> {
    let mut out: BTreeMap<Tenant, Vec<T>> = BTreeMap::new();
    for k in keys {
        let (org, id) = split(k);
        out.entry(org).or_default().push(id);
    }
    out
}

impl Loader<ProjectKey> for Reads {
    type Value = project::Model;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[ProjectKey]) -> Result<HashMap<ProjectKey, project::Model>, Arc<Error>> {
        let mut out = HashMap::new();
        for (org, ids) in by_org(keys, |k| (k.0, k.1)) {
            let rows = project::by_ids(&self.db, org, ids).await.map_err(|e| Arc::new(Error::from(e)))?;
            out.extend(rows.into_iter().map(|p| (ProjectKey(org, p.id), p)));
        }
        Ok(out)
    }
}

impl Loader<PlanViewKey> for Reads {
    type Value = PlanView;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[PlanViewKey]) -> Result<HashMap<PlanViewKey, PlanView>, Arc<Error>> {
        let steps: HashMap<PlanId, usize> = keys.iter().map(|k| (k.1, k.2)).collect();
        let mut out = HashMap::new();
        for (org, ids) in by_org(keys, |k| (k.0, k.1)) {
            let rows = plan_event::of_plans(&self.db, org, ids.clone()).await.map_err(|e| Arc::new(Error::from(e)))?;
            let mut logs: HashMap<PlanId, Vec<praetor_domain::plan::PlanEvent>> = HashMap::new();
            for r in &rows {
                logs.entry(r.plan_id).or_default().push(store::decode(r).map_err(Arc::new)?);
            }
            for id in ids {
                let n = steps.get(&id).copied().unwrap_or_default();
                let events = logs.remove(&id).unwrap_or_default();
                let view = reducer::fold(n, &events).map_err(|(at, why)| {
                    Arc::new(Error::internal(format!("plan {id} log does not fold at event {at}: {why}")))
                })?;
                out.insert(PlanViewKey(org, id, n), view);
            }
        }
        Ok(out)
    }
}

impl Loader<ApprovalsKey> for Reads {
    type Value = Vec<approval::Model>;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[ApprovalsKey]) -> Result<HashMap<ApprovalsKey, Vec<approval::Model>>, Arc<Error>> {
        let mut out: HashMap<ApprovalsKey, Vec<approval::Model>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for (org, ids) in by_org(keys, |k| (k.0, k.1)) {
            let rows = approval::of_plans(&self.db, org, ids).await.map_err(|e| Arc::new(Error::from(e)))?;
            for r in rows {
                out.entry(ApprovalsKey(org, r.plan_id)).or_default().push(r);
            }
        }
        Ok(out)
    }
}

impl Loader<GroupsKey> for Reads {
    type Value = Vec<String>;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[GroupsKey]) -> Result<HashMap<GroupsKey, Vec<String>>, Arc<Error>> {
        let mut out: HashMap<GroupsKey, Vec<String>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for (org, users) in by_org(keys, |k| (k.0, k.1)) {
            let names = crate::authz::proposer::group_names(&self.db, org, users).await.map_err(Arc::new)?;
            for (user, groups) in names {
                out.insert(GroupsKey(org, user), groups);
            }
        }
        Ok(out)
    }
}

/// The request's loader, made on first use.
#[derive(Default)]
pub struct Loaders {
    reads: OnceLock<DataLoader<Reads>>,
}

impl Loaders {
    fn get(&self, db: &DatabaseConnection) -> &DataLoader<Reads> {
        self.reads.get_or_init(|| DataLoader::new(Reads { db: db.clone() }, tokio::spawn))
    }
}

/// The loader of the current request (a fresh one if the request has none, e.g. in tests).
pub fn loader<'a>(ctx: &Context<'a>) -> Result<&'a DataLoader<Reads>, Error> {
    let app = super::app(ctx)?;
    match ctx.data_opt::<Loaders>() {
        Some(l) => Ok(l.get(&app.db)),
        None => Err(Error::internal("the request carries no loaders")),
    }
}

/// Loads one value. A batch's error is shared by every key of the batch: each caller gets it
/// back as ours (already logged where it arose).
#[track_caller]
pub fn one<'a, K, V>(
    ctx: &'a Context<'_>,
    key: K,
) -> impl std::future::Future<Output = Result<Option<V>, Error>> + Send + 'a
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    V: Send + 'static,
    Reads: Loader<K, Value = V, Error = Arc<Error>>,
{
    let location = std::panic::Location::caller();
    async move {
        loader(ctx)?.load_one(key).await.map_err(|shared| match Arc::try_unwrap(shared) {
            Ok(e) => e,
            Err(shared) => match &*shared {
                Error::Internal { detail, .. } => Error::Internal { detail: detail.clone(), location },
                other => Error::internal(other.to_string()),
            },
        })
    }
}
