//! Storage entities for Praetor, their typed IDs, and the tenant-scoped finders.
//!
//! Tenant-owned entities are read through [`TenantScoped::find_in_org`]; services never call a bare
//! `Entity::find()` on them, so a query cannot forget the tenant filter.

pub mod ids;

pub mod agent;
pub mod api_key;
pub mod approval;
pub mod audit_event;
pub mod audit_head;
pub mod budget_day;
pub mod budget_reservation;
pub mod chat_event;
pub mod chat_session;
pub mod chat_setting;
pub mod decision;
pub mod group;
pub mod group_member;
pub mod job;
pub mod kill_switch;
pub mod org;
pub mod plan;
pub mod plan_event;
pub mod policy_version;
pub mod project;
pub mod project_agent;
pub mod project_lease;
pub mod project_state;
pub mod rate_hit;
pub mod role_binding;
pub mod role_grant;
pub mod service_account;
pub mod user;
pub mod user_session;

pub use ids::*;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

/// An entity whose rows belong to one organization.
pub trait TenantScoped: EntityTrait {
    /// The column that holds the owning organization's id.
    fn org_column() -> Self::Column;

    /// The only way to start a read of tenant data: every query is filtered by the org.
    fn find_in_org(org: OrgId) -> Select<Self> {
        Self::find().filter(Self::org_column().eq(org))
    }
}

macro_rules! tenant_scoped {
    ($($module:ident => $col:ident),* $(,)?) => {
        $(impl TenantScoped for $module::Entity {
            fn org_column() -> Self::Column {
                $module::Column::$col
            }
        })*
    };
}

tenant_scoped!(
    org => Id,
    project => OrgId,
    group => OrgId,
    group_member => OrgId,
    service_account => OrgId,
    api_key => OrgId,
    role_binding => OrgId,
    audit_event => OrgId,
    audit_head => OrgId,
    policy_version => OrgId,
    plan => OrgId,
    plan_event => OrgId,
    approval => OrgId,
    project_state => OrgId,
    job => OrgId,
    decision => OrgId,
    rate_hit => OrgId,
    budget_day => OrgId,
    budget_reservation => OrgId,
    role_grant => OrgId,
    chat_session => OrgId,
    chat_event => OrgId,
    agent => OrgId,
    project_agent => OrgId,
    chat_setting => OrgId,
);

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait};

    fn sql<E: TenantScoped>(org: OrgId) -> (String, String) {
        (
            E::find_in_org(org).build(DbBackend::Postgres).to_string(),
            E::find_in_org(org).build(DbBackend::Sqlite).to_string(),
        )
    }

    #[test]
    fn scoped_finders_always_filter_by_org() {
        let org = OrgId::generate();
        let uuid = org.as_uuid().to_string();
        let cases = [
            ("projects", "org_id", sql::<project::Entity>(org)),
            ("groups", "org_id", sql::<group::Entity>(org)),
            ("group_members", "org_id", sql::<group_member::Entity>(org)),
            ("service_accounts", "org_id", sql::<service_account::Entity>(org)),
            ("api_keys", "org_id", sql::<api_key::Entity>(org)),
            ("role_bindings", "org_id", sql::<role_binding::Entity>(org)),
            ("audit_events", "org_id", sql::<audit_event::Entity>(org)),
            ("audit_heads", "org_id", sql::<audit_head::Entity>(org)),
            ("orgs", "id", sql::<org::Entity>(org)),
            ("plans", "org_id", sql::<plan::Entity>(org)),
            ("plan_events", "org_id", sql::<plan_event::Entity>(org)),
            ("approvals", "org_id", sql::<approval::Entity>(org)),
            ("project_states", "org_id", sql::<project_state::Entity>(org)),
            ("decisions", "org_id", sql::<decision::Entity>(org)),
            ("policy_versions", "org_id", sql::<policy_version::Entity>(org)),
            ("jobs", "org_id", sql::<job::Entity>(org)),
            ("rate_hits", "org_id", sql::<rate_hit::Entity>(org)),
            ("budget_days", "org_id", sql::<budget_day::Entity>(org)),
            ("budget_reservations", "org_id", sql::<budget_reservation::Entity>(org)),
            ("role_grants", "org_id", sql::<role_grant::Entity>(org)),
            ("chat_sessions", "org_id", sql::<chat_session::Entity>(org)),
            ("chat_events", "org_id", sql::<chat_event::Entity>(org)),
            ("agents", "org_id", sql::<agent::Entity>(org)),
            ("project_agents", "org_id", sql::<project_agent::Entity>(org)),
            ("chat_settings", "org_id", sql::<chat_setting::Entity>(org)),
        ];
        for (table, column, (pg, lite)) in cases {
            let filter = format!("WHERE \"{table}\".\"{column}\" = '{uuid}'");
            assert!(pg.contains(&filter), "{table}: {pg}");
            assert!(lite.contains(&format!("WHERE \"{table}\".\"{column}\" =")), "{table}: {lite}");
        }
    }
}
