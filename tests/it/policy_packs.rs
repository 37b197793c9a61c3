//! Policy packs: versioned documents published for many organizations, a layer above each
//! subscriber's own policy that it can only tighten; pinned or following the latest; a new
//! version's impact shown before it takes effect, and audited in every organization concerned;
//! an organization sees only the packs it may use.

use praetor_tests::*;
use serde_json::{Value, json};

const PUBLISH: &str = "mutation($in: PublishPolicyPackInput!) { publishPolicyPack(input: $in) { version effectiveAt hash pack { id name publisher } } }";
const SUBSCRIBE: &str = "mutation($in: SubscribePolicyPackInput!) { subscribePolicyPack(input: $in) { followsLatest pinnedVersion versionInForce pack { name } } }";
const UNSUBSCRIBE: &str = "mutation($o: String!, $p: ID!) { unsubscribePolicyPack(org: $o, pack: $p) }";
const SET_PARENT: &str = "mutation($o: String!, $p: String) { setOrgParent(org: $o, parent: $p) }";
const PACKS: &str = "query($o: String!) { org(slug: $o) { policyPacks { id name publisher latestVersion subscription { followsLatest pinnedVersion versionInForce pending { version effectiveAt changes { kind rule } impact(project: \"web\") { decisionsChecked newlyDenied newlyAllowed unchanged } } } } } }";
const PACK: &str = "query($o: String!, $id: ID!) { org(slug: $o) { policyPack(id: $id) { name } } }";
const EXPLAIN: &str = "query($o: String!, $k: String!) { explainDecision(org: $o, project: \"web\", action: \"state.set\", params: {key: $k, value: 1}) { verdict policyVersion decidedBy { rule level } } }";
const AUDIT: &str = "query($o: String!, $k: String!) { org(slug: $o) { auditLog(first: 20, kind: $k) { edges { node { kind payload } } } } }";

/// A pack that denies setting the state keys `keys`.
fn pack_denying(keys: &[&str]) -> Value {
    let list = keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
    let text = format!(
        r#"
apiVersion: praetor.dev/v1
kind: Policy
metadata: {{ name: guarded-keys }}
spec:
  rules:
    - name: guarded
      actions: ["state.set"]
      when: 'params.key in [{list}]'
      effect: deny
"#
    );
    json!([{"name": "guarded.yaml", "text": text}])
}

fn org_policy(org: &str, rule: &str) -> Value {
    let text = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: own, org: \"{org}\" }}\nspec:\n  rules:\n    - {rule}\n"
    );
    json!([{"name": "own.yaml", "text": text}])
}

async fn explain(app: &TestApp, key: &str, org: &str, state_key: &str) -> Value {
    ok(app.gql(Some(key), EXPLAIN, json!({"o": org, "k": state_key})).await)["explainDecision"].clone()
}

