//! Policy as code through the API: apply (all or nothing), versions, rollback, the effective
//! policy, explain, diff with impact, and decisions driven by policy.

use praetor_tests::*;
use serde_json::{Value, json};

const VERSIONS: &str = "query($o: String!) { org(slug: $o) { policyVersions { edges { node { scope version hash comment author { name } sources { name } } } } } }";

fn broken_bundle(org: &str) -> Value {
    let mut b = example_policies(org);
    let bad = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{name: bad, org: {org}}}\nspec:\n  rules:\n    - name: typo\n      actions: [\"deploy.*\"]\n      when: 'param.env == \"prod\"'\n      effect: deny\n"
    );
    b.as_array_mut().unwrap().push(json!({"name": "bad.yaml", "text": bad}));
    b
}

#[tokio::test]
async fn apply_is_all_or_nothing_and_versioned() {
    let app = spawn_app().await;
    app.project("web").await;
    app.project("payments").await;
    // A bundle with one broken document is refused whole, every diagnostic named.
    let resp =
        app.gql(Some(&app.admin_key), APPLY, json!({"in": {"org": app.org, "sources": broken_bundle(&app.org)}})).await;
    assert_eq!(code(&resp), "VALIDATION");
    let diags = resp["errors"][0]["extensions"]["diagnostics"].as_array().unwrap();
    assert_eq!(diags[0]["code"], "PV006");
    assert_eq!(diags[0]["severity"], "ERROR", "spelled as the schema's Severity");
    assert_eq!((diags[0]["file"].as_str().unwrap(), diags[0]["line"].as_u64().unwrap()), ("bad.yaml", 8));
    assert_eq!(diags[0]["path"], "spec.rules[0].when");
    let none = app.admin(VERSIONS, json!({"o": app.org})).await;
    assert_eq!(none["org"]["policyVersions"]["edges"], json!([]), "nothing was stored");

    let applied = app
        .admin(APPLY, json!({"in": {"org": app.org, "sources": example_policies(&app.org), "comment": "first"}}))
        .await;
    let scopes: Vec<(&str, Option<&str>)> = applied["applyPolicy"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["scope"].as_str().unwrap(), v["project"].as_str()))
        .collect();
    assert_eq!(scopes, [("ORG", None), ("PROJECT", Some("payments"))]);
    // Applying the same documents again changes nothing.
    let again = app.admin(APPLY, json!({"in": {"org": app.org, "sources": example_policies(&app.org)}})).await;
    assert_eq!(again["applyPolicy"]["versions"], json!([]));

    let versions = app.admin(VERSIONS, json!({"o": app.org})).await;
    let v1 = &versions["org"]["policyVersions"]["edges"][0]["node"];
    assert_eq!((v1["version"].as_i64().unwrap(), v1["comment"].as_str().unwrap()), (1, "first"));
    assert_eq!(v1["author"][0]["name"], app.admin_email.as_str());
    assert_eq!(v1["sources"].as_array().unwrap().len(), 4);

    let log = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(kind: \"policy.\") { edges { node { kind payload } } } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(log["org"]["auditLog"]["edges"].as_array().unwrap().len(), 2, "one audit entry per version");
}

