//! Every mutation: it works for the right role, answers FORBIDDEN to the wrong role, NOT_FOUND
//! across tenants, and VALIDATION naming the field for bad input.

use praetor_tests::*;
use serde_json::{Value, json};

const CREATE_PROJECT: &str =
    "mutation($in: CreateProjectInput!) { createProject(input: $in) { id slug name org { slug } } }";
const CREATE_GROUP: &str = "mutation($in: CreateGroupInput!) { createGroup(input: $in) { id name } }";
const ADD_MEMBER: &str = "mutation($in: GroupMemberInput!) { addGroupMember(input: $in) { id members { email } } }";
const REMOVE_MEMBER: &str =
    "mutation($in: GroupMemberInput!) { removeGroupMember(input: $in) { id members { email } } }";
const BIND: &str =
    "mutation($in: BindRoleInput!) { bindRole(input: $in) { id role scope project { slug } subjectKind } }";
const UNBIND: &str = "mutation($id: ID!) { unbindRole(id: $id) { id } }";
const CREATE_SA: &str = "mutation($in: CreateServiceAccountInput!) { createServiceAccount(input: $in) { id name } }";
const CREATE_KEY: &str =
    "mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id ownerKind } } }";
const REVOKE_KEY: &str = "mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }";
const CREATE_ORG: &str = "mutation($in: CreateOrgInput!) { createOrg(input: $in) { id slug name } }";

fn field(resp: &Value) -> String {
    resp["errors"][0]["extensions"]["field"].as_str().unwrap_or_else(|| panic!("no field in {resp:#}")).to_string()
}

#[tokio::test]
async fn create_org() {
    let app = spawn_app().await;
    let admin_session = app.session_cookie(&app.admin_email).await;
    let slug = unique("neworg");
    let data = ok(app.gql_cookie(&admin_session, CREATE_ORG, json!({"in": {"slug": slug, "name": "New"}})).await);
    assert_eq!(data["createOrg"]["slug"], slug.as_str());
    assert!(data["createOrg"]["id"].as_str().unwrap().starts_with("org_"));
    // The creator administers it.
    let data = ok(app
        .gql_cookie(
            &admin_session,
            "query($s: String!) { org(slug: $s) { viewerCan(operation: \"project.create\") } }",
            json!({"s": slug}),
        )
        .await);
    assert_eq!(data["org"]["viewerCan"], true);

    let dup = app.gql_cookie(&admin_session, CREATE_ORG, json!({"in": {"slug": slug, "name": "Again"}})).await;
    assert_eq!(code(&dup), "CONFLICT");

    let bad = app.gql_cookie(&admin_session, CREATE_ORG, json!({"in": {"slug": "Bad Slug", "name": "x"}})).await;
    assert_eq!(code(&bad), "VALIDATION");
    assert_eq!(field(&bad), "slug");

    // Not an instance administrator.
    let (_, email) = app.user_with_role("org_admin", None).await;
    let other = app.session_cookie(&email).await;
    let denied = app.gql_cookie(&other, CREATE_ORG, json!({"in": {"slug": unique("x"), "name": "x"}})).await;
    assert_eq!(code(&denied), "FORBIDDEN");
    // An API key is bound to its organization and carries no instance-wide power.
    let denied = app.gql(Some(&app.admin_key), CREATE_ORG, json!({"in": {"slug": unique("x"), "name": "x"}})).await;
    assert_eq!(code(&denied), "FORBIDDEN");
}

