//! A casbin adapter over Praetor's own tables, loading one organization's rules.
//!
//! The source of truth is the domain tables (`role_bindings`, `group_members`); this adapter
//! translates them into casbin `g` rules and adds the built-in `p` rules. It is read-only:
//! bindings change through the services (which audit them), never through casbin's write API.

use std::collections::HashSet;

use async_trait::async_trait;
use casbin::error::AdapterError;
use casbin::{Adapter, Filter, Model};
use chrono::{DateTime, Utc};
use praetor_store::DatabaseConnection;
use praetor_store::{OrgId, group_member, role_binding, role_grant};

use super::BUILTIN_RULES;
use crate::auth::{rbac_group, rbac_service_account, rbac_user};
use crate::error::{Error, Result};

/// One casbin rule: its type (`p` or `g`) and fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub ptype: String,
    pub fields: Vec<String>,
}

pub struct OrgRuleAdapter {
    rules: Vec<Rule>,
    /// The next moment a time-boxed grant starts or ends: the rules are stale from then on.
    valid_until: Option<DateTime<Utc>>,
}

fn parse_line(line: &str) -> Option<Rule> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut parts = line.split(',').map(|s| s.trim().to_string());
    let ptype = parts.next()?;
    Some(Rule { ptype, fields: parts.collect() })
}

/// The RBAC subject string of a binding's subject.
pub fn binding_subject(kind: &str, id: uuid::Uuid) -> Option<String> {
    match kind {
        "user" => Some(rbac_user(id)),
        "group" => Some(rbac_group(id)),
        "service_account" => Some(rbac_service_account(id)),
        _ => None,
    }
}

impl OrgRuleAdapter {
    /// Reads `org`'s bindings and memberships.
    pub fn for_org(db: DatabaseConnection, org: OrgId, now: DateTime<Utc>) -> PendingAdapter {
        PendingAdapter { db, org, now }
    }

    /// An adapter over the built-in rules plus the given `g`/`p` lines (CSV form).
    pub fn from_lines(lines: &str) -> Self {
        let mut rules: Vec<Rule> = BUILTIN_RULES.lines().filter_map(parse_line).collect();
        rules.extend(lines.lines().filter_map(parse_line));
        Self { rules, valid_until: None }
    }

    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.valid_until
    }

    pub fn members(&self) -> HashSet<String> {
        self.rules
            .iter()
            .filter(|r| r.ptype == "g")
            .filter_map(|r| r.fields.first())
            .filter(|s| s.starts_with("user:") || s.starts_with("sa:"))
            .cloned()
            .collect()
    }
}

/// The database source, resolved into an adapter by [`PendingAdapter::fetch`].
pub struct PendingAdapter {
    db: DatabaseConnection,
    org: OrgId,
    now: DateTime<Utc>,
}

impl PendingAdapter {
    pub async fn fetch(self) -> Result<OrgRuleAdapter> {
        let mut rules: Vec<Rule> = BUILTIN_RULES.lines().filter_map(parse_line).collect();
        for b in role_binding::all(&self.db, super::authorized(self.org)).await? {
            let Some(subject) = binding_subject(&b.subject_kind, b.subject_id) else {
                return Err(Error::internal(format!("role binding {} has subject kind {}", b.id, b.subject_kind)));
            };
            rules.push(Rule { ptype: "g".into(), fields: vec![subject, format!("role:{}", b.role), b.domain] });
        }
        for m in group_member::all(&self.db, super::authorized(self.org)).await? {
            rules.push(Rule {
                ptype: "g".into(),
                fields: vec![rbac_user(m.user_id.0), rbac_group(m.group_id.0), "*".into()],
            });
        }
        // Time-boxed grants count only inside their interval; the rules expire at the next
        // start or end of an approved grant, so expiry holds at decision time.
        let mut valid_until: Option<DateTime<Utc>> = None;
        let mut stale_at = |t: DateTime<Utc>| {
            if t > self.now && valid_until.is_none_or(|v| t < v) {
                valid_until = Some(t);
            }
        };
        let grants = role_grant::in_force_after(&self.db, super::authorized(self.org), self.now).await?;
        for g in grants {
            stale_at(g.valid_from);
            stale_at(g.valid_until);
            if g.valid_from > self.now {
                continue;
            }
            let Some(subject) = binding_subject(&g.subject_kind, g.subject_id) else {
                return Err(Error::internal(format!("role grant {} has subject kind {}", g.id, g.subject_kind)));
            };
            rules.push(Rule { ptype: "g".into(), fields: vec![subject, format!("role:{}", g.role), g.domain] });
        }
        Ok(OrgRuleAdapter { rules, valid_until })
    }
}

fn read_only() -> casbin::Error {
    casbin::Error::AdapterError(AdapterError("RBAC rules change through Praetor's services, not through casbin".into()))
}

#[async_trait]
impl Adapter for OrgRuleAdapter {
    async fn load_policy(&mut self, m: &mut dyn Model) -> casbin::Result<()> {
        for rule in &self.rules {
            let sec = if rule.ptype.starts_with('g') { "g" } else { "p" };
            m.add_policy(sec, &rule.ptype, rule.fields.clone());
        }
        Ok(())
    }

    async fn load_filtered_policy<'a>(&mut self, m: &mut dyn Model, _f: Filter<'a>) -> casbin::Result<()> {
        // The adapter already holds exactly one organization's rules.
        self.load_policy(m).await
    }

    async fn save_policy(&mut self, _m: &mut dyn Model) -> casbin::Result<()> {
        Err(read_only())
    }

    async fn clear_policy(&mut self) -> casbin::Result<()> {
        Err(read_only())
    }

    fn is_filtered(&self) -> bool {
        false
    }

    async fn add_policy(&mut self, _sec: &str, _ptype: &str, _rule: Vec<String>) -> casbin::Result<bool> {
        Err(read_only())
    }

    async fn add_policies(&mut self, _sec: &str, _ptype: &str, _rules: Vec<Vec<String>>) -> casbin::Result<bool> {
        Err(read_only())
    }

    async fn remove_policy(&mut self, _sec: &str, _ptype: &str, _rule: Vec<String>) -> casbin::Result<bool> {
        Err(read_only())
    }

    async fn remove_policies(&mut self, _sec: &str, _ptype: &str, _rules: Vec<Vec<String>>) -> casbin::Result<bool> {
        Err(read_only())
    }

    async fn remove_filtered_policy(
        &mut self,
        _sec: &str,
        _ptype: &str,
        _field_index: usize,
        _field_values: Vec<String>,
    ) -> casbin::Result<bool> {
        Err(read_only())
    }
}