#[tokio::test]
async fn apply_needs_policy_write_and_stays_in_its_tenant() {
    let app = spawn_app().await;
    app.project("web").await;
    app.project("payments").await;
    let (operator, _) = app.user_with_role("operator", None).await;
    let resp =
        app.gql(Some(&operator), APPLY, json!({"in": {"org": app.org, "sources": example_policies(&app.org)}})).await;
    assert_eq!(code(&resp), "FORBIDDEN");
    let (_, other) = other_org(&app).await;
    let resp =
        app.gql(Some(&other), APPLY, json!({"in": {"org": app.org, "sources": example_policies(&app.org)}})).await;
    assert_eq!(code(&resp), "NOT_FOUND");
    // Documents naming another organization are refused.
    let resp = app
        .gql(Some(&app.admin_key), APPLY, json!({"in": {"org": app.org, "sources": example_policies("someone-else")}}))
        .await;
    assert_eq!(code(&resp), "VALIDATION");
    assert_eq!(resp["errors"][0]["extensions"]["diagnostics"][0]["code"], "PV015");
    // A project admin may apply to their project, not to the organization.
    let (pa, _) = app.user_with_role("project_admin", Some("payments")).await;
    let resp = app.gql(Some(&pa), APPLY, json!({"in": {"org": app.org, "sources": example_policies(&app.org)}})).await;
    assert_eq!(code(&resp), "FORBIDDEN");
    let tighten = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{name: tight, org: {}, project: payments}}\nspec:\n  rules:\n    - {{name: no-patches, actions: [\"state.patch\"], effect: deny}}\n",
        app.org
    );
    let ok_resp = app.gql(Some(&pa), APPLY, json!({"in": {"org": app.org, "project": "payments", "sources": [{"name": "tight.yaml", "text": tighten}]}})).await;
    assert_eq!(ok(ok_resp)["applyPolicy"]["versions"][0]["project"], "payments");
}

#[tokio::test]
async fn validate_reports_diagnostics_without_storing() {
    let app = spawn_app().await;
    app.project("web").await;
    app.project("payments").await;
    let q = "mutation($in: ApplyPolicyInput!) { validatePolicy(input: $in) { ok diagnostics { code severity line column path message } } }";
    let r = app.admin(q, json!({"in": {"org": app.org, "sources": broken_bundle(&app.org)}})).await;
    assert_eq!(r["validatePolicy"]["ok"], false);
    assert_eq!(r["validatePolicy"]["diagnostics"][0]["line"], 8);
    let r = app.admin(q, json!({"in": {"org": app.org, "sources": example_policies(&app.org)}})).await;
    assert_eq!(r["validatePolicy"]["ok"], true);
    // The approval groups of the examples do not exist in this org yet: that is an error.
    let applied = app
        .gql(Some(&app.admin_key), APPLY, json!({"in": {"org": app.org, "sources": example_policies(&app.org)}}))
        .await;
    assert!(applied.get("errors").is_none(), "groups are not required by apply: {applied:#}");
}

#[tokio::test]
async fn rollback_restores_an_earlier_version() {
    let app = spawn_app().await;
    app.with_example_policies().await;
    let explain = "query($o: String!) { explainDecision(org: $o, project: \"web\", action: \"deploy.web\", params: {service: \"web\", env: \"staging\"}) { verdict policyVersion decidedBy { rule } } }";
    assert_eq!(app.admin(explain, json!({"o": app.org})).await["explainDecision"]["verdict"], "ALLOWED");
    // v2: staging deploys are denied too.
    let mut bundle = example_policies(&app.org);
    for f in bundle.as_array_mut().unwrap() {
        let t = f["text"].as_str().unwrap().replace("    - name: staging-is-free\n      actions: [\"deploy.*\", \"service.restart\", \"flag.set\"]\n      effect: allow", "    - name: staging-is-free\n      actions: [\"deploy.*\", \"service.restart\", \"flag.set\"]\n      effect: deny");
        f["text"] = json!(t);
    }
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": bundle, "comment": "lock down"}})).await;
    let r = app.admin(explain, json!({"o": app.org})).await;
    assert_eq!(
        (r["explainDecision"]["verdict"].as_str().unwrap(), r["explainDecision"]["policyVersion"].as_str().unwrap()),
        ("DENIED", "org@2")
    );

    let rb = app
        .admin(
            "mutation($o: String!) { rollbackPolicy(input: {org: $o, version: 1}) { version comment } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(rb["rollbackPolicy"]["version"], 3);
    let r = app.admin(explain, json!({"o": app.org})).await;
    assert_eq!(
        (r["explainDecision"]["verdict"].as_str().unwrap(), r["explainDecision"]["policyVersion"].as_str().unwrap()),
        ("ALLOWED", "org@3")
    );
    let (viewer, _) = app.user_with_role("viewer", None).await;
    let denied = app
        .gql(
            Some(&viewer),
            "mutation($o: String!) { rollbackPolicy(input: {org: $o, version: 2}) { version } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(code(&denied), "FORBIDDEN");
    assert_eq!(
        code(
            &app.gql(
                Some(&app.admin_key),
                "mutation($o: String!) { rollbackPolicy(input: {org: $o, version: 99}) { version } }",
                json!({"o": app.org})
            )
            .await
        ),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn the_effective_policy_and_explain_name_their_sources() {
    let app = spawn_app().await;
    app.with_example_policies().await;
    let q = "query($o: String!) { project(org: $o, slug: \"payments\") { effectivePolicy { version rules { policy rule level file line effect } actions { name builtin aliases } templates { name steps } } } }";
    let e = app.admin(q, json!({"o": app.org})).await;
    let eff = &e["project"]["effectivePolicy"];
    let rules = eff["rules"].as_array().unwrap();
    let restart = rules.iter().find(|r| r["rule"] == "restarts-need-a-lead").unwrap();
    assert_eq!(
        (restart["level"].as_str().unwrap(), restart["file"].as_str().unwrap()),
        ("PROJECT", "examples/project-payments.yaml")
    );
    assert!(restart["line"].as_u64().unwrap() > 1);
    assert!(eff["actions"].as_array().unwrap().iter().any(|a| a["name"] == "deploy.web" && a["builtin"] == false));
    assert_eq!(eff["templates"][0]["steps"], json!(["staging: deploy.web", "prod: deploy.web"]));

    let x = "query($o: String!) { explainDecision(org: $o, project: \"payments\", action: \"deploy.web\", params: {service: \"web\", env: \"prod\"}) { verdict checks { name code } rules { rule matched level line } decidedBy { rule file line } approvals { groups count } } }";
    let r = app.admin(x, json!({"o": app.org})).await["explainDecision"].clone();
    assert_eq!(r["verdict"], "NEEDS_APPROVAL");
    assert_eq!(r["decidedBy"]["rule"], "prod-deploys-need-approval");
    assert_eq!(r["decidedBy"]["file"], "examples/org.yaml");
    assert!(r["rules"].as_array().unwrap().iter().any(|t| t["rule"] == "change-freeze" && t["matched"] == false));
    assert_eq!(r["approvals"].as_array().unwrap().len(), 2);
    let (_, other) = other_org(&app).await;
    assert_eq!(code(&app.gql(Some(&other), x, json!({"o": app.org})).await), "NOT_FOUND");
}

#[tokio::test]
async fn policy_drives_a_two_stage_approval_end_to_end() {
    let app = spawn_app().await;
    app.with_example_policies().await;
    let (bob, _) = app.user_with_role("operator", None).await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    let (dana, dana_email) = app.user_with_role("approver", None).await;
    app.group("sre-leads", &[&carol_email]).await;
    app.group("change-board", &[&dana_email]).await;
    app.group("cto-office", &[]).await;

    let plan = propose(
        &app,
        &bob,
        "web",
        json!([{"action": "deploy.web", "params": {"service": "web", "env": "prod", "version": 7}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    assert_eq!(plan["status"], "PENDING_APPROVAL");
    let id = plan["id"].as_str().unwrap().to_string();
    let hash = plan["planHash"].as_str().unwrap().to_string();
    let approve = "mutation($in: ApprovePlanInput!) { approvePlan(input: $in) { status } }";
    // Stage order holds: the change board cannot approve first.
    let early = app.gql(Some(&dana), approve, json!({"in": {"planId": id, "planHash": hash}})).await;
    assert_eq!(code(&early), "FORBIDDEN");
    let after_first =
        ok(app.gql(Some(&carol), approve, json!({"in": {"planId": id, "planHash": hash, "comment": "lgtm"}})).await);
    assert_eq!(after_first["approvePlan"]["status"], "PENDING_APPROVAL");
    ok(app.gql(Some(&dana), approve, json!({"in": {"planId": id, "planHash": hash}})).await);
    wait_for_status(&app, &bob, &id, "SUCCEEDED").await;
    let s = app.admin("query($o: String!) { project(org: $o, slug: \"web\") { state } }", json!({"o": app.org})).await;
    assert_eq!(
        s["project"]["state"]["deployments"]["web-prod"],
        json!({"env": "prod", "service": "web", "version": 7})
    );
    let replay =
        app.admin("query($id: ID!) { replayPlan(id: $id) { identical decisionsChecked } }", json!({"id": id})).await;
    assert_eq!(replay["replayPlan"], json!({"identical": true, "decisionsChecked": 1}));
}

#[tokio::test]
async fn conditions_templates_costs_and_windows() {
    let clock = std::sync::Arc::new(praetor::clock::ManualClock::new(
        chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z").unwrap().to_utc(),
    ));
    let app = spawn_with(SpawnOptions { clock: Some(clock.clone()), ..Default::default() }).await;
    app.with_example_policies().await;
    // Freezing the project makes every later change a POLICY_DENIED naming the rule.
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "state.set", "params": {"key": "freeze", "value": true}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "SUCCEEDED").await;
    let frozen = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "service.restart", "params": {"service": "web"}}]),
        json!({}),
    )
    .await;
    assert_eq!(frozen["preview"]["verdict"], "DENIED");
    let policy_check = frozen["preview"]["steps"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "policy")
        .unwrap()
        .clone();
    assert_eq!(policy_check["code"], "POLICY_DENIED");
    assert!(policy_check["message"].as_str().unwrap().contains("frozen"), "{policy_check}");

    // A template expands into steps; the prod step needs approval; costs come from the action.
    let t = propose(
        &app,
        &app.admin_key,
        "payments",
        json!([]),
        json!({"template": "release", "args": {"service": "api"}}),
    )
    .await;
    assert_eq!(t["preview"]["verdict"], "NEEDS_APPROVAL");
    assert_eq!(
        t["preview"]["steps"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect::<Vec<_>>(),
        ["staging", "prod"]
    );
    assert_eq!(t["preview"]["cost"], 4.0);
    // Payments allows two deploy proposals a minute, and the release above made two.
    clock.advance(chrono::Duration::seconds(61));
    let worker = propose(
        &app,
        &app.admin_key,
        "payments",
        json!([]),
        json!({"template": "release", "args": {"service": "worker"}}),
    )
    .await;
    assert_eq!(
        worker["preview"]["steps"].as_array().unwrap().len(),
        1,
        "the prod step's condition drops it for workers"
    );
    let scaled = propose(
        &app,
        &app.admin_key,
        "payments",
        json!([{"action": "scale.service", "params": {"service": "api", "replicas": 6}}]),
        json!({}),
    )
    .await;
    assert_eq!(scaled["preview"]["cost"], 3.0);
    assert_eq!(scaled["preview"]["verdict"], "ALLOWED");

    // Saturday: scaling is outside its window, and the check says when it reopens.
    clock.set(chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z").unwrap().to_utc());
    let weekend = propose(
        &app,
        &app.admin_key,
        "payments",
        json!([{"action": "scale.service", "params": {"service": "api", "replicas": 2}}]),
        json!({}),
    )
    .await;
    assert_eq!(weekend["preview"]["verdict"], "DENIED");
    let window = weekend["preview"]["steps"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "window")
        .unwrap()
        .clone();
    assert_eq!(window["code"], "OUTSIDE_WINDOW");
    assert!(window["message"].as_str().unwrap().contains("2026-11-30T07:00:00"), "{window}");
}

#[tokio::test]
async fn policy_diff_re_decides_recorded_decisions() {
    let app = spawn_app().await;
    app.with_example_policies().await;
    for _ in 0..3 {
        propose(
            &app,
            &app.admin_key,
            "web",
            json!([{"action": "deploy.web", "params": {"service": "web"}}]),
            json!({}),
        )
        .await;
    }
    let mut bundle = example_policies(&app.org);
    for f in bundle.as_array_mut().unwrap() {
        let t = f["text"].as_str().unwrap().replace("      effect: allow\n  limits", "      effect: deny\n  limits");
        f["text"] = json!(t);
    }
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": bundle}})).await;
    let d = app.admin("query($o: String!) { policyDiff(org: $o, project: \"web\", from: 1) { fromVersion toVersion changes { kind rule before after } impact { decisionsChecked newlyDenied newlyAllowed unchanged } } }", json!({"o": app.org})).await;
    let diff = &d["policyDiff"];
    assert_eq!((diff["fromVersion"].as_str().unwrap(), diff["toVersion"].as_str().unwrap()), ("org@1", "org@2"));
    assert_eq!(
        diff["changes"],
        json!([{"kind": "changed", "rule": "staging-is-free", "before": "allow", "after": "deny"}])
    );
    assert_eq!(diff["impact"]["decisionsChecked"], 3);
    assert_eq!(diff["impact"]["newlyDenied"], 3);
}

#[tokio::test]
async fn one_person_approves_one_stage_of_a_plan_unless_policy_allows_more() {
    let app = spawn_app().await;
    app.project("web").await;
    let policy = format!(
        r#"apiVersion: praetor.dev/v1
kind: Policy
metadata: {{ name: two-stages, org: {org} }}
spec:
  rules:
    - name: counters-need-two-stages
      actions: ["state.increment"]
      effect: require_approval
      approvals:
        - {{ group: sre-leads, count: 1 }}
        - {{ group: change-board, count: 1 }}
    - name: flags-need-two-stages-from-anyone
      actions: ["state.set"]
      effect: require_approval
      approvals:
        - {{ group: sre-leads, count: 1 }}
        - {{ group: change-board, count: 1, allowEarlierApprovers: true }}
"#,
        org = app.org
    );
    app.admin(
        APPLY,
        json!({"in": {"org": app.org, "sources": [{"name": "two.yaml", "text": policy}], "comment": "t"}}),
    )
    .await;
    let (bob, _) = app.user_with_role("operator", None).await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    let (dana, dana_email) = app.user_with_role("approver", None).await;
    app.group("sre-leads", &[&carol_email]).await;
    app.group("change-board", &[&carol_email, &dana_email]).await;

    let plan =
        propose(&app, &bob, "web", json!([{"action": "state.increment", "params": {"key": "n"}}]), json!({})).await;
    let (id, hash) = (plan["id"].as_str().unwrap().to_string(), plan["planHash"].as_str().unwrap().to_string());
    let approve = "mutation($in: ApprovePlanInput!) { approvePlan(input: $in) { status } }";
    let can = "query($id: ID!) { plan(id: $id) { viewerCanApproveNow { can reason } approvalStages { allowEarlierApprovers approvals { approver } } } }";
    let inbox = "query($o: String!) { approvalRequests(org: $o) { id } }";
    ok(app.gql(Some(&carol), approve, json!({"in": {"planId": id, "planHash": hash}})).await);
    // Carol is in both groups, but her approval counts for stage 1 only.
    let again = app.gql(Some(&carol), approve, json!({"in": {"planId": id, "planHash": hash}})).await;
    assert_eq!(code(&again), "FORBIDDEN", "{again:#}");
    assert!(again["errors"][0]["message"].as_str().unwrap().contains("needs someone else"), "{again:#}");
    let ability = ok(app.gql(Some(&carol), can, json!({"id": id})).await);
    assert_eq!(ability["plan"]["viewerCanApproveNow"]["can"], false);
    assert!(ability["plan"]["viewerCanApproveNow"]["reason"].as_str().unwrap().contains("stage 1"));
    assert_eq!(ability["plan"]["approvalStages"][1]["allowEarlierApprovers"], false);
    let carols = ok(app.gql(Some(&carol), inbox, json!({"o": app.org})).await);
    assert!(carols["approvalRequests"].as_array().unwrap().iter().all(|p| p["id"] != id.as_str()));
    let danas = ok(app.gql(Some(&dana), inbox, json!({"o": app.org})).await);
    assert!(danas["approvalRequests"].as_array().unwrap().iter().any(|p| p["id"] == id.as_str()));
    let done = ok(app.gql(Some(&dana), approve, json!({"in": {"planId": id, "planHash": hash}})).await);
    assert_eq!(done["approvePlan"]["status"], "APPROVED");

    // Where policy says so explicitly, the same person may carry both stages.
    let plan =
        propose(&app, &bob, "web", json!([{"action": "state.set", "params": {"key": "f", "value": 1}}]), json!({}))
            .await;
    let (id, hash) = (plan["id"].as_str().unwrap().to_string(), plan["planHash"].as_str().unwrap().to_string());
    ok(app.gql(Some(&carol), approve, json!({"in": {"planId": id, "planHash": hash}})).await);
    let ability = ok(app.gql(Some(&carol), can, json!({"id": id})).await);
    assert_eq!(ability["plan"]["viewerCanApproveNow"]["can"], true, "{ability:#}");
    assert_eq!(ability["plan"]["approvalStages"][1]["allowEarlierApprovers"], true);
    let done = ok(app.gql(Some(&carol), approve, json!({"in": {"planId": id, "planHash": hash}})).await);
    assert_eq!(done["approvePlan"]["status"], "APPROVED");
}

#[tokio::test]
async fn a_plan_nobody_can_approve_says_so_at_preview_and_proposal() {
    let app = spawn_app().await;
    app.project("web").await;
    let policy = format!(
        r#"apiVersion: praetor.dev/v1
kind: Policy
metadata: {{ name: leads, org: {org} }}
spec:
  rules:
    - name: counters-need-a-lead
      actions: ["state.increment"]
      effect: require_approval
      approvals:
        - {{ group: sre-leads, count: 1 }}
    - name: no-deletes
      actions: ["state.delete"]
      effect: deny
      reason: nothing is deleted here
"#,
        org = app.org
    );
    app.admin(
        APPLY,
        json!({"in": {"org": app.org, "sources": [{"name": "leads.yaml", "text": policy}], "comment": "t"}}),
    )
    .await;
    let (carol, carol_email) = app.user_with_role("operator", None).await;
    let leads = app.group("sre-leads", &[&carol_email]).await;
    let steps = json!([{"action": "state.increment", "params": {"key": "n"}}]);
    let simulate = "mutation($in: SimulatePlanInput!) { simulatePlan(input: $in) { preview { verdict reasonCodes checks { name verdict code message } } } }";
    let input = json!({"in": {"org": app.org, "project": "web", "steps": steps}});

    // Carol is the only lead: nobody can approve her plan. The preview says so, and so does
    // the proposal, instead of leaving it to wait silently until the request expires.
    let preview = ok(app.gql(Some(&carol), simulate, input.clone()).await)["simulatePlan"]["preview"].clone();
    assert_eq!(preview["verdict"], "NEEDS_APPROVAL", "{preview:#}");
    let check = preview["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "APPROVAL_UNSATISFIABLE")
        .cloned()
        .unwrap_or_else(|| panic!("{preview:#}"));
    let message = check["message"].as_str().unwrap();
    assert!(
        message.contains("stage `sre-leads` needs 1 approval from sre-leads, but nobody can give one"),
        "{message}"
    );
    let plan = propose(&app, &carol, "web", steps.clone(), json!({})).await;
    assert_eq!(plan["status"], "PENDING_APPROVAL", "{plan:#}");
    assert!(plan["preview"]["reasonCodes"].as_array().unwrap().iter().any(|c| c == "APPROVAL_UNSATISFIABLE"));

    // Someone else proposes: carol can approve, and nothing is said.
    let (bob, _) = app.user_with_role("operator", None).await;
    let plan = propose(&app, &bob, "web", steps.clone(), json!({})).await;
    assert_eq!(plan["status"], "PENDING_APPROVAL", "{plan:#}");
    assert_eq!(plan["preview"]["reasonCodes"], json!(["APPROVAL_REQUIRED"]), "{plan:#}");
    // A second lead makes carol's own plan approvable.
    let (_, dana_email) = app.user_with_role("approver", None).await;
    app.admin(
        "mutation($g: ID!, $e: String!) { addGroupMember(input: {groupId: $g, email: $e}) { id } }",
        json!({"g": leads, "e": dana_email}),
    )
    .await;
    let preview = ok(app.gql(Some(&carol), simulate, input).await)["simulatePlan"]["preview"].clone();
    assert_eq!(preview["reasonCodes"], json!(["APPROVAL_REQUIRED"]), "{preview:#}");

    // A plan refused by one step asks nobody to approve another: it is stored refused.
    let both = json!([{"action": "state.increment", "params": {"key": "n"}}, {"action": "state.delete", "params": {"key": "n"}}]);
    let plan = propose(&app, &bob, "web", both, json!({})).await;
    assert_eq!((&plan["status"], &plan["verdict"]), (&json!("REJECTED"), &json!("DENIED")), "{plan:#}");
}

/// An organization's bundle with a budget of `daily` and, for project `web`, a rule whose name
/// is `rule` (in a second file).
fn org_and_web(org: &str, daily: u32, rule: &str) -> Value {
    let base = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: base, org: \"{org}\" }}\nspec:\n  budget: {{ daily: {daily}, unit: USD }}\n"
    );
    let web = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: web-rules, org: \"{org}\", project: web }}\nspec:\n  rules:\n    - {{ name: {rule}, actions: [\"state.set\"], effect: allow }}\n"
    );
    json!([{"name": "base.yaml", "text": base}, {"name": "web.yaml", "text": web}])
}

#[tokio::test]
async fn an_organization_change_leaves_unchanged_projects_at_their_version() {
    let app = spawn_app().await;
    app.project("web").await;
    let apply = |sources: Value| {
        let app = &app;
        async move {
            let d = app.admin(APPLY, json!({"in": {"org": app.org, "sources": sources, "comment": "t"}})).await;
            let mut got: Vec<(String, i64)> = d["applyPolicy"]["versions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| (v["project"].as_str().unwrap_or("org").to_string(), v["version"].as_i64().unwrap()))
                .collect();
            got.sort();
            got
        }
    };
    let v = |s: &str, n: i64| (s.to_string(), n);
    assert_eq!(apply(org_and_web(&app.org, 100, "open")).await, [v("org", 1), v("web", 1)]);
    // Only the organization's budget changed: web keeps version 1.
    assert_eq!(apply(org_and_web(&app.org, 200, "open")).await, [v("org", 2)]);
    // Web's rule changed: web gets version 2.
    assert_eq!(apply(org_and_web(&app.org, 200, "renamed")).await, [v("org", 3), v("web", 2)]);
    // And the project's policy in force is its own, with the organization's newest budget.
    let eff = app
        .admin(
            "query($o: String!) { project(org: $o, slug: \"web\") { effectivePolicy { rules { rule } } } }",
            json!({"o": app.org}),
        )
        .await;
    let rules: Vec<&str> = eff["project"]["effectivePolicy"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"renamed") && !rules.contains(&"open"), "{rules:?}");
}
