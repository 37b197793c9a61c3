//! Static verification: problems a set can have even when every document is well formed.
//! Each finding has a severity, a stable code, a message and a location.
//!
//! Nothing here compares every rule with every other: rules are indexed by their action
//! patterns (exact names in a hash map, globs by their first literal segment) and conflicts
//! are found by grouping, so verifying a set costs about its size, not its size squared.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::diag::{Diagnostic, Location, Severity};
use crate::document::Effect;
use crate::glob;
use crate::set::{Origin, PolicySet};

/// What verification needs to know about the world outside the set.
#[derive(Debug, Clone, Default)]
pub struct VerifyContext {
    /// Every registered action name (built-ins, the org's, this set's).
    pub actions: BTreeSet<String>,
    /// Group name -> member e-mails, in the organization.
    pub groups: BTreeMap<String, BTreeSet<String>>,
    /// People who may propose plans (they cannot approve their own).
    pub proposers: BTreeSet<String>,
    /// Role -> permission patterns (`policy.*`, `action.invoke:*`, …).
    pub role_permissions: BTreeMap<String, Vec<String>>,
    /// The organization's set, when verifying a project's (a project may only tighten).
    pub org_set: Option<std::sync::Arc<PolicySet>>,
}

fn loc(o: &Origin, path: &str) -> Location {
    Location { file: o.file.clone(), line: o.line, column: 1, path: path.to_string() }
}

fn finding(severity: Severity, code: &'static str, o: &Origin, path: &str, message: String) -> Diagnostic {
    Diagnostic { severity, code, message, location: loc(o, path) }
}

fn perm_matches(pattern: &str, op: &str) -> bool {
    pattern == "*" || pattern == op || pattern.strip_suffix('*').is_some_and(|p| op.starts_with(p))
}

