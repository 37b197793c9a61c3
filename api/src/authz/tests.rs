//! RBAC semantics: org-wide bindings reach every project, project bindings stay in their
//! project, group bindings reach members, and nothing else is allowed.

use super::*;

const ALICE: &str = "user:a";
const BOB: &str = "user:b";
const CAROL: &str = "user:c";
const DAVE: &str = "user:d";
const BOT: &str = "sa:bot";

async fn rbac(lines: &str) -> OrgRbac {
    OrgRbac::from_adapter(OrgRuleAdapter::from_lines(lines), 1).await.unwrap()
}

#[tokio::test]
async fn bindings_follow_domains_and_groups() {
    let r = rbac(
        "g, user:a, role:org_admin, *
         g, user:b, role:operator, prj_web
         g, user:c, group:sre, *
         g, group:sre, role:approver, prj_web
         g, sa:bot, role:viewer, *",
    )
    .await;

    // org_admin bound org-wide: everything, everywhere.
    assert!(r.allows(ALICE, "org", "project.create"));
    assert!(r.allows(ALICE, "prj_web", "plan.approve"));
    assert!(r.allows(ALICE, "prj_pay", "action.invoke:deploy.web"));

    // operator bound to one project: only there, and only operator verbs.
    assert!(r.allows(BOB, "prj_web", "plan.propose"));
    assert!(r.allows(BOB, "prj_web", "action.invoke:deploy.web"));
    assert!(!r.allows(BOB, "prj_web", "plan.approve"));
    assert!(!r.allows(BOB, "prj_pay", "plan.propose"));
    assert!(!r.allows(BOB, "org", "project.create"));

    // carol is an approver through her group, in web only.
    assert!(r.allows(CAROL, "prj_web", "plan.approve"));
    assert!(!r.allows(CAROL, "prj_pay", "plan.approve"));
    assert!(!r.allows(CAROL, "prj_web", "plan.propose"));

    // viewer org-wide reads everywhere and writes nowhere.
    assert!(r.allows(BOT, "prj_pay", "plan.read"));
    assert!(r.allows(BOT, "org", "audit.read"));
    assert!(!r.allows(BOT, "prj_pay", "plan.propose"));

    // no binding, no access; twice, so the cached answer is checked as well.
    for _ in 0..2 {
        assert!(!r.allows(DAVE, "prj_web", "project.read"));
        assert!(!r.allows(DAVE, "org", "org.read"));
    }

    assert!(r.is_member(ALICE) && r.is_member(BOB) && r.is_member(CAROL) && r.is_member(BOT));
    assert!(!r.is_member(DAVE));
}

#[tokio::test]
async fn wildcard_operations_do_not_leak_across_verbs() {
    let r = rbac("g, user:b, role:approver, *").await;
    assert!(r.allows(BOB, "prj_x", "plan.approve"));
    assert!(!r.allows(BOB, "prj_x", "plan.approve_all_the_things_not"));
    assert!(!r.allows(BOB, "prj_x", "policy.write"));
    assert!(!r.allows(BOB, "prj_x", "action.invoke:state.set"));
}
