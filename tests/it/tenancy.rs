//! Tenants never see each other: every lookup across organizations answers NOT_FOUND.

use praetor_tests::*;
use serde_json::{Value, json};

#[tokio::test]
async fn other_tenants_are_invisible_everywhere() {
    let app = spawn_app().await;
    let p = app
        .admin(
            "mutation($o: String!) { createProject(input: {org: $o, slug: \"web\", name: \"Web\"}) { id } }",
            json!({"o": app.org}),
        )
        .await;
    let project_id = p["createProject"]["id"].as_str().unwrap().to_string();
    let g = app
        .admin("mutation($o: String!) { createGroup(input: {org: $o, name: \"ops\"}) { id } }", json!({"o": app.org}))
        .await;
    let group_id = g["createGroup"]["id"].as_str().unwrap().to_string();
    let log = app.admin("query($o: String!) { org(slug: $o) { id auditLog(first: 1) { edges { node { id } } } roleBindings { edges { node { id } } } } }", json!({"o": app.org})).await;
    let org_id = log["org"]["id"].as_str().unwrap().to_string();
    let audit_id = log["org"]["auditLog"]["edges"][0]["node"]["id"].as_str().unwrap().to_string();
    let binding_id = log["org"]["roleBindings"]["edges"][0]["node"]["id"].as_str().unwrap().to_string();

    let (other_slug, other) = other_org(&app).await;
    assert_eq!(
        code(&app.gql(Some(&other), "query($o: String!) { org(slug: $o) { id } }", json!({"o": app.org})).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(
            &app.gql(
                Some(&other),
                "query($o: String!) { project(org: $o, slug: \"web\") { id } }",
                json!({"o": app.org})
            )
            .await
        ),
        "NOT_FOUND"
    );
    // An organization that does not exist looks exactly the same.
    let missing = app.gql(Some(&other), "{ org(slug: \"no-such-org\") { id } }", json!({})).await;
    let hidden = app.gql(Some(&other), "query($o: String!) { org(slug: $o) { id } }", json!({"o": app.org})).await;
    assert_eq!(missing["errors"][0]["message"], hidden["errors"][0]["message"]);

    for id in [&org_id, &project_id, &group_id, &audit_id, &binding_id] {
        let r = app.gql(Some(&other), "query($id: ID!) { node(id: $id) { id } }", json!({"id": id})).await;
        assert_eq!(code(&r), "NOT_FOUND", "{id}");
        let mine = app.gql(Some(&app.admin_key), "query($id: ID!) { node(id: $id) { id } }", json!({"id": id})).await;
        assert_eq!(ok(mine)["node"]["id"], id.as_str());
    }
    let orgs = ok(app.gql(Some(&other), "{ viewer { orgs { slug } } }", json!({})).await);
    assert_eq!(orgs["viewer"]["orgs"], json!([{"slug": other_slug}]));
}

#[tokio::test]
async fn project_scoped_members_see_only_their_projects() {
    let app = spawn_app().await;
    for slug in ["web", "pay"] {
        app.admin(
            "mutation($o: String!, $s: String!) { createProject(input: {org: $o, slug: $s, name: $s}) { id } }",
            json!({"o": app.org, "s": slug}),
        )
        .await;
    }
    let (op, _) = app.user_with_role("operator", Some("web")).await;
    let data = ok(app
        .gql(
            Some(&op),
            "query($o: String!) { org(slug: $o) { projects { edges { node { slug } } } } }",
            json!({"o": app.org}),
        )
        .await);
    assert_eq!(data["org"]["projects"]["edges"], json!([{"node": {"slug": "web"}}]));
    assert_eq!(
        code(
            &app.gql(Some(&op), "query($o: String!) { project(org: $o, slug: \"pay\") { id } }", json!({"o": app.org}))
                .await
        ),
        "NOT_FOUND"
    );
    ok(app
        .gql(Some(&op), "query($o: String!) { project(org: $o, slug: \"web\") { id } }", json!({"o": app.org}))
        .await);
    // Audit and admin lists are not an operator's business at org level.
    assert_eq!(
        code(
            &app.gql(
                Some(&op),
                "query($o: String!) { org(slug: $o) { auditLog { edges { node { id } } } } }",
                json!({"o": app.org})
            )
            .await
        ),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn pagination_is_bounded_and_complete() {
    let app = spawn_app().await;
    for i in 0..7 {
        app.admin(
            "mutation($o: String!, $s: String!) { createProject(input: {org: $o, slug: $s, name: $s}) { id } }",
            json!({"o": app.org, "s": format!("p{i}")}),
        )
        .await;
    }
    let q = "query($o: String!, $a: String) { org(slug: $o) { projects(first: 3, after: $a) { edges { cursor node { slug } } pageInfo { hasNextPage endCursor } } } }";
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let d = app.admin(q, json!({"o": app.org, "a": after})).await;
        let conn = &d["org"]["projects"];
        for e in conn["edges"].as_array().unwrap() {
            seen.push(e["node"]["slug"].as_str().unwrap().to_string());
        }
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = Some(conn["pageInfo"]["endCursor"].as_str().unwrap().to_string());
    }
    assert_eq!(seen, (0..7).map(|i| format!("p{i}")).collect::<Vec<_>>());

    let too_many = app
        .gql(
            Some(&app.admin_key),
            "query($o: String!) { org(slug: $o) { projects(first: 101) { edges { cursor } } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(code(&too_many), "VALIDATION");
    assert_eq!(too_many["errors"][0]["extensions"]["field"], "first");
    let bad_cursor = app
        .gql(
            Some(&app.admin_key),
            "query($o: String!) { org(slug: $o) { projects(after: \"zzz\") { edges { cursor } } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(bad_cursor["errors"][0]["extensions"]["field"], "after");
}

#[tokio::test]
async fn members_bindings_and_who_can_approve_now() {
    let app = spawn_app().await;
    app.project("web").await;
    let (_, carol) = app.user_with_role("approver", None).await;
    let (bob_key, bob) = app.user_with_role("operator", Some("web")).await;
    app.group("leads", &[carol.as_str()]).await;
    // Members: the admin, carol (a role and a group) and bob (a project role), by id.
    let d = app
        .admin("query($o: String!) { org(slug: $o) { members(first: 10) { edges { node { user { email } roles { role scope projectId } groups } } } roleBindings(first: 20) { edges { node { role subject subjectKind } } } } }", json!({"o": app.org}))
        .await;
    let members: Vec<Value> =
        d["org"]["members"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect();
    assert_eq!(members.len(), 3);
    let carol_m = members.iter().find(|m| m["user"]["email"] == carol.as_str()).unwrap();
    assert_eq!(carol_m["groups"], json!(["leads"]));
    assert_eq!(carol_m["roles"], json!([{"role": "approver", "scope": "ORG", "projectId": null}]));
    let bob_m = members.iter().find(|m| m["user"]["email"] == bob.as_str()).unwrap();
    assert_eq!(bob_m["roles"][0]["scope"], "PROJECT");
    assert!(bob_m["roles"][0]["projectId"].as_str().unwrap().starts_with("prj_"));
    let subjects: Vec<&str> = d["org"]["roleBindings"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["subject"].as_str().unwrap())
        .collect();
    assert!(subjects.contains(&carol.as_str()) && subjects.contains(&app.admin_email.as_str()), "{subjects:?}");
    // Members are not visible to another organization.
    let (other, other_key) = other_org(&app).await;
    let theirs = app
        .gql(
            Some(&other_key),
            "query($o: String!) { org(slug: $o) { members { edges { cursor } } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(code(&theirs), "NOT_FOUND");
    let _ = other;

    // A plan needing the leads: bob proposed it, so bob may not approve; carol may.
    app.require_leads_for_state_set().await;
    let p =
        propose(&app, &bob_key, "web", json!([{"action": "state.set", "params": {"key": "a", "value": 1}}]), json!({}))
            .await;
    let q = "query($id: ID!) { plan(id: $id) { viewerCanApproveNow { can reason } } }";
    let mine = ok(app.gql(Some(&bob_key), q, json!({"id": p["id"]})).await);
    assert_eq!(mine["plan"]["viewerCanApproveNow"]["can"], false);
    let carol_key = app.key_for(&carol).await;
    let hers = ok(app.gql(Some(&carol_key), q, json!({"id": p["id"]})).await);
    assert_eq!(hers["plan"]["viewerCanApproveNow"], json!({"can": true, "reason": null}));
    let admin = app.admin(q, json!({"id": p["id"]})).await;
    assert!(admin["plan"]["viewerCanApproveNow"]["reason"].as_str().unwrap().contains("leads"), "{admin}");
    // The audit log filtered by the plan as subject: only its entries.
    let log = app
        .admin("query($o: String!, $s: String) { org(slug: $o) { auditLog(first: 50, subject: $s) { edges { node { kind subject } } } } }", json!({"o": app.org, "s": p["id"]}))
        .await;
    let entries = log["org"]["auditLog"]["edges"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["node"]["subject"] == p["id"]));
}