async fn kinds(app: &TestApp, key: &str, org: &str, prefix: &str) -> Vec<Value> {
    let log = ok(app.gql(Some(key), AUDIT, json!({"o": org, "k": prefix})).await);
    log["org"]["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

async fn project_in(app: &TestApp, key: &str, org: &str, slug: &str) {
    ok(app
        .gql(
            Some(key),
            "mutation($o: String!, $s: String!) { createProject(input: {org: $o, slug: $s, name: $s}) { id } }",
            json!({"o": org, "s": slug}),
        )
        .await);
}

#[tokio::test]
async fn a_pack_sits_above_the_organization_which_can_only_tighten_it() {
    let app = spawn_app().await;
    app.project("web").await;
    let instance = app.session_cookie(&app.admin_email).await;
    let name = unique("baseline");
    let published = ok(app
        .gql_cookie(
            &instance,
            PUBLISH,
            json!({"in": {"name": name, "title": "Baseline", "sources": pack_denying(&["prod"]), "notes": "first"}}),
        )
        .await)["publishPolicyPack"]
        .clone();
    assert_eq!((published["version"].as_i64(), published["pack"]["publisher"].as_str()), (Some(1), Some("INSTANCE")));
    let id = published["pack"]["id"].as_str().unwrap().to_string();
    // An organization's key is no instance administrator, whatever its role.
    let as_org =
        app.gql(Some(&app.admin_key), PUBLISH, json!({"in": {"name": name, "sources": pack_denying(&["x"])}})).await;
    assert_eq!(code(&as_org), "FORBIDDEN", "{as_org}");

    // Before subscribing, the pack is offered but not in force.
    assert_eq!(explain(&app, &app.admin_key, &app.org, "prod").await["verdict"], "ALLOWED");
    let (viewer, _) = app.user_with_role("viewer", None).await;
    let refused = app.gql(Some(&viewer), SUBSCRIBE, json!({"in": {"org": app.org, "pack": id}})).await;
    assert_eq!(code(&refused), "FORBIDDEN", "subscribing needs policy.write: {refused}");
    let sub = (app.admin(SUBSCRIBE, json!({"in": {"org": app.org, "pack": id}})).await)["subscribePolicyPack"].clone();
    assert_eq!((sub["followsLatest"].as_bool(), sub["versionInForce"].as_i64()), (Some(true), Some(1)));

    let denied = explain(&app, &app.admin_key, &app.org, "prod").await;
    assert_eq!(denied["verdict"], "DENIED", "{denied}");
    assert_eq!(denied["decidedBy"]["rule"], "guarded");
    assert_eq!(denied["decidedBy"]["level"], "FEDERATION");
    assert_eq!(denied["policyVersion"], format!("pack:{name}@1"));
    assert_eq!(explain(&app, &app.admin_key, &app.org, "staging").await["verdict"], "ALLOWED");

    // The organization's own allow does not loosen the pack; its own deny tightens it.
    let loosen = org_policy(&app.org, "{ name: anything-goes, actions: [\"state.set\"], effect: allow }");
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": loosen, "comment": "try"}})).await;
    let still = explain(&app, &app.admin_key, &app.org, "prod").await;
    assert_eq!(
        (still["verdict"].as_str(), still["policyVersion"].as_str()),
        (Some("DENIED"), Some(format!("pack:{name}@1+org@1").as_str()))
    );
    let tighten = org_policy(
        &app.org,
        "{ name: no-staging, actions: [\"state.set\"], when: 'params.key == \"staging\"', effect: deny }",
    );
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": tighten, "comment": "tighter"}})).await;
    assert_eq!(explain(&app, &app.admin_key, &app.org, "staging").await["verdict"], "DENIED");
    assert_eq!(explain(&app, &app.admin_key, &app.org, "prod").await["verdict"], "DENIED");

    // A plan proposed under the pack records its version; replay decides it the same way.
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "state.set", "params": {"key": "dev", "value": 1}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "SUCCEEDED").await;
    let (replayed, out) = run_praetor(&["replay", "project", "web", "--org", &app.org], &app.database_url, &[]).await;
    assert!(replayed, "{out}");

    // Unsubscribing takes the pack's rules away again; both are audited.
    app.admin(UNSUBSCRIBE, json!({"o": app.org, "p": id})).await;
    let loose = org_policy(&app.org, "{ name: anything-goes, actions: [\"state.set\"], effect: allow }");
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": loose, "comment": "back"}})).await;
    assert_eq!(explain(&app, &app.admin_key, &app.org, "prod").await["verdict"], "ALLOWED");
    let audited: Vec<String> = kinds(&app, &app.admin_key, &app.org, "policy_pack.")
        .await
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(audited, ["policy_pack.unsubscribed", "policy_pack.subscribed"], "newest first");

    // A pack's documents name no organization.
    let named = pack_denying(&["x"])[0]["text"]
        .as_str()
        .unwrap()
        .replace("name: guarded-keys", &format!("name: g, org: {}", app.org));
    let bad = app
        .gql_cookie(
            &instance,
            PUBLISH,
            json!({"in": {"name": unique("named"), "sources": [{"name": "n.yaml", "text": named}]}}),
        )
        .await;
    assert_eq!(code(&bad), "VALIDATION", "{bad}");
    assert!(bad["errors"][0]["message"].as_str().unwrap().contains("metadata.org"), "{bad}");
}

#[tokio::test]
async fn a_new_version_shows_its_impact_before_it_takes_effect_and_pinned_organizations_stay() {
    // The test moves the clock and runs the job that moves followers on for the whole
    // instance: it gets a database of its own.
    let clock = std::sync::Arc::new(praetor::clock::ManualClock::new(now()));
    let app = spawn_with(SpawnOptions {
        clock: Some(clock.clone()),
        database_url: own_database().await,
        ..Default::default()
    })
    .await;
    app.project("web").await;
    let (pinned_org, pinned_key) = other_org(&app).await;
    project_in(&app, &pinned_key, &pinned_org, "web").await;
    let instance = app.session_cookie(&app.admin_email).await;
    let name = unique("baseline");
    let v1 =
        ok(app.gql_cookie(&instance, PUBLISH, json!({"in": {"name": name, "sources": pack_denying(&["prod"])}})).await);
    let id = v1["publishPolicyPack"]["pack"]["id"].as_str().unwrap().to_string();
    app.admin(SUBSCRIBE, json!({"in": {"org": app.org, "pack": id}})).await;
    let pin = app.gql(Some(&pinned_key), SUBSCRIBE, json!({"in": {"org": pinned_org, "pack": id, "version": 1}})).await;
    assert_eq!(ok(pin)["subscribePolicyPack"]["pinnedVersion"], 1);

    // Decisions recorded under version 1: setting `staging` is allowed.
    for i in 0..3 {
        let p = propose(
            &app,
            &app.admin_key,
            "web",
            json!([{"action": "state.set", "params": {"key": "staging", "value": i}}]),
            json!({}),
        )
        .await;
        assert_eq!(p["verdict"], "ALLOWED", "{p}");
    }

    // Those who may change the organization's policy are told; a viewer is not.
    let (second_admin, _) = app.user_with_role("org_admin", None).await;
    let (viewer, _) = app.user_with_role("viewer", None).await;

    // Version 2 also guards `staging`. It cannot take effect before the notice (a day).
    let early = (clock_now(&clock) + chrono::Duration::hours(1)).to_rfc3339();
    let v2_in = |at: Option<String>| json!({"in": {"name": name, "sources": pack_denying(&["prod", "staging"]), "notes": "staging too", "effectiveAt": at}});
    let refused = app.gql_cookie(&instance, PUBLISH, v2_in(Some(early))).await;
    assert_eq!(
        (code(&refused).as_str(), refused["errors"][0]["extensions"]["field"].as_str()),
        ("VALIDATION", Some("effectiveAt")),
        "{refused}"
    );
    let v2 = ok(app.gql_cookie(&instance, PUBLISH, v2_in(None)).await)["publishPolicyPack"].clone();
    assert_eq!(v2["version"], 2);
    let same = app.gql_cookie(&instance, PUBLISH, v2_in(None)).await;
    assert_eq!(code(&same), "VALIDATION", "the same documents again are no new version: {same}");

    // Until then the follower sees what it changes and how its decisions would go, and is
    // still held to version 1.
    let packs = app.admin(PACKS, json!({"o": app.org})).await;
    let pack = packs["org"]["policyPacks"].as_array().unwrap().iter().find(|p| p["id"] == id.as_str()).unwrap().clone();
    let sub = &pack["subscription"];
    assert_eq!((sub["versionInForce"].as_i64(), pack["latestVersion"].as_i64()), (Some(1), Some(2)));
    let pending = &sub["pending"];
    assert_eq!(pending["version"], 2);
    assert_eq!(pending["changes"].as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending["impact"]["decisionsChecked"], 3, "{pending}");
    assert_eq!(pending["impact"]["newlyDenied"], 3, "{pending}");
    assert_eq!(explain(&app, &app.admin_key, &app.org, "staging").await["verdict"], "ALLOWED");
    // The pinned organization has nothing pending.
    let theirs = ok(app.gql(Some(&pinned_key), PACKS, json!({"o": pinned_org})).await);
    let their_pack =
        theirs["org"]["policyPacks"].as_array().unwrap().iter().find(|p| p["id"] == id.as_str()).unwrap().clone();
    assert_eq!(their_pack["subscription"]["pending"], Value::Null);
    // Both subscribers were told in their audit chains.
    for (key, org, follows) in [(&app.admin_key, &app.org, true), (&pinned_key, &pinned_org, false)] {
        let told = kinds(&app, key, org, "policy_pack.published").await;
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(
            (told[0]["payload"]["version"].as_i64(), told[0]["payload"]["follows_latest"].as_bool()),
            (Some(2), Some(follows))
        );
    }

    let told = wait_for_notes(&app, &second_admin, 1).await;
    assert_eq!(told[0]["kind"], "POLICY_PACK_PUBLISHED");
    assert_eq!(told[0]["category"], "POLICY_PACKS");
    assert_eq!(told[0]["title"], format!("Policy pack {name} version 2 published"));
    assert!(told[0]["body"].as_str().unwrap().contains("takes effect here at"), "{told:?}");
    assert_eq!(told[0]["link"], format!("/orgs/{}/admin#policy-packs", app.org));

    // Nothing moves before the version takes effect.
    clock.advance(chrono::Duration::hours(23));
    assert_eq!(praetor::services::policy_packs::advance(&app.app).await.unwrap(), 0);
    clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        praetor::services::policy_packs::advance(&app.app).await.unwrap(),
        1,
        "the follower moves, the pinned one stays"
    );
    assert_eq!(praetor::services::policy_packs::advance(&app.app).await.unwrap(), 0, "once");
    let moved = kinds(&app, &app.admin_key, &app.org, "policy_pack.version_in_force").await;
    assert_eq!(
        (moved[0]["payload"]["version"].as_i64(), moved[0]["payload"]["previous_version"].as_i64()),
        (Some(2), Some(1))
    );
    let now_denied = explain(&app, &app.admin_key, &app.org, "staging").await;
    assert_eq!(
        (now_denied["verdict"].as_str(), now_denied["policyVersion"].as_str()),
        (Some("DENIED"), Some(format!("pack:{name}@2").as_str()))
    );
    assert_eq!(explain(&app, &pinned_key, &pinned_org, "staging").await["verdict"], "ALLOWED");
    assert!(kinds(&app, &pinned_key, &pinned_org, "policy_pack.version_in_force").await.is_empty());
    let told = wait_for_notes(&app, &second_admin, 2).await;
    assert_eq!(told[0]["kind"], "POLICY_PACK_IN_FORCE", "{told:?}");
    let none = ok(app.gql(Some(&viewer), NOTIFICATIONS, json!({})).await);
    assert_eq!(none["viewer"]["notifications"]["nodes"], json!([]), "a viewer changes no policy");

    // The pinned organization adopts version 2 when it chooses to.
    let repin =
        app.gql(Some(&pinned_key), SUBSCRIBE, json!({"in": {"org": pinned_org, "pack": id, "version": 2}})).await;
    assert_eq!(ok(repin)["subscribePolicyPack"]["versionInForce"], 2);
    assert_eq!(explain(&app, &pinned_key, &pinned_org, "staging").await["verdict"], "DENIED");

    // Decisions made under either version replay as they were made.
    let (replayed, out) = run_praetor(&["replay", "project", "web", "--org", &app.org], &app.database_url, &[]).await;
    assert!(replayed, "{out}");
    let (verified, out) = run_praetor(&["audit", "verify", "--org", &app.org], &app.database_url, &[]).await;
    assert!(verified, "{out}");
}

