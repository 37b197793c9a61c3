//! No existence oracle across tenants: for every entry point that takes an object id, an id
//! that exists in another organization answers byte for byte what an id that exists nowhere
//! answers.

use praetor_store::{
    AgentId, ApiKeyId, AuditEventId, ChatSessionId, GroupId, PlanId, ProjectId, RoleBindingId, RoleGrantId,
    ServiceAccountId,
};
use praetor_tests::ws::Subscription;
use praetor_tests::*;
use serde_json::{Value, json};

/// Objects of every kind in `app`'s organization, with an id of the same kind that exists nowhere.
struct Ids {
    pairs: Vec<(&'static str, String, String)>,
}

impl Ids {
    fn get(&self, kind: &str) -> (String, String) {
        let (_, real, fake) = self.pairs.iter().find(|(k, _, _)| *k == kind).expect("kind");
        (real.clone(), fake.clone())
    }
}

async fn objects_of_every_kind(app: &TestApp) -> Ids {
    let project_id = app.project("web").await;
    let group_id = app.group("ops", &[]).await;
    let org = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 1) { edges { node { id } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let audit_id = org["org"]["auditLog"]["edges"][0]["node"]["id"].as_str().unwrap().to_string();
    let binding = app
        .admin(
            "mutation($in: BindRoleInput!) { bindRole(input: $in) { id } }",
            json!({"in": {"org": app.org, "role": "viewer", "subject": {"userEmail": "viewer@oracle.test"}}}),
        )
        .await;
    let sa = app
        .admin(
            "mutation($o: String!) { createServiceAccount(input: {org: $o, name: \"ci\"}) { id } }",
            json!({"o": app.org}),
        )
        .await;
    let key = app
        .admin(
            "mutation($o: String!) { createApiKey(input: {org: $o, name: \"k\"}) { apiKey { id } } }",
            json!({"o": app.org}),
        )
        .await;
    let plan = propose(
        app,
        &app.admin_key,
        "web",
        json!([{"action": "state.set", "params": {"key": "a", "value": 1}}]),
        json!({}),
    )
    .await;
    let chat = app
        .admin(
            "mutation($o: String!) { createChatSession(input: {org: $o, project: \"web\"}) { id } }",
            json!({"o": app.org}),
        )
        .await;
    let agent = app
        .admin(
            "mutation($o: String!) { createAgent(input: {org: $o, name: \"helper\", role: [\"state.*\"]}) { id } }",
            json!({"o": app.org}),
        )
        .await;
    let until = (now() + chrono::Duration::hours(1)).to_rfc3339();
    let grant = app
        .admin(
            "mutation($in: GrantTemporaryRoleInput!) { grantTemporaryRole(input: $in) { id } }",
            json!({"in": {"org": app.org, "role": "operator", "subject": {"userEmail": "grantee@oracle.test"}, "until": until, "reason": "test"}}),
        )
        .await;
    let s = |v: &Value| v.as_str().unwrap().to_string();
    Ids {
        pairs: vec![
            ("project", project_id, ProjectId::generate().to_string()),
            ("group", group_id, GroupId::generate().to_string()),
            ("audit", audit_id, AuditEventId::generate().to_string()),
            ("binding", s(&binding["bindRole"]["id"]), RoleBindingId::generate().to_string()),
            ("sa", s(&sa["createServiceAccount"]["id"]), ServiceAccountId::generate().to_string()),
            ("key", s(&key["createApiKey"]["apiKey"]["id"]), ApiKeyId::generate().to_string()),
            ("plan", s(&plan["id"]), PlanId::generate().to_string()),
            ("chat", s(&chat["createChatSession"]["id"]), ChatSessionId::generate().to_string()),
            ("agent", s(&agent["createAgent"]["id"]), AgentId::generate().to_string()),
            ("grant", s(&grant["grantTemporaryRole"]["id"]), RoleGrantId::generate().to_string()),
        ],
    }
}

/// Entry points that take an id: (kind of id, query, variables with `$ID` standing for the id).
fn entry_points() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("project", "query($id: ID!) { node(id: $id) { id } }", json!({"id": "$ID"})),
        ("group", "query($id: ID!) { node(id: $id) { id } }", json!({"id": "$ID"})),
        ("audit", "query($id: ID!) { node(id: $id) { id } }", json!({"id": "$ID"})),
        ("binding", "query($id: ID!) { node(id: $id) { id } }", json!({"id": "$ID"})),
        ("sa", "query($id: ID!) { node(id: $id) { id } }", json!({"id": "$ID"})),
        ("key", "query($id: ID!) { node(id: $id) { id } }", json!({"id": "$ID"})),
        ("plan", "query($id: ID!) { node(id: $id) { id } }", json!({"id": "$ID"})),
        ("chat", "query($id: ID!) { node(id: $id) { id } }", json!({"id": "$ID"})),
        ("agent", "query($id: ID!) { node(id: $id) { id } }", json!({"id": "$ID"})),
        ("grant", "query($id: ID!) { node(id: $id) { id } }", json!({"id": "$ID"})),
        ("plan", "query($id: ID!) { plan(id: $id) { id } }", json!({"id": "$ID"})),
        ("plan", "query($id: ID!) { replayPlan(id: $id) { identical } }", json!({"id": "$ID"})),
        ("chat", "query($id: ID!) { chatSession(id: $id) { id } }", json!({"id": "$ID"})),
        (
            "plan",
            "mutation($id: ID!) { approvePlan(input: {planId: $id, planHash: \"x\"}) { id } }",
            json!({"id": "$ID"}),
        ),
        ("plan", "mutation($id: ID!) { rejectPlan(input: {planId: $id}) { id } }", json!({"id": "$ID"})),
        ("plan", "mutation($id: ID!) { executePlan(planId: $id) { id } }", json!({"id": "$ID"})),
        ("plan", "mutation($id: ID!) { cancelPlan(input: {planId: $id}) { id } }", json!({"id": "$ID"})),
        (
            "group",
            "mutation($id: ID!) { addGroupMember(input: {groupId: $id, email: \"x@oracle.test\"}) { id } }",
            json!({"id": "$ID"}),
        ),
        (
            "group",
            "mutation($id: ID!) { removeGroupMember(input: {groupId: $id, email: \"x@oracle.test\"}) { id } }",
            json!({"id": "$ID"}),
        ),
        ("binding", "mutation($id: ID!) { unbindRole(id: $id) { id } }", json!({"id": "$ID"})),
        ("key", "mutation($id: ID!) { revokeApiKey(id: $id) { id } }", json!({"id": "$ID"})),
        ("grant", "mutation($id: ID!) { approveRoleGrant(id: $id) { id } }", json!({"id": "$ID"})),
        ("grant", "mutation($id: ID!) { rejectRoleGrant(id: $id) { id } }", json!({"id": "$ID"})),
        ("grant", "mutation($id: ID!) { revokeRoleGrant(id: $id) { id } }", json!({"id": "$ID"})),
        ("chat", "mutation($id: ID!) { sendChatMessage(sessionId: $id, text: \"hi\") { seq } }", json!({"id": "$ID"})),
        ("chat", "mutation($id: ID!) { clearChatMemory(sessionId: $id) { id } }", json!({"id": "$ID"})),
        (
            "chat",
            "mutation($id: ID!) { chooseProposal(sessionId: $id, proposalId: \"1\") { id } }",
            json!({"id": "$ID"}),
        ),
        (
            "agent",
            "mutation($id: ID!) { updateAgent(input: {agentId: $id, enabled: false}) { id } }",
            json!({"id": "$ID"}),
        ),
        (
            "sa",
            "mutation($o: String!, $id: ID!) { createApiKey(input: {org: $o, name: \"x\", serviceAccountId: $id}) { secret } }",
            json!({"id": "$ID", "o": "$ORG"}),
        ),
        (
            "group",
            "mutation($o: String!, $id: ID!) { bindRole(input: {org: $o, role: \"viewer\", subject: {groupId: $id}}) { id } }",
            json!({"id": "$ID", "o": "$ORG"}),
        ),
    ]
}

