//! What changes between two policy sets: rules added, removed or changed, with the verdict
//! they give before and after.

use serde::Serialize;

use crate::set::PolicySet;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// added, removed or changed.
    pub kind: &'static str,
    pub policy: String,
    pub rule: String,
    pub actions: Vec<String>,
    pub when: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub fn diff(old: &PolicySet, new: &PolicySet) -> Vec<Change> {
    fn index(s: &PolicySet) -> std::collections::BTreeMap<String, &crate::set::RuleDef> {
        s.policies
            .iter()
            .flat_map(|p| p.rules.iter().map(move |r| (format!("{}/{}", p.name, r.rule.name), r)))
            .collect()
    }
    let (a, b) = (index(old), index(new));
    let mut out = Vec::new();
    for (k, r) in &a {
        match b.get(k) {
            None => out.push(Change {
                kind: "removed",
                policy: r.policy.clone(),
                rule: r.rule.name.clone(),
                actions: r.rule.actions.clone(),
                when: r.rule.when.clone(),
                before: Some(r.rule.effect.as_str().into()),
                after: None,
            }),
            Some(n)
                if n.rule.effect != r.rule.effect
                    || n.rule.when != r.rule.when
                    || n.rule.actions != r.rule.actions
                    || n.rule.approvals != r.rule.approvals =>
            {
                out.push(Change {
                    kind: "changed",
                    policy: n.policy.clone(),
                    rule: n.rule.name.clone(),
                    actions: n.rule.actions.clone(),
                    when: n.rule.when.clone(),
                    before: Some(r.rule.effect.as_str().into()),
                    after: Some(n.rule.effect.as_str().into()),
                })
            }
            Some(_) => {}
        }
    }
    for (k, n) in &b {
        if !a.contains_key(k) {
            out.push(Change {
                kind: "added",
                policy: n.policy.clone(),
                rule: n.rule.name.clone(),
                actions: n.rule.actions.clone(),
                when: n.rule.when.clone(),
                before: None,
                after: Some(n.rule.effect.as_str().into()),
            });
        }
    }
    out
}
