//! Authentication: API keys, sessions, CSRF defences.

use praetor_tests::*;
use serde_json::{Value, json};

const VIEWER: &str = "{ viewer { name kind } }";

#[tokio::test]
async fn anonymous_and_unknown_keys_are_unauthenticated() {
    let app = spawn_app().await;
    let resp = app.gql(None, VIEWER, json!({})).await;
    assert_eq!(code(&resp), "UNAUTHENTICATED");

    let fake = format!("prk_{}", "0".repeat(64));
    let r =
        app.client.post(app.url("/graphql")).bearer_auth(&fake).json(&json!({"query": VIEWER})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(code(&r.json().await.unwrap()), "UNAUTHENTICATED");

    let r = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", "Basic YTpi")
        .json(&json!({"query": VIEWER}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let me = ok(app.gql(Some(&app.admin_key), VIEWER, json!({})).await);
    assert_eq!(me["viewer"]["name"], app.admin_email.as_str());
    assert_eq!(me["viewer"]["kind"], "USER");
}

#[tokio::test]
async fn a_revoked_key_stops_working_at_once() {
    let app = spawn_app().await;
    let created = app
        .admin(
            "mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id prefix revokedAt } } }",
            json!({"in": {"org": app.org, "name": "ci"}}),
        )
        .await;
    let secret = created["createApiKey"]["secret"].as_str().unwrap().to_string();
    let id = created["createApiKey"]["apiKey"]["id"].as_str().unwrap().to_string();
    assert!(secret.starts_with(created["createApiKey"]["apiKey"]["prefix"].as_str().unwrap()));
    ok(app.gql(Some(&secret), VIEWER, json!({})).await);

    let revoked = app.admin("mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }", json!({"id": id})).await;
    assert!(revoked["revokeApiKey"]["revokedAt"].is_string());
    assert_eq!(code(&app.gql(Some(&secret), VIEWER, json!({})).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn an_expired_key_is_refused() {
    let app = spawn_app().await;
    let expires = app.app.clock.now() + chrono::Duration::milliseconds(1500);
    let created = app
        .admin(
            "mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret } }",
            json!({"in": {"org": app.org, "name": "short", "expiresAt": expires}}),
        )
        .await;
    let secret = created["createApiKey"]["secret"].as_str().unwrap().to_string();
    ok(app.gql(Some(&secret), VIEWER, json!({})).await);
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    assert_eq!(code(&app.gql(Some(&secret), VIEWER, json!({})).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn last_used_time_is_recorded() {
    let app = spawn_app().await;
    let q = "query($org: String!) { org(slug: $org) { apiKeys { edges { node { name lastUsedAt } } } } }";
    let data = app.admin(q, json!({"org": app.org})).await;
    let key = &data["org"]["apiKeys"]["edges"][0]["node"];
    assert_eq!(key["name"], "bootstrap");
    assert!(key["lastUsedAt"].is_string(), "{data:#}");
}

#[tokio::test]
async fn posts_that_a_cross_site_form_could_send_are_refused() {
    let app = spawn_app().await;
    let mutation =
        format!(r#"mutation {{ createProject(input: {{org: "{}", slug: "csrf", name: "x"}}) {{ id }} }}"#, app.org);
    for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let r = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&app.admin_key)
            .header("content-type", ct)
            .body(json!({"query": mutation}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415, "{ct}");
    }
    // A mutation over GET never runs.
    let r = app
        .client
        .get(app.url("/graphql"))
        .bearer_auth(&app.admin_key)
        .query(&[("query", mutation.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let projects = app
        .admin("query($o: String!) { org(slug: $o) { project(slug: \"csrf\") { id } } }", json!({"o": app.org}))
        .await;
    assert!(projects["org"]["project"].is_null(), "nothing was created: {projects:#}");

    // A query over GET does run.
    let r: Value = app
        .client
        .get(app.url("/graphql"))
        .bearer_auth(&app.admin_key)
        .query(&[("query", "{ viewer { kind } }")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok(r)["viewer"]["kind"], "USER");
}

#[tokio::test]
async fn sessions_work_from_this_origin_only() {
    let app = spawn_app().await;
    let cookie = app.session_cookie(&app.admin_email).await;
    let data = ok(app.gql_cookie(&cookie, VIEWER, json!({})).await);
    assert_eq!(data["viewer"]["name"], app.admin_email.as_str());

    let same = app
        .client
        .post(app.url("/graphql"))
        .header("cookie", &cookie)
        .header("origin", format!("http://{}", app.addr))
        .json(&json!({"query": VIEWER}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    ok(same);

    let cross = app
        .client
        .post(app.url("/graphql"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .json(&json!({"query": VIEWER}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(code(&cross), "UNAUTHENTICATED");
}

#[tokio::test]
async fn dev_login_exists_only_in_demo_mode() {
    let app = spawn_app().await;
    let r = app.client.post(app.url("/auth/dev-login")).json(&json!({"email": app.admin_email})).send().await.unwrap();
    assert_eq!(r.status(), 404);

    let demo = spawn_with(SpawnOptions { demo: true, ..Default::default() }).await;
    let cfg: Value = demo.client.get(demo.url("/auth/config")).send().await.unwrap().json().await.unwrap();
    assert_eq!(cfg["devLogin"], true);
    assert_eq!(cfg["demoUsers"].as_array().unwrap().len(), 3);

    let r =
        demo.client.post(demo.url("/auth/dev-login")).json(&json!({"email": "nobody@demo.test"})).send().await.unwrap();
    assert_eq!(r.status(), 401);

    let r =
        demo.client.post(demo.url("/auth/dev-login")).json(&json!({"email": "bob@demo.test"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let data = ok(demo.gql_cookie(&cookie, "{ viewer { name orgs { slug } } }", json!({})).await);
    assert_eq!(data["viewer"]["name"], "bob@demo.test");
    assert_eq!(data["viewer"]["orgs"][0]["slug"], "demo");

    // A cross-site form (any content type but JSON) or a page of another origin cannot sign
    // anyone out.
    let logout = || demo.client.post(demo.url("/auth/logout")).header("cookie", &cookie);
    let form = logout().header("content-type", "text/plain").body("x").send().await.unwrap();
    assert_eq!(form.status(), 415);
    let cross = logout()
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    ok(demo.gql_cookie(&cookie, VIEWER, json!({})).await);

    let r = logout().header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(code(&demo.gql_cookie(&cookie, VIEWER, json!({})).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn production_tells_https_clients_to_stay_on_https() {
    let prod = spawn_with(SpawnOptions { production: true, ..Default::default() }).await;
    let hsts =
        |r: &reqwest::Response| r.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_string());
    let via_proxy = prod.client.get(prod.url("/healthz")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert_eq!(hsts(&via_proxy).as_deref(), Some("max-age=31536000; includeSubDomains"));
    let forwarded =
        prod.client.get(prod.url("/healthz")).header("forwarded", "for=1.2.3.4;proto=https").send().await.unwrap();
    assert!(hsts(&forwarded).is_some());
    let plain = prod.client.get(prod.url("/healthz")).send().await.unwrap();
    assert_eq!(hsts(&plain), None);
    let dev = spawn_app().await;
    let r = dev.client.get(dev.url("/healthz")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert_eq!(hsts(&r), None, "only production pins HTTPS");
}

#[tokio::test]
async fn graphql_over_http_media_type_and_statuses() {
    let app = spawn_app().await;
    let post = |body: Value, accept: &str| {
        app.client.post(app.url("/graphql")).bearer_auth(&app.admin_key).header("accept", accept).json(&body).send()
    };
    let media = "application/graphql-response+json";
    // Executed: 200 in the new media type.
    let r = post(json!({"query": VIEWER}), media).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], media);
    // Never executed (does not parse, does not validate): 400, still GraphQL-shaped.
    for bad in ["{ viewer { id ", "{ viewer { noSuchField } }"] {
        let r = post(json!({"query": bad}), &format!("{media}, application/json;q=0.9")).await.unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        assert_eq!(r.headers()["content-type"], media);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "VALIDATION", "{body:#}");
    }
    // Executed with errors (a missing object): 200, the errors in the body.
    let r = post(json!({"query": "{ org(slug: \"none\") { id } }"}), media).await.unwrap();
    assert_eq!(r.status(), 200);
    // Clients that only know application/json keep the old answer: 200 whatever happened.
    let r = post(json!({"query": "{ viewer { noSuchField } }"}), "application/json").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
}