#[tokio::test]
async fn create_project() {
    let app = spawn_app().await;
    let data = app
        .admin(CREATE_PROJECT, json!({"in": {"org": app.org, "slug": "web", "name": "Web", "description": "front"}}))
        .await;
    assert_eq!(data["createProject"]["slug"], "web");
    assert_eq!(data["createProject"]["org"]["slug"], app.org.as_str());
    assert!(data["createProject"]["id"].as_str().unwrap().starts_with("prj_"));

    let dup = app
        .gql(Some(&app.admin_key), CREATE_PROJECT, json!({"in": {"org": app.org, "slug": "web", "name": "Again"}}))
        .await;
    assert_eq!(code(&dup), "CONFLICT");

    let (operator, _) = app.user_with_role("operator", None).await;
    let denied =
        app.gql(Some(&operator), CREATE_PROJECT, json!({"in": {"org": app.org, "slug": "ops", "name": "Ops"}})).await;
    assert_eq!(code(&denied), "FORBIDDEN");

    let (other_slug, other_key) = other_org(&app).await;
    let cross = app
        .gql(Some(&other_key), CREATE_PROJECT, json!({"in": {"org": app.org, "slug": "evil", "name": "Evil"}}))
        .await;
    assert_eq!(code(&cross), "NOT_FOUND");
    // ...and the other org's admin can of course create in their own org.
    ok(app
        .gql(Some(&other_key), CREATE_PROJECT, json!({"in": {"org": other_slug, "slug": "web", "name": "Web"}}))
        .await);

    let bad =
        app.gql(Some(&app.admin_key), CREATE_PROJECT, json!({"in": {"org": app.org, "slug": "-x", "name": "X"}})).await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "slug".into()));
    let bad = app
        .gql(Some(&app.admin_key), CREATE_PROJECT, json!({"in": {"org": app.org, "slug": "okay", "name": "  "}}))
        .await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "name".into()));
}

#[tokio::test]
async fn groups_and_members() {
    let app = spawn_app().await;
    let g = app.admin(CREATE_GROUP, json!({"in": {"org": app.org, "name": "sre-leads"}})).await;
    let gid = g["createGroup"]["id"].as_str().unwrap().to_string();
    assert!(gid.starts_with("grp_"));

    let added = app.admin(ADD_MEMBER, json!({"in": {"groupId": gid, "email": "Dana@Example.COM"}})).await;
    assert_eq!(added["addGroupMember"]["members"][0]["email"], "dana@example.com");
    let again =
        app.gql(Some(&app.admin_key), ADD_MEMBER, json!({"in": {"groupId": gid, "email": "dana@example.com"}})).await;
    assert_eq!(code(&again), "CONFLICT");

    let (viewer, _) = app.user_with_role("viewer", None).await;
    assert_eq!(
        code(&app.gql(Some(&viewer), CREATE_GROUP, json!({"in": {"org": app.org, "name": "mine"}})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&app.gql(Some(&viewer), ADD_MEMBER, json!({"in": {"groupId": gid, "email": "e@x.io"}})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(
            &app.gql(Some(&viewer), REMOVE_MEMBER, json!({"in": {"groupId": gid, "email": "dana@example.com"}})).await
        ),
        "FORBIDDEN"
    );

    let (_, other_key) = other_org(&app).await;
    assert_eq!(
        code(&app.gql(Some(&other_key), CREATE_GROUP, json!({"in": {"org": app.org, "name": "evil"}})).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&app.gql(Some(&other_key), ADD_MEMBER, json!({"in": {"groupId": gid, "email": "e@x.io"}})).await),
        "NOT_FOUND"
    );

    let bad = app.gql(Some(&app.admin_key), CREATE_GROUP, json!({"in": {"org": app.org, "name": "Has Spaces"}})).await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "name".into()));
    let bad = app.gql(Some(&app.admin_key), ADD_MEMBER, json!({"in": {"groupId": gid, "email": "not-an-email"}})).await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "email".into()));
    let bad = app.gql(Some(&app.admin_key), ADD_MEMBER, json!({"in": {"groupId": "prj_0", "email": "e@x.io"}})).await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "groupId".into()));

    let removed = app.admin(REMOVE_MEMBER, json!({"in": {"groupId": gid, "email": "dana@example.com"}})).await;
    assert_eq!(removed["removeGroupMember"]["members"].as_array().unwrap().len(), 0);
    let gone = app
        .gql(Some(&app.admin_key), REMOVE_MEMBER, json!({"in": {"groupId": gid, "email": "dana@example.com"}}))
        .await;
    assert_eq!(code(&gone), "NOT_FOUND");
}