fn clock_now(clock: &praetor::clock::ManualClock) -> chrono::DateTime<chrono::Utc> {
    praetor::clock::Clock::now(clock)
}

#[tokio::test]
async fn an_organization_sees_only_the_packs_it_may_use_and_never_the_other_subscribers() {
    let app = spawn_app().await;
    let (parent, parent_key) = other_org(&app).await;
    let (child, child_key) = other_org(&app).await;
    let (stranger, stranger_key) = other_org(&app).await;
    project_in(&app, &child_key, &child, "web").await;
    let instance = app.session_cookie(&app.admin_email).await;

    // Only instance administrators make parents.
    assert_eq!(code(&app.gql(Some(&parent_key), SET_PARENT, json!({"o": child, "p": parent})).await), "FORBIDDEN");
    ok(app.gql_cookie(&instance, SET_PARENT, json!({"o": child, "p": parent})).await);
    let deeper = app.gql_cookie(&instance, SET_PARENT, json!({"o": parent, "p": stranger})).await;
    assert_eq!(code(&deeper), "VALIDATION", "one level: {deeper}");

    // The parent publishes for itself and its children: the name carries its slug.
    let published = ok(app
        .gql(
            Some(&parent_key),
            PUBLISH,
            json!({"in": {"org": parent, "name": "house-rules", "sources": pack_denying(&["prod"])}}),
        )
        .await)["publishPolicyPack"]
        .clone();
    assert_eq!(published["pack"]["name"], format!("{parent}/house-rules"));
    assert_eq!(published["pack"]["publisher"], parent.as_str());
    let id = published["pack"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        kinds(&app, &parent_key, &parent, "policy_pack.").await.len(),
        2,
        "created and published, in the parent"
    );

    // The child sees it and subscribes; a stranger learns nothing, not even that it exists.
    let names = |v: &Value| -> Vec<String> {
        v["org"]["policyPacks"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()
    };
    let seen = ok(app.gql(Some(&child_key), PACKS, json!({"o": child})).await);
    assert!(names(&seen).contains(&format!("{parent}/house-rules")), "{seen}");
    ok(app.gql(Some(&child_key), SUBSCRIBE, json!({"in": {"org": child, "pack": id}})).await);
    assert_eq!(explain(&app, &child_key, &child, "prod").await["verdict"], "DENIED");
    let unseen = ok(app.gql(Some(&stranger_key), PACKS, json!({"o": stranger})).await);
    assert!(!names(&unseen).iter().any(|n| n.contains("house-rules")), "{unseen}");
    let missing = "ppk_0190c1a2b3c47d5e8f9a0b1c2d3e4f50";
    for pack in [id.as_str(), missing] {
        let sub = app.gql(Some(&stranger_key), SUBSCRIBE, json!({"in": {"org": stranger, "pack": pack}})).await;
        assert_eq!(code(&sub), "NOT_FOUND", "{sub}");
        let one = app.gql(Some(&stranger_key), PACK, json!({"o": stranger, "id": pack})).await;
        assert_eq!(code(&one), "NOT_FOUND", "{one}");
    }
    let msg = |pack: &str| {
        let pack = pack.to_string();
        let app = &app;
        let stranger = stranger.clone();
        let key = stranger_key.clone();
        async move {
            let r = app.gql(Some(&key), SUBSCRIBE, json!({"in": {"org": stranger, "pack": pack}})).await;
            r["errors"][0]["message"].as_str().unwrap().replace(&pack, "ID")
        }
    };
    assert_eq!(msg(&id).await, msg(missing).await, "the same answer whether it exists or not");

    // Nothing the parent can read names its subscribers: it cannot enter the child at all.
    let into_child = app.gql(Some(&parent_key), PACKS, json!({"o": child})).await;
    assert_eq!(code(&into_child), "NOT_FOUND", "{into_child}");
    let parents_view = ok(app.gql(Some(&parent_key), PACKS, json!({"o": parent})).await);
    let own =
        parents_view["org"]["policyPacks"].as_array().unwrap().iter().find(|p| p["id"] == id.as_str()).unwrap().clone();
    assert_eq!(own["subscription"], Value::Null, "the parent itself does not subscribe");

    // A new version is told to the subscribing child, in its own chain.
    ok(app
        .gql(
            Some(&parent_key),
            PUBLISH,
            json!({"in": {"org": parent, "name": "house-rules", "sources": pack_denying(&["prod", "qa"])}}),
        )
        .await);
    assert_eq!(kinds(&app, &child_key, &child, "policy_pack.published").await.len(), 1);
    assert!(kinds(&app, &stranger_key, &stranger, "policy_pack.").await.is_empty());

    // Another organization cannot publish a version of the parent's pack.
    let theirs = app
        .gql(
            Some(&stranger_key),
            PUBLISH,
            json!({"in": {"org": stranger, "name": "house-rules", "sources": pack_denying(&["x"])}}),
        )
        .await;
    assert_eq!(
        ok(theirs)["publishPolicyPack"]["pack"]["name"],
        format!("{stranger}/house-rules"),
        "its own, by its own prefix"
    );
}

#[tokio::test]
async fn the_operator_publishes_packs_from_the_command_line() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let name = unique("ops");
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: { name: b }\nspec:\n  rules:\n    - { name: r, actions: [\"state.set\"], effect: sometimes }\n").unwrap();
    let (done, out) =
        run_praetor(&["policy", "pack", "publish", &name, broken.to_str().unwrap()], &app.database_url, &[]).await;
    assert!(!done, "{out}");
    assert!(out.contains("broken.yaml:6"), "file:line of the fault: {out}");

    let good = dir.path().join("pack");
    std::fs::create_dir(&good).unwrap();
    std::fs::write(good.join("guard.yaml"), pack_denying(&["prod"])[0]["text"].as_str().unwrap()).unwrap();
    let (done, out) = run_praetor(
        &[
            "policy",
            "pack",
            "publish",
            &name,
            good.to_str().unwrap(),
            "--notes",
            "from ops",
            "--effective-at",
            "2020-01-01T00:00:00Z",
        ],
        &app.database_url,
        &[],
    )
    .await;
    assert!(!done && out.contains("effectiveAt"), "not before the notice: {out}");
    let (done, out) = run_praetor(
        &["policy", "pack", "publish", &name, good.to_str().unwrap(), "--notes", "from ops"],
        &app.database_url,
        &[],
    )
    .await;
    assert!(done, "{out}");
    assert!(out.contains(&format!("published {name} version 1")), "{out}");
    let (done, out) = run_praetor(&["policy", "pack", "list"], &app.database_url, &[]).await;
    assert!(done && out.lines().any(|l| l.starts_with(&name) && l.contains("instance")), "{out}");
    let (done, out) = run_praetor(&["policy", "pack", "versions", &name], &app.database_url, &[]).await;
    assert!(done && out.contains("from ops"), "{out}");

    // Every organization may use it.
    let seen = app.admin(PACKS, json!({"o": app.org})).await;
    assert!(seen["org"]["policyPacks"].as_array().unwrap().iter().any(|p| p["name"] == name.as_str()), "{seen}");
}

/// `praetor args` as a client with the configuration `cfg`: exit code, stdout, stderr.
async fn terminal(cfg: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let (status, out, err) = run_client(cfg, args, "").await;
    (status.code().unwrap_or(-1), out, err)
}

#[tokio::test]
async fn an_organization_manages_its_subscriptions_from_the_terminal() {
    let app = spawn_app().await;
    app.project("web").await;
    let instance = app.session_cookie(&app.admin_email).await;
    let name = unique("term");
    let v1 =
        ok(app.gql_cookie(&instance, PUBLISH, json!({"in": {"name": name, "sources": pack_denying(&["prod"])}})).await);
    let id = v1["publishPolicyPack"]["pack"]["id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("client.yaml");
    let (viewer, _) = app.user_with_role("viewer", None).await;
    for (context, key) in [("viewer", &viewer), ("admin", &app.admin_key)] {
        let server = app.url("");
        let args = [
            "login",
            "--server",
            server.trim_end_matches('/'),
            "--org",
            &app.org,
            "--api-key-stdin",
            "--context",
            context,
        ];
        let (status, out, err) = run_client(&cfg, &args, &format!("{key}\n")).await;
        assert!(status.success(), "{out}{err}");
    }

    let (code, out, err) = terminal(&cfg, &["pack", "list", "-o", "json"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    let mine = listed.as_array().unwrap().iter().find(|p| p["name"] == name.as_str()).unwrap().clone();
    assert_eq!((mine["id"].as_str(), mine["subscribed"].as_bool()), (Some(id.as_str()), Some(false)));

    // A viewer may look but not subscribe: the server's code, exit 1.
    let (code, _, err) = terminal(&cfg, &["pack", "subscribe", &id, "--context", "viewer"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("FORBIDDEN"), "{err}");
    let (code, out, err) = terminal(&cfg, &["pack", "subscribe", &id, "-o", "table"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("{name}: following the latest version, version 1 in force"));

    // A decision recorded under version 1, then version 2 published: pending, with its impact.
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "state.set", "params": {"key": "staging", "value": 1}}]),
        json!({}),
    )
    .await;
    assert_eq!(p["verdict"], "ALLOWED");
    ok(app
        .gql_cookie(&instance, PUBLISH, json!({"in": {"name": name, "sources": pack_denying(&["prod", "staging"])}}))
        .await);
    let (code, out, _) = terminal(&cfg, &["pack", "list", "-o", "table"]).await;
    assert_eq!(code, 0);
    let row = out.lines().find(|l| l.contains(&name)).unwrap_or_default().to_string();
    assert!(row.contains("following, 1 in force") && row.contains("2 at "), "{out}");
    let (code, out, err) =
        terminal(&cfg, &["pack", "impact", &id, "--version", "2", "--project", "web", "-o", "json"]).await;
    assert_eq!(code, 0, "{err}");
    let impact: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (impact["impact"]["decisionsChecked"].as_i64(), impact["impact"]["newlyDenied"].as_i64()),
        (Some(1), Some(1)),
        "{impact}"
    );
    let (code, out, _) =
        terminal(&cfg, &["pack", "impact", &id, "--version", "2", "--project", "web", "-o", "table"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("Of the last 1 recorded decisions in web: 1 would be denied"), "{out}");
    assert_eq!(
        terminal(&cfg, &["pack", "impact", &id, "--version", "2", "--project", "web", "--sample", "0"]).await.0,
        2
    );

    // Pinned, then unsubscribed.
    let (code, out, _) = terminal(&cfg, &["pack", "subscribe", &id, "--version", "1", "-o", "table"]).await;
    assert_eq!((code, out.trim()), (0, format!("{name}: pinned to version 1").as_str()));
    let (code, out, _) = terminal(&cfg, &["pack", "unsubscribe", &id, "-o", "table"]).await;
    assert_eq!((code, out.trim()), (0, format!("unsubscribed from {id}").as_str()));
    let (code, _, err) = terminal(&cfg, &["pack", "unsubscribe", &id]).await;
    assert_eq!(code, 1);
    assert!(err.contains("NOT_FOUND"), "{err}");
}