pub fn verify(set: &PolicySet, ctx: &VerifyContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut actions = ctx.actions.clone();
    actions.extend(set.actions.keys().cloned());
    // Exact names are looked up; each distinct glob is matched against the actions once.
    let mut glob_hits: HashMap<String, bool> = HashMap::new();
    let mut matches_any = |g: &str| {
        if !glob::is_glob(g) {
            return actions.contains(g);
        }
        if let Some(hit) = glob_hits.get(g) {
            return *hit;
        }
        let hit = actions.iter().any(|a| glob::matches(g, a));
        glob_hits.insert(g.to_string(), hit);
        hit
    };

    for p in &set.policies {
        // PV101: globs that match nothing.
        for r in &p.rules {
            for (j, g) in r.rule.actions.iter().enumerate() {
                if !matches_any(g) {
                    out.push(finding(
                        Severity::Warning,
                        "PV101",
                        &r.origin,
                        &format!("{}.actions[{j}]", r.origin.path),
                        format!("`{g}` matches no registered action"),
                    ));
                }
            }
        }
        for (i, l) in p.spec.limits.iter().enumerate() {
            for g in &l.actions {
                if !matches_any(g) {
                    out.push(finding(
                        Severity::Warning,
                        "PV101",
                        &p.origin,
                        &format!("spec.limits[{i}]"),
                        format!("`{g}` matches no registered action"),
                    ));
                }
            }
        }
        for (w, _, o) in &p.windows {
            for g in &w.actions {
                if !matches_any(g) {
                    out.push(finding(
                        Severity::Warning,
                        "PV101",
                        o,
                        &o.path,
                        format!("`{g}` matches no registered action"),
                    ));
                }
            }
        }

        // PV102: a rule made dead by an earlier, unconditional rule of higher precedence.
        let mut shadows = ShadowIndex::default();
        for (j, later) in p.rules.iter().enumerate() {
            if let Some(i) = shadows.first_covering(&p.rules, &later.rule.actions, later.rule.effect) {
                let earlier = &p.rules[i];
                out.push(finding(
                    Severity::Warning,
                    "PV102",
                    &later.origin,
                    &later.origin.path,
                    format!(
                        "rule `{}` can never decide: `{}` ({}) always applies to the same actions first",
                        later.rule.name,
                        earlier.rule.name,
                        earlier.rule.effect.as_str()
                    ),
                ));
            }
            if later.rule.when.is_none() {
                shadows.add(j, &later.rule.actions, later.rule.effect);
            }
        }

        // PV103: allow and deny on the same actions under the same condition (grouped by the
        // set of actions and the condition; each rule is reported once, against the first).
        let mut groups: HashMap<ConflictKey, [Option<usize>; 2]> = HashMap::new();
        for (j, b) in p.rules.iter().enumerate() {
            let side = match b.rule.effect {
                Effect::Allow => 0,
                Effect::Deny => 1,
                Effect::RequireApproval => continue,
            };
            let key = (b.rule.actions.iter().collect::<BTreeSet<_>>(), b.rule.when.as_ref());
            let seen = groups.entry(key).or_default();
            if let Some(a) = seen[1 - side] {
                let a = &p.rules[a];
                out.push(finding(
                    Severity::Warning,
                    "PV103",
                    &b.origin,
                    &b.origin.path,
                    format!(
                        "rules `{}` and `{}` allow and deny the same actions under the same condition (deny wins)",
                        a.rule.name, b.rule.name
                    ),
                ));
            }
            seen[side].get_or_insert(j);
        }

        // PV104-PV106: approval stages that cannot be satisfied.
        for r in &p.rules {
            for (j, stage) in r.rule.approvals.iter().enumerate() {
                let path = format!("{}.approvals[{j}]", r.origin.path);
                let mut eligible = BTreeSet::new();
                let mut unknown = Vec::new();
                for g in stage.groups() {
                    match ctx.groups.get(&g) {
                        Some(members) => eligible.extend(members.iter().cloned()),
                        None => unknown.push(g),
                    }
                }
                if !unknown.is_empty() {
                    out.push(finding(
                        Severity::Warning,
                        "PV104",
                        &r.origin,
                        &path,
                        format!("unknown group {}", unknown.join(", ")),
                    ));
                    continue;
                }
                if (eligible.len() as u32) < stage.count {
                    out.push(finding(
                        Severity::Warning,
                        "PV105",
                        &r.origin,
                        &path,
                        format!(
                            "the stage needs {} approvals but its groups have {} member(s)",
                            stage.count,
                            eligible.len()
                        ),
                    ));
                    continue;
                }
                let proposing: Vec<&String> = eligible.iter().filter(|m| ctx.proposers.contains(*m)).collect();
                if eligible.len() as u32 == stage.count && !proposing.is_empty() {
                    out.push(finding(
                        Severity::Warning,
                        "PV106",
                        &r.origin,
                        &path,
                        format!(
                            "the stage needs every one of its {} eligible approvers, and {} can also propose: their own plans could never be approved",
                            eligible.len(),
                            proposing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
        }

        // PV107: windows that never open.
        for (w, spec, o) in &p.windows {
            if spec.never_opens() {
                let why = if w.days.is_empty() { "it lists no days" } else { "it opens and closes at the same time" };
                out.push(finding(
                    Severity::Warning,
                    "PV107",
                    o,
                    &o.path,
                    format!("window {} never opens: {why}", w.name.clone().unwrap_or_default()),
                ));
            }
        }

        // PV108: a project looser than its organization.
        if p.project.is_some()
            && let Some(org) = &ctx.org_set
        {
            for (i, l) in p.spec.limits.iter().enumerate() {
                for op in &org.policies {
                    for ol in &op.spec.limits {
                        let overlap = l
                            .actions
                            .iter()
                            .any(|a| ol.actions.iter().any(|b| glob::covers(b, a) || glob::covers(a, b)));
                        let looser = |mine: Option<u32>, theirs: Option<u32>| matches!((mine, theirs), (Some(m), Some(t)) if m > t);
                        if overlap && (looser(l.per_minute, ol.per_minute) || looser(l.per_hour, ol.per_hour)) {
                            out.push(finding(
                                Severity::Warning,
                                "PV108",
                                &p.origin,
                                &format!("spec.limits[{i}]"),
                                format!("this limit is looser than organization policy `{}`; the organization's still applies", op.name),
                            ));
                        }
                    }
                }
            }
            if let Some(b) = &p.spec.budget {
                for op in &org.policies {
                    if let Some(ob) = &op.spec.budget
                        && b.daily > ob.daily
                    {
                        out.push(finding(
                            Severity::Warning,
                            "PV108",
                            &p.origin,
                            "spec.budget.daily",
                            format!(
                                "a daily budget of {} exceeds the organization's {}; the organization's still applies",
                                b.daily, ob.daily
                            ),
                        ));
                    }
                }
            }
        }

        // PV109: a role that may edit the policy governing it.
        let governed: Vec<&str> = p
            .rules
            .iter()
            .filter(|r| r.rule.effect != Effect::Allow)
            .flat_map(|r| r.rule.actions.iter().map(String::as_str))
            .collect();
        if !governed.is_empty() {
            for (role, perms) in &ctx.role_permissions {
                // Administrators of a scope own its policy by design; the escalation path is a
                // role below them that can both act and rewrite the rules on its own acts.
                if role == "org_admin" || role == "project_admin" {
                    continue;
                }
                let writes_policy = perms.iter().any(|pat| perm_matches(pat, "policy.write"));
                let invokes =
                    perms.iter().any(|pat| governed.iter().any(|g| perm_matches(pat, &format!("action.invoke:{g}"))));
                if writes_policy && invokes {
                    out.push(finding(
                        Severity::Warning,
                        "PV109",
                        &p.origin,
                        "spec.rules",
                        format!("role `{role}` may both run actions this policy restricts and rewrite this policy: an escalation path (require approval for policy changes or split the roles)"),
                    ));
                }
            }
        }
    }
    out.sort_by(|a, b| (&a.location.file, a.location.line, a.code).cmp(&(&b.location.file, b.location.line, b.code)));
    out
}

/// Rules that conflict share their set of actions and their condition.
type ConflictKey<'a> = (BTreeSet<&'a String>, Option<&'a String>);

/// Unconditional rules seen so far, by action pattern: for each pattern, the first rule of
/// each effect that lists it. Exact names are hashed; globs are bucketed by their first
/// literal segment (globs whose first segment is itself a glob share one bucket).
#[derive(Default)]
struct ShadowIndex {
    exact: HashMap<String, [Option<usize>; 3]>,
    globs: HashMap<String, HashMap<String, [Option<usize>; 3]>>,
}

fn effect_slot(e: Effect) -> usize {
    match e {
        Effect::Allow => 0,
        Effect::RequireApproval => 1,
        Effect::Deny => 2,
    }
}

fn bucket(pattern: &str) -> &str {
    let first = pattern.split('.').next().unwrap_or_default();
    if glob::is_glob(first) { "*" } else { first }
}

impl ShadowIndex {
    fn add(&mut self, rule: usize, actions: &[String], effect: Effect) {
        for a in actions {
            let slots = if glob::is_glob(a) {
                self.globs.entry(bucket(a).to_string()).or_default().entry(a.clone()).or_default()
            } else {
                self.exact.entry(a.clone()).or_default()
            };
            slots[effect_slot(effect)].get_or_insert(rule);
        }
    }

    /// Rules indexed under a pattern that covers `b` and whose effect beats `effect`.
    fn candidates(&self, b: &str, effect: Effect, out: &mut HashSet<usize>) {
        let stronger = |slots: &[Option<usize>; 3], out: &mut HashSet<usize>| {
            for (i, slot) in slots.iter().enumerate() {
                if i > effect_slot(effect)
                    && let Some(r) = slot
                {
                    out.insert(*r);
                }
            }
        };
        if let Some(slots) = self.exact.get(b) {
            stronger(slots, out);
        }
        let buckets = [Some(bucket(b)), (bucket(b) != "*").then_some("*")];
        for name in buckets.into_iter().flatten() {
            for (a, slots) in self.globs.get(name).into_iter().flatten() {
                if glob::covers(a, b) {
                    stronger(slots, out);
                }
            }
        }
    }

    /// The first earlier rule whose patterns cover every one of `actions` with an effect
    /// stronger than `effect`.
    fn first_covering(&self, rules: &[crate::set::RuleDef], actions: &[String], effect: Effect) -> Option<usize> {
        let mut candidates = HashSet::new();
        for b in actions {
            self.candidates(b, effect, &mut candidates);
        }
        let mut found: Vec<usize> = candidates
            .into_iter()
            .filter(|r| actions.iter().all(|b| rules[*r].rule.actions.iter().any(|a| glob::covers(a, b))))
            .collect();
        found.sort_unstable();
        found.first().copied()
    }
}