#[tokio::test]
async fn group_roles_reach_members_and_end_with_membership() {
    let app = spawn_app().await;
    app.admin(CREATE_PROJECT, json!({"in": {"org": app.org, "slug": "web", "name": "Web"}})).await;
    let g = app.admin(CREATE_GROUP, json!({"in": {"org": app.org, "name": "approvers"}})).await;
    let gid = g["createGroup"]["id"].as_str().unwrap().to_string();
    app.admin(BIND, json!({"in": {"org": app.org, "role": "approver", "subject": {"groupId": gid}, "project": "web"}}))
        .await;
    let email = format!("{}@it.test", unique("erin"));
    app.admin(ADD_MEMBER, json!({"in": {"groupId": gid, "email": email}})).await;
    let key = app.key_for(&email).await;

    let can = "query($o: String!) { org(slug: $o) { a: viewerCan(operation: \"plan.approve\", project: \"web\") b: viewerCan(operation: \"plan.propose\", project: \"web\") } }";
    let data = ok(app.gql(Some(&key), can, json!({"o": app.org})).await);
    assert_eq!((data["org"]["a"].clone(), data["org"]["b"].clone()), (json!(true), json!(false)));

    app.admin(REMOVE_MEMBER, json!({"in": {"groupId": gid, "email": email}})).await;
    // No binding left: the user is no longer a member of the organization at all.
    assert_eq!(code(&app.gql(Some(&key), can, json!({"o": app.org})).await), "NOT_FOUND");
}

#[tokio::test]
async fn bind_and_unbind_roles() {
    let app = spawn_app().await;
    app.admin(CREATE_PROJECT, json!({"in": {"org": app.org, "slug": "web", "name": "Web"}})).await;
    app.admin(CREATE_PROJECT, json!({"in": {"org": app.org, "slug": "pay", "name": "Pay"}})).await;
    let b = app.admin(BIND, json!({"in": {"org": app.org, "role": "project_admin", "subject": {"userEmail": "pa@it.test"}, "project": "web"}})).await;
    assert_eq!(
        (b["bindRole"]["scope"].as_str(), b["bindRole"]["project"]["slug"].as_str()),
        (Some("PROJECT"), Some("web"))
    );
    let pa = app.key_for("pa@it.test").await;

    // A project admin grants roles in their project, not elsewhere and not org-wide.
    ok(app.gql(Some(&pa), BIND, json!({"in": {"org": app.org, "role": "operator", "subject": {"userEmail": "op@it.test"}, "project": "web"}})).await);
    assert_eq!(code(&app.gql(Some(&pa), BIND, json!({"in": {"org": app.org, "role": "operator", "subject": {"userEmail": "op@it.test"}, "project": "pay"}})).await), "NOT_FOUND");
    assert_eq!(
        code(
            &app.gql(
                Some(&pa),
                BIND,
                json!({"in": {"org": app.org, "role": "viewer", "subject": {"userEmail": "op@it.test"}}})
            )
            .await
        ),
        "FORBIDDEN"
    );

    let dup = app.gql(Some(&pa), BIND, json!({"in": {"org": app.org, "role": "operator", "subject": {"userEmail": "op@it.test"}, "project": "web"}})).await;
    assert_eq!(code(&dup), "CONFLICT");

    let (_, other_key) = other_org(&app).await;
    assert_eq!(
        code(
            &app.gql(
                Some(&other_key),
                BIND,
                json!({"in": {"org": app.org, "role": "viewer", "subject": {"userEmail": "x@it.test"}}})
            )
            .await
        ),
        "NOT_FOUND"
    );

    let bad = app
        .gql(
            Some(&app.admin_key),
            BIND,
            json!({"in": {"org": app.org, "role": "superuser", "subject": {"userEmail": "x@it.test"}}}),
        )
        .await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "role".into()));
    let bad =
        app.gql(Some(&app.admin_key), BIND, json!({"in": {"org": app.org, "role": "viewer", "subject": {}}})).await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "subject".into()));
    let bad = app.gql(Some(&app.admin_key), BIND, json!({"in": {"org": app.org, "role": "org_admin", "subject": {"userEmail": "x@it.test"}, "project": "web"}})).await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "project".into()));

    // Unbinding: the project admin can remove what they granted; others cannot.
    let op_binding = app.admin("query($o: String!) { org(slug: $o) { roleBindings(first: 100) { edges { node { id role subjectKind } } } } }", json!({"o": app.org})).await;
    let op_id = op_binding["org"]["roleBindings"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["role"] == "operator")
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (viewer, _) = app.user_with_role("viewer", None).await;
    assert_eq!(code(&app.gql(Some(&viewer), UNBIND, json!({"id": op_id})).await), "NOT_FOUND");
    assert_eq!(code(&app.gql(Some(&other_key), UNBIND, json!({"id": op_id})).await), "NOT_FOUND");
    assert_eq!(code(&app.gql(Some(&pa), UNBIND, json!({"id": "rb_nope"})).await), "VALIDATION");
    ok(app.gql(Some(&pa), UNBIND, json!({"id": op_id})).await);
    assert_eq!(code(&app.gql(Some(&pa), UNBIND, json!({"id": op_id})).await), "NOT_FOUND");
}

