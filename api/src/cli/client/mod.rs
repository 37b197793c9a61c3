//! The typed GraphQL client of the remote commands. Each operation in the `.graphql` documents
//! beside this file is checked against `api/schema.graphql` when the binary compiles and gets
//! Rust types for its variables and its answer (`graphql_client`'s derive): a schema change
//! that breaks an operation the command line sends fails the build, not a user's command.
//! [`super::remote::Session::run`] sends one.

use graphql_client::GraphQLQuery;

/// The schema's custom scalars as the command line reads them: times are shown as the server
/// wrote them, JSON stays JSON.
pub mod scalars {
    pub type DateTime = String;
    // Named as the schema names it: the generated code refers to it so.
    #[allow(clippy::upper_case_acronyms)]
    pub type JSON = serde_json::Value;
}

/// The derive reads the schema without telling cargo about it; including it here makes an
/// edited schema recompile (and so re-check) the operations.
const _SCHEMA: &str = include_str!("../../../schema.graphql");

/// One operation of `$file` (relative to `api/`), named as in the document.
macro_rules! operation {
    ($name:ident, $file:tt) => {
        #[derive(GraphQLQuery)]
        #[graphql(
                                                            schema_path = "schema.graphql",
                                                            query_path = $file,
                                                            custom_scalars_module = "crate::client::scalars",
                                                            response_derives = "Debug, Clone, PartialEq, Serialize",
                                                            variables_derives = "Debug, Clone"
                                                        )]
        pub struct $name;
    };
}

operation!(Viewer, "src/cli/client/viewer.graphql");

operation!(ProjectSchedules, "src/cli/client/schedules.graphql");
operation!(CreateSchedule, "src/cli/client/schedules.graphql");
operation!(PauseSchedule, "src/cli/client/schedules.graphql");
operation!(ResumeSchedule, "src/cli/client/schedules.graphql");
operation!(DeleteSchedule, "src/cli/client/schedules.graphql");

operation!(ListProjects, "src/cli/client/projects.graphql");
operation!(CreateProject, "src/cli/client/projects.graphql");

operation!(ApplyPolicy, "src/cli/client/policies.graphql");
operation!(PolicyDiff, "src/cli/client/policies.graphql");
operation!(OrgPolicyVersions, "src/cli/client/policies.graphql");
operation!(ProjectPolicyVersions, "src/cli/client/policies.graphql");
operation!(RollbackPolicy, "src/cli/client/policies.graphql");
operation!(ExplainDecision, "src/cli/client/policies.graphql");
operation!(PolicyProposals, "src/cli/client/policies.graphql");
operation!(ApprovePolicyProposal, "src/cli/client/policies.graphql");
operation!(RejectPolicyProposal, "src/cli/client/policies.graphql");

operation!(GetPlan, "src/cli/client/plans.graphql");
operation!(ListPlans, "src/cli/client/plans.graphql");
operation!(ApprovalRequests, "src/cli/client/plans.graphql");
operation!(ProposePlan, "src/cli/client/plans.graphql");
operation!(SimulatePlan, "src/cli/client/plans.graphql");
operation!(PlanHash, "src/cli/client/plans.graphql");
operation!(ApprovePlan, "src/cli/client/plans.graphql");
operation!(RejectPlan, "src/cli/client/plans.graphql");
operation!(ExecutePlan, "src/cli/client/plans.graphql");
operation!(CancelPlan, "src/cli/client/plans.graphql");
operation!(PlanEvents, "src/cli/client/plans.graphql");

operation!(OrgControls, "src/cli/client/controls.graphql");
operation!(ProjectControls, "src/cli/client/controls.graphql");
operation!(SetKillSwitch, "src/cli/client/controls.graphql");

operation!(Members, "src/cli/client/access.graphql");
operation!(Groups, "src/cli/client/access.graphql");
operation!(GroupNames, "src/cli/client/access.graphql");
operation!(CreateGroup, "src/cli/client/access.graphql");
operation!(AddGroupMember, "src/cli/client/access.graphql");
operation!(RemoveGroupMember, "src/cli/client/access.graphql");
operation!(RoleBindings, "src/cli/client/access.graphql");
operation!(BindRole, "src/cli/client/access.graphql");
operation!(UnbindRole, "src/cli/client/access.graphql");
operation!(ServiceAccounts, "src/cli/client/access.graphql");