fn fill(vars: &Value, id: &str, org: &str) -> Value {
    let mut v = vars.clone();
    for (_, val) in v.as_object_mut().unwrap().iter_mut() {
        if val == "$ID" {
            *val = json!(id);
        } else if val == "$ORG" {
            *val = json!(org);
        }
    }
    v
}

#[tokio::test]
async fn another_tenants_ids_answer_exactly_like_ids_that_do_not_exist() {
    let app = spawn_app().await;
    let ids = objects_of_every_kind(&app).await;
    let (other_org_slug, other) = other_org(&app).await;
    for (kind, query, vars) in entry_points() {
        let (real, fake) = ids.get(kind);
        let elsewhere = app.gql(Some(&other), query, fill(&vars, &real, &other_org_slug)).await;
        let nowhere = app.gql(Some(&other), query, fill(&vars, &fake, &other_org_slug)).await;
        assert_eq!(code(&elsewhere), "NOT_FOUND", "{query} with {kind} {real}: {elsewhere:#}");
        assert_eq!(elsewhere, nowhere, "{query}: another org's {kind} must look like a missing one");
        // The owner gets past the lookup: the id is real.
        let mine = app.gql(Some(&app.admin_key), query, fill(&vars, &real, &app.org)).await;
        assert_ne!(mine, elsewhere, "{query}: the owner's answer differs");
    }

    // Subscriptions answer the same way over the websocket.
    for (kind, query) in [
        ("plan", "subscription($id: ID!) { planEvents(planId: $id) { status } }"),
        ("chat", "subscription($id: ID!) { chatEvents(sessionId: $id) { seq } }"),
    ] {
        let (real, fake) = ids.get(kind);
        let mut a = Subscription::start(app.addr, &other, query, json!({"id": real})).await;
        let mut b = Subscription::start(app.addr, &other, query, json!({"id": fake})).await;
        let (ea, eb) = (a.next().await.expect("an error"), b.next().await.expect("an error"));
        assert_eq!(ea["errors"][0]["extensions"]["code"], "NOT_FOUND", "{ea:#}");
        assert_eq!(ea, eb, "{query}: another org's {kind} must look like a missing one");
    }
}
