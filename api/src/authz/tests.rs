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

#[tokio::test]
async fn an_agent_has_what_both_its_person_and_its_role_allow() {
    use praetor_store::{UserId, user};
    let bob = user::Model {
        id: UserId::generate(),
        email: "bob@x.test".into(),
        display_name: "Bob".into(),
        instance_admin: false,
        created_at: chrono::DateTime::UNIX_EPOCH,
    };
    let subject = crate::auth::rbac_user(bob.id.0);
    let rbac = Arc::new(rbac(&format!("g, {subject}, role:operator, *")).await);
    let org = org::Model {
        id: OrgId::generate(),
        slug: "o".into(),
        name: "O".into(),
        rbac_version: 1,
        created_at: chrono::DateTime::UNIX_EPOCH,
        local_accounts: true,
    };
    let person = OrgAccess {
        org: Arc::new(org.clone()),
        principal: Arc::new(Principal::new(Subject::User(bob.clone()))),
        rbac,
        subject,
        agent: None,
    };
    let agent = AgentIdentity { id: None, org_id: org.id, name: "deployer".into(), role: vec!["deploy.*".into()] };
    let acting = person.acting_as(agent);
    let p = Domain::Project(praetor_store::ProjectId::generate());

    // The chain is the person, then the agent; the agent is the actor.
    let chain = acting.principal().chain();
    assert_eq!(chain.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(), vec!["user", "agent"]);
    assert_eq!(chain[0].name, "bob@x.test");
    assert_eq!(acting.principal().rbac_subject(), crate::auth::BUILTIN_AGENT_SUBJECT);
    assert!(acting.principal().user().is_none());

    // Both must allow: the role narrows the person's rights, and never widens them.
    assert!(acting.allows(p, "plan.propose") && acting.allows(p, "plan.read"));
    assert!(acting.allows(p, "action.invoke:deploy.web"));
    assert!(person.allows(p, "action.invoke:service.restart"));
    assert!(!acting.allows(p, "action.invoke:service.restart"));
    assert!(person.allows(p, "plan.execute") && person.allows(p, "chat.write"));
    for op in ["plan.execute", "plan.cancel", "plan.approve", "chat.write", "policy.write"] {
        assert!(!acting.allows(p, op), "{op}");
    }
    assert!(!acting.allows(Domain::Org, "project.create"));
    assert!(!person.allows(p, "plan.approve"));
    assert!(!agent_allows(
        &AgentIdentity { role: vec!["**".into()], ..acting.principal().agent().unwrap().clone() },
        "plan.approve"
    ));
}