operation!(OrgPolicyPacks, "src/cli/client/packs.graphql");
operation!(PolicyPackVersionImpact, "src/cli/client/packs.graphql");
operation!(SubscribeToPolicyPack, "src/cli/client/packs.graphql");
operation!(UnsubscribeFromPolicyPack, "src/cli/client/packs.graphql");

operation!(ApiKeys, "src/cli/client/keys.graphql");
operation!(CreateApiKey, "src/cli/client/keys.graphql");
operation!(RevokeApiKey, "src/cli/client/keys.graphql");
operation!(CreateServiceAccount, "src/cli/client/access.graphql");

operation!(AuditLog, "src/cli/client/audit.graphql");
operation!(AuditEvents, "src/cli/client/audit.graphql");
operation!(AuditExport, "src/cli/client/audit.graphql");

operation!(ViewerOrgs, "src/cli/client/orgs.graphql");
operation!(OrgSummary, "src/cli/client/orgs.graphql");
operation!(OrgMemberCount, "src/cli/client/orgs.graphql");
operation!(OrgGroupCount, "src/cli/client/orgs.graphql");
operation!(OrgServiceAccountCount, "src/cli/client/orgs.graphql");

operation!(RoleGrants, "src/cli/client/grants.graphql");
operation!(GrantRequester, "src/cli/client/grants.graphql");
operation!(GrantTemporaryRole, "src/cli/client/grants.graphql");
operation!(ApproveRoleGrant, "src/cli/client/grants.graphql");
operation!(RejectRoleGrant, "src/cli/client/grants.graphql");
operation!(RevokeRoleGrant, "src/cli/client/grants.graphql");

/// The part of a document that operation `operation` needs: its definition and the fragments
/// it spreads (transitively). A document holds several operations; the server evaluates the
/// complexity of every operation it is sent with the variables of the one it runs, so the
/// others' variables would be missing.
pub fn operation_document(document: &str, operation: &str) -> String {
    let definitions = definitions(document);
    let header = |d: &str| {
        let mut words = d.split(|c: char| c.is_whitespace() || c == '(' || c == '{').filter(|w| !w.is_empty());
        (words.next().unwrap_or_default().to_string(), words.next().unwrap_or_default().to_string())
    };
    let mut wanted: Vec<String> = Vec::new();
    let mut out: Vec<&str> = Vec::new();
    if let Some(op) = definitions.iter().find(|d| {
        let (kind, name) = header(d);
        kind != "fragment" && name == operation
    }) {
        out.push(op);
        wanted.extend(spreads(op));
    }
    let mut seen: Vec<String> = Vec::new();
    while let Some(name) = wanted.pop() {
        if seen.contains(&name) {
            continue;
        }
        if let Some(f) = definitions.iter().find(|d| header(d) == ("fragment".to_string(), name.clone())) {
            out.push(f);
            wanted.extend(spreads(f));
        }
        seen.push(name);
    }
    out.join("\n\n")
}

/// The top-level definitions of a document, comments left out.
fn definitions(document: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for line in document.lines() {
        let line = line.split('#').next().unwrap_or_default();
        for c in line.chars() {
            current.push(c);
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        out.push(current.trim().to_string());
                        current.clear();
                    }
                }
                _ => {}
            }
        }
        current.push('\n');
    }
    out
}

/// The fragments a definition spreads (`...Name`, not inline `... on Type`).
fn spreads(definition: &str) -> Vec<String> {
    definition
        .split("...")
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            (!name.is_empty() && name != "on").then_some(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_is_sent_with_the_fragments_it_spreads_only() {
        let doc = "# comment {\nfragment A on T { x ...B }\nfragment B on T { y }\nfragment C on T { z }\n\
                   query One($a: Int) { t(a: $a) { ...A ... on T { w } } }\nmutation Two($b: Int!) { u(b: $b) { ...C } }\n";
        let one = operation_document(doc, "One");
        assert!(one.starts_with("query One($a: Int)"), "{one}");
        assert!(one.contains("fragment A on T") && one.contains("fragment B on T"), "{one}");
        assert!(!one.contains("fragment C") && !one.contains("Two") && !one.contains("comment"), "{one}");
        let two = operation_document(doc, "Two");
        assert!(two.contains("mutation Two") && two.contains("fragment C") && !two.contains("fragment A"), "{two}");
        // Every operation of the command line's documents is found with its fragments.
        let plans = operation_document(get_plan::QUERY, "GetPlan");
        assert!(plans.starts_with("query GetPlan") && plans.contains("fragment PlanFields"), "{plans}");
        assert!(!plans.contains("PlanRow") && !plans.contains("subscription"), "{plans}");
    }
}