#[tokio::test]
async fn the_last_org_admin_cannot_be_removed() {
    let app = spawn_app().await;
    let data = app
        .admin(
            "query($o: String!) { org(slug: $o) { roleBindings { edges { node { id role } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let id = data["org"]["roleBindings"]["edges"][0]["node"]["id"].as_str().unwrap().to_string();
    assert_eq!(code(&app.gql(Some(&app.admin_key), UNBIND, json!({"id": id})).await), "CONFLICT");
}

#[tokio::test]
async fn service_accounts_and_their_keys() {
    let app = spawn_app().await;
    let sa = app.admin(CREATE_SA, json!({"in": {"org": app.org, "name": "ci-bot"}})).await;
    let sa_id = sa["createServiceAccount"]["id"].as_str().unwrap().to_string();
    assert!(sa_id.starts_with("sa_"));
    let key = app.admin(CREATE_KEY, json!({"in": {"org": app.org, "name": "ci", "serviceAccountId": sa_id}})).await;
    assert_eq!(key["createApiKey"]["apiKey"]["ownerKind"], "SERVICE_ACCOUNT");
    let secret = key["createApiKey"]["secret"].as_str().unwrap().to_string();

    // A service account with no role is not a member of anything it can read...
    let me = ok(app.gql(Some(&secret), "{ viewer { kind name orgs { slug } } }", json!({})).await);
    assert_eq!(me["viewer"]["kind"], "SERVICE_ACCOUNT");
    // ...until it is bound a role.
    app.admin(BIND, json!({"in": {"org": app.org, "role": "viewer", "subject": {"serviceAccountId": sa_id}}})).await;
    let me = ok(app.gql(Some(&secret), "{ viewer { orgs { slug } } }", json!({})).await);
    assert_eq!(me["viewer"]["orgs"][0]["slug"], app.org.as_str());

    let (operator, _) = app.user_with_role("operator", None).await;
    assert_eq!(
        code(&app.gql(Some(&operator), CREATE_SA, json!({"in": {"org": app.org, "name": "mine"}})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(
            &app.gql(
                Some(&operator),
                CREATE_KEY,
                json!({"in": {"org": app.org, "name": "x", "serviceAccountId": sa_id}})
            )
            .await
        ),
        "FORBIDDEN"
    );

    let (other_slug, other_key) = other_org(&app).await;
    assert_eq!(
        code(&app.gql(Some(&other_key), CREATE_SA, json!({"in": {"org": app.org, "name": "evil"}})).await),
        "NOT_FOUND"
    );
    // Another org's service account id is unknown here.
    assert_eq!(
        code(
            &app.gql(
                Some(&other_key),
                CREATE_KEY,
                json!({"in": {"org": other_slug, "name": "x", "serviceAccountId": sa_id}})
            )
            .await
        ),
        "NOT_FOUND"
    );

    let bad = app.gql(Some(&app.admin_key), CREATE_SA, json!({"in": {"org": app.org, "name": "CI Bot"}})).await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "name".into()));
    let bad = app
        .gql(
            Some(&app.admin_key),
            CREATE_KEY,
            json!({"in": {"org": app.org, "name": "old", "expiresAt": "2020-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "expiresAt".into()));
}

#[tokio::test]
async fn personal_keys_and_revocation_rights() {
    let app = spawn_app().await;
    let (operator, _) = app.user_with_role("operator", None).await;
    // Any member may mint a personal key...
    let own = ok(app.gql(Some(&operator), CREATE_KEY, json!({"in": {"org": app.org, "name": "laptop"}})).await);
    let own_id = own["createApiKey"]["apiKey"]["id"].as_str().unwrap().to_string();
    assert_eq!(own["createApiKey"]["apiKey"]["ownerKind"], "USER");
    // ...sees only their own keys...
    let listed = ok(app
        .gql(
            Some(&operator),
            "query($o: String!) { org(slug: $o) { apiKeys { edges { node { id } } } } }",
            json!({"o": app.org}),
        )
        .await);
    let ids: Vec<_> = listed["org"]["apiKeys"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&own_id) && ids.len() == 2, "own test key and laptop: {ids:?}");
    // ...and may revoke their own, but not someone else's, which they cannot even see.
    let admin_keys = app
        .admin("query($o: String!) { org(slug: $o) { apiKeys { edges { node { id name } } } } }", json!({"o": app.org}))
        .await;
    let bootstrap_id = admin_keys["org"]["apiKeys"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "bootstrap")
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(code(&app.gql(Some(&operator), REVOKE_KEY, json!({"id": bootstrap_id})).await), "NOT_FOUND");
    let (_, other_key) = other_org(&app).await;
    assert_eq!(code(&app.gql(Some(&other_key), REVOKE_KEY, json!({"id": own_id})).await), "NOT_FOUND");
    let bad = app.gql(Some(&operator), REVOKE_KEY, json!({"id": "key_123"})).await;
    assert_eq!((code(&bad), field(&bad)), ("VALIDATION".into(), "id".into()));

    let r = ok(app.gql(Some(&operator), REVOKE_KEY, json!({"id": own_id})).await);
    assert!(r["revokeApiKey"]["revokedAt"].is_string());
    // The administrator may revoke anyone's key in the org.
    let op_keys = app
        .admin(
            "query($o: String!) { org(slug: $o) { apiKeys(first: 100) { edges { node { id name revokedAt } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let test_key = op_keys["org"]["apiKeys"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "test")
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(app.gql(Some(&app.admin_key), REVOKE_KEY, json!({"id": test_key})).await);
    assert_eq!(code(&app.gql(Some(&operator), "{ viewer { name } }", json!({})).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn failed_mutations_leave_nothing_behind() {
    let app = spawn_app().await;
    let before =
        app.admin("query($o: String!) { org(slug: $o) { auditChain { entries } } }", json!({"o": app.org})).await;
    // Unknown role, after the subject was resolved: neither the user nor an audit entry remains.
    let _ = app
        .gql(
            Some(&app.admin_key),
            BIND,
            json!({"in": {"org": app.org, "role": "nope", "subject": {"userEmail": "ghost@it.test"}}}),
        )
        .await;
    let dup_org = app.gql(Some(&app.admin_key), CREATE_GROUP, json!({"in": {"org": app.org, "name": "g1"}})).await;
    ok(dup_org);
    let _ = app.gql(Some(&app.admin_key), CREATE_GROUP, json!({"in": {"org": app.org, "name": "g1"}})).await;
    let after =
        app.admin("query($o: String!) { org(slug: $o) { auditChain { entries ok } } }", json!({"o": app.org})).await;
    assert_eq!(
        after["org"]["auditChain"]["entries"].as_u64().unwrap(),
        before["org"]["auditChain"]["entries"].as_u64().unwrap() + 1,
        "only the successful createGroup was recorded"
    );
    assert_eq!(after["org"]["auditChain"]["ok"], true);
    assert!(praetor::services::users::find_by_email(&app.app.db, "ghost@it.test").await.unwrap().is_none());
}
