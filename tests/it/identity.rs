//! Sign-in at an organization's identity provider and its tokens on the API, against a real
//! OpenID Connect provider (`tests/idp`, oidc-provider): the authorization code flow with PKCE
//! lands a person in the provider's organization with the roles their provider groups give;
//! every relying-party check refuses what it must (state reused or from another browser, nonce,
//! issuer, audience, expiry, signature, `alg: none`, HS256 keyed with the public key, a lost
//! PKCE verifier); keys rotated at the provider are fetched again; a group removed at the
//! provider takes the role away at the next token; a provider of one organization never lets
//! anyone into another.

use praetor_tests::idp::{self, Idp};
use praetor_tests::ws::{Frame, Socket};
use praetor_tests::*;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

const CREATE: &str = "mutation($in: CreateIdentityProviderInput!) { createIdentityProvider(input: $in) { id name issuer clientId scopes groupsClaim createUsers apiAudience enabled secretFingerprint callbackPath } }";

struct World {
    app: TestApp,
    idp: Idp,
    provider: String,
    /// A client that follows no redirects and keeps no cookies: each step is looked at.
    http: reqwest::Client,
    /// The IdP's user `alice` has an address of this test's own (users are shared by every
    /// organization on a database, and tests share PostgreSQL).
    alice: String,
}

/// The IdP's default configuration with e-mail addresses unique to this test.
fn idp_config(app: &TestApp) -> (Value, String) {
    let mut config = idp::default_config(&app.url("/auth/oidc/callback"));
    let (alice, bob) = (format!("{}@idp.test", unique("alice")), format!("{}@idp.test", unique("bob")));
    config["users"][0]["email"] = json!(alice);
    config["users"][1]["email"] = json!(bob);
    (config, alice)
}

/// A server, a provider on the IdP for its organization (people created at first sign-in,
/// API tokens for `praetor-api`), and the IdP group `sre` mapped onto a group with the
/// `operator` role.
async fn world() -> World {
    world_with(SpawnOptions::default()).await
}

async fn world_with(opts: SpawnOptions) -> World {
    let app = spawn_with(SpawnOptions { allow_private_networks: true, ..opts }).await;
    let (config, alice) = idp_config(&app);
    let idp = Idp::start(config).await;
    let made = app
        .admin(
            CREATE,
            json!({"in": {"org": app.org, "name": "Test IdP", "issuer": idp.issuer, "clientId": idp::CLIENT_ID,
                "clientSecret": idp::CLIENT_SECRET, "scopes": ["email", "profile", "groups"], "createUsers": true,
                "apiAudience": idp::API_AUDIENCE}}),
        )
        .await["createIdentityProvider"]
        .clone();
    assert_eq!(made["issuer"], idp.issuer);
    assert_eq!(made["callbackPath"], "/auth/oidc/callback");
    assert!(made["secretFingerprint"].as_str().unwrap().starts_with("hmac:"), "{made}");
    let provider = made["id"].as_str().unwrap().to_string();
    app.provider_group_with_role(&provider, "sre", "sre-team", "operator").await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    World { app, idp, provider, http, alice }
}

/// What the sign-in page lists for organization `org`.
async fn providers(w: &World, org: &str) -> Value {
    w.http.get(w.app.url(&format!("/auth/providers?org={org}"))).send().await.unwrap().json().await.unwrap()
}

fn cookie_of(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        let (n, rest) = c.split_once('=')?;
        let value = rest.split(';').next()?;
        (n == name && !value.is_empty()).then(|| format!("{n}={value}"))
    })
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// A sign-in started: the provider's authorization URL and the browser-binding cookie.
async fn start(w: &World) -> (String, String) {
    let resp = w.http.get(w.app.url(&format!("/auth/oidc/start?provider={}", w.provider))).send().await.unwrap();
    assert_eq!(resp.status(), 303, "{:?}", resp.text().await);
    let browser = cookie_of(&resp, "praetor_oidc").expect("a browser-binding cookie");
    (location(&resp), browser)
}

/// The callback as the browser would call it.
async fn callback(w: &World, url: &str, browser: Option<&str>) -> reqwest::Response {
    let mut req = w.http.get(url);
    if let Some(c) = browser {
        req = req.header(COOKIE, c);
    }
    req.send().await.unwrap()
}

/// Signs `login` in through the browser flow, answering the session cookie.
async fn sign_in(w: &World, login: &str, password: &str) -> String {
    let (authorize, browser) = start(w).await;
    let back = w.idp.sign_in(&authorize, login, password).await;
    let resp = callback(w, &back, Some(&browser)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/", "signed in, back to the app");
    cookie_of(&resp, "praetor_session").expect("a session cookie")
}

/// A sign-in whose callback was refused: the web app is told why, and no session begins.
async fn refused(resp: reqwest::Response, why: &str) {
    assert_eq!(resp.status(), 303);
    let to = location(&resp);
    assert!(to.starts_with("/?signInError="), "{to}");
    let decoded = reqwest::Url::parse(&format!("http://x{to}")).unwrap();
    let message = decoded.query_pairs().find(|(k, _)| k == "signInError").map(|(_, v)| v.to_string()).unwrap();
    assert!(message.contains(why), "`{message}` should say `{why}`");
    assert_eq!(cookie_of(&resp, "praetor_session"), None, "no session after a refusal");
}

async fn viewer(app: &TestApp, cookie: &str) -> Value {
    app.gql_cookie(cookie, "{ viewer { name kind orgs { slug viewerCan(operation: \"plan.execute\") } } }", json!({}))
        .await
}

#[tokio::test]
async fn signing_in_at_the_provider_lands_in_its_org_with_the_roles_of_the_provider_groups() {
    let w = world().await;
    let listed = providers(&w, &w.app.org).await;
    // No device client: nothing for the command line.
    assert_eq!(listed["providers"], json!([{"id": w.provider, "name": "Test IdP", "device": null}]));
    let unknown = providers(&w, "no-such-org").await;
    assert_eq!(unknown["providers"], json!([]), "an unknown org answers like one without providers");

    let (authorize, _) = start(&w).await;
    let url = reqwest::Url::parse(&authorize).unwrap();
    assert!(authorize.starts_with(&w.idp.issuer));
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["response_type"], "code");
    assert!(q["code_challenge"].len() >= 43 && q.contains_key("nonce") && q.contains_key("state"));

    let session = sign_in(&w, "alice", "alice-password").await;
    let me = ok(viewer(&w.app, &session).await);
    assert_eq!(me["viewer"]["name"], json!(w.alice));
    assert_eq!(me["viewer"]["orgs"], json!([{"slug": w.app.org, "viewerCan": true}]), "operator through sre-team");

    // Audited: the person created and linked, the synced membership, the sign-in.
    let audit = w
        .app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 50) { nodes { kind payload } } } }",
            json!({"o": w.app.org}),
        )
        .await;
    let kinds: Vec<&str> =
        audit["org"]["auditLog"]["nodes"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    for kind in
        ["identity_provider.created", "user.provisioned", "identity.linked", "group.member_added", "identity.signed_in"]
    {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let text = audit.to_string();
    assert!(!text.contains(idp::CLIENT_SECRET), "the client secret never reaches the audit log");

    // Group removed at the provider: the role goes at the next sign-in.
    w.idp.set_groups("alice", &["dev"]).await;
    let again = sign_in(&w, "alice", "alice-password").await;
    let me = ok(viewer(&w.app, &again).await);
    assert_eq!(me["viewer"]["orgs"], json!([]), "no membership left in the org, so no org");
    // The older session is the same person: their rights follow the person, not the session.
    assert_eq!(ok(viewer(&w.app, &session).await)["viewer"]["orgs"], json!([]));

    // Signing out ends the session here and answers the provider's end-session endpoint.
    let out: Value = w
        .http
        .post(w.app.url("/auth/logout"))
        .header(COOKIE, &again)
        .header("content-type", "application/json")
        .header("origin", format!("http://{}", w.app.addr))
        .body("{}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let end = out["endSessionUrl"].as_str().expect("the provider supports RP-initiated logout");
    assert!(end.starts_with(&format!("{}/session/end", w.idp.issuer)), "{end}");
    assert!(end.contains(&format!("client_id={}", idp::CLIENT_ID)));
    assert_eq!(code(&viewer(&w.app, &again).await), "UNAUTHENTICATED", "the session is over");

    // A provider disabled is trusted no more: its sessions end and it leaves the sign-in page.
    let third = sign_in(&w, "alice", "alice-password").await;
    ok(viewer(&w.app, &third).await);
    w.app
        .admin(
            "mutation($id: ID!) { updateIdentityProvider(id: $id, input: {enabled: false}) { enabled } }",
            json!({"id": w.provider}),
        )
        .await;
    assert_eq!(code(&viewer(&w.app, &third).await), "UNAUTHENTICATED", "sessions begun at it ended");
    let listed = providers(&w, &w.app.org).await;
    assert_eq!(listed["providers"], json!([]));
}

#[tokio::test]
async fn the_relying_party_refuses_what_it_must() {
    let w = world().await;

    // A state works once.
    let (authorize, browser) = start(&w).await;
    let back = w.idp.sign_in(&authorize, "alice", "alice-password").await;
    assert_eq!(callback(&w, &back, Some(&browser)).await.status(), 303);
    refused(callback(&w, &back, Some(&browser)).await, "already used").await;

    // The callback must come from the browser that started the sign-in.
    let (authorize, _) = start(&w).await;
    let back = w.idp.sign_in(&authorize, "alice", "alice-password").await;
    refused(callback(&w, &back, Some("praetor_oidc=someone-elses")).await, "another browser").await;
    let (authorize, _) = start(&w).await;
    let back = w.idp.sign_in(&authorize, "alice", "alice-password").await;
    refused(callback(&w, &back, None).await, "another browser").await;

    // A state nobody issued.
    refused(callback(&w, &w.app.url("/auth/oidc/callback?code=x&state=forged"), None).await, "unknown").await;

    // The PKCE verifier the code was bound to is lost: the provider refuses the exchange.
    let (authorize, browser) = start(&w).await;
    let back = w.idp.sign_in(&authorize, "alice", "alice-password").await;
    w.app.execute_sql("UPDATE oidc_logins SET pkce_verifier = 'not-the-verifier-0123456789-0123456789-0123'").await;
    refused(callback(&w, &back, Some(&browser)).await, "the provider refused the sign-in").await;

    // ID tokens the provider's token endpoint answers with, tampered one way each.
    let now = praetor_tests::now().timestamp();
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"nonce": "not-this-sign-in"}), "rs256", "nonce"),
        (json!({"iss": "http://127.0.0.1:9/elsewhere"}), "rs256", "another issuer"),
        (json!({"aud": "some-other-client"}), "rs256", "another audience"),
        (json!({"exp": now - 3600, "iat": now - 7200}), "rs256", "expired"),
        (json!({}), "none", "not accepted"),
        (json!({}), "hs256-public", "not accepted"),
        (json!({}), "foreign-key", "signature does not verify"),
    ];
    for (overrides, mode, why) in cases {
        let (authorize, browser) = start(&w).await;
        let back = w.idp.sign_in(&authorize, "alice", "alice-password").await;
        w.idp.tamper(overrides.clone(), mode).await;
        let resp = callback(&w, &back, Some(&browser)).await;
        let to = location(&resp);
        assert!(to.contains("signInError"), "{overrides} ({mode}) was accepted");
        refused(resp, why).await;
    }

    // A sign-in refused by the provider itself comes back as an error, not a session.
    refused(
        callback(&w, &w.app.url("/auth/oidc/callback?error=access_denied&error_description=denied+by+user"), None)
            .await,
        "denied by user",
    )
    .await;

    // An e-mail domain the provider does not admit.
    w.app
        .admin(
            "mutation($id: ID!) { updateIdentityProvider(id: $id, input: {allowedDomains: [\"corp.example\"]}) { id } }",
            json!({"id": w.provider}),
        )
        .await;
    let (authorize, browser) = start(&w).await;
    let back = w.idp.sign_in(&authorize, "bob", "bob-password").await;
    refused(callback(&w, &back, Some(&browser)).await, "domain").await;
}

#[tokio::test]
async fn a_provider_of_one_org_never_lets_anyone_into_another() {
    let w = world().await;
    let (other, other_key) = other_org(&w.app).await;
    // alice is a member of the other organization too, added there by its admin.
    let bound = w
        .app
        .gql(
            Some(&other_key),
            "mutation($in: BindRoleInput!) { bindRole(input: $in) { id } }",
            json!({"in": {"org": other, "role": "org_admin", "subject": {"userEmail": w.alice}}}),
        )
        .await;
    ok(bound);
    let session = sign_in(&w, "alice", "alice-password").await;
    let me = ok(viewer(&w.app, &session).await);
    assert_eq!(me["viewer"]["orgs"].as_array().unwrap().len(), 1, "only the provider's org: {me}");
    assert_eq!(me["viewer"]["orgs"][0]["slug"], w.app.org);
    let there = w.app.gql_cookie(&session, "query($o: String!) { org(slug: $o) { id } }", json!({"o": other})).await;
    assert_eq!(code(&there), "NOT_FOUND");

    // The other org's admin sees nothing of this org's provider.
    let node = w.app.gql(Some(&other_key), "query($id: ID!) { node(id: $id) { id } }", json!({"id": w.provider})).await;
    assert_eq!(code(&node), "NOT_FOUND");
    let upd = w
        .app
        .gql(
            Some(&other_key),
            "mutation($id: ID!) { updateIdentityProvider(id: $id, input: {enabled: false}) { id } }",
            json!({"id": w.provider}),
        )
        .await;
    assert_eq!(code(&upd), "NOT_FOUND");

    // Its sign-in list and tokens do not reach this org either: tokens of this provider name
    // this org's audience, and nobody in the other org configured the issuer.
    let token = w
        .idp
        .mint(json!({"sub": "alice", "aud": idp::API_AUDIENCE, "email": w.alice, "groups": ["sre"]}), "rs256")
        .await;
    let other_org_query = w
        .app
        .client
        .post(w.app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({"query": "query($o: String!) { org(slug: $o) { id } }", "variables": {"o": other}}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(code(&other_org_query), "NOT_FOUND");
}

async fn with_token(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": {"o": app.org}}))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

const CAN_EXECUTE: &str =
    "query($o: String!) { viewer { name kind } org(slug: $o) { viewerCan(operation: \"plan.execute\") } }";

#[tokio::test]
async fn provider_tokens_authenticate_on_the_api() {
    let w = world().await;
    // A client acting for itself, bound to a service account with a role.
    let sa = w
        .app
        .admin(
            "mutation($o: String!) { createServiceAccount(input: {org: $o, name: \"deployer\"}) { id } }",
            json!({"o": w.app.org}),
        )
        .await["createServiceAccount"]["id"]
        .clone();
    w.app
        .admin(
            "mutation($in: BindRoleInput!) { bindRole(input: $in) { id } }",
            json!({"in": {"org": w.app.org, "role": "operator", "subject": {"serviceAccountId": sa}}}),
        )
        .await;
    let client_token = w.idp.client_credentials(idp::CLIENT_ID, idp::CLIENT_SECRET, "").await;
    let (status, body) = with_token(&w.app, &client_token, CAN_EXECUTE).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "an unbound client is nobody: {body}");
    assert_eq!(status, 401);
    w.app
        .admin(
            "mutation($id: ID!, $c: String!) { bindIdentityProviderClient(id: $id, clientId: $c, serviceAccount: \"deployer\") { clientBindings { clientId serviceAccount { name } } } }",
            json!({"id": w.provider, "c": idp::CLIENT_ID}),
        )
        .await;
    let (_, body) = with_token(&w.app, &client_token, CAN_EXECUTE).await;
    let data = ok(body);
    assert_eq!(data["viewer"]["kind"], "SERVICE_ACCOUNT");
    assert_eq!(data["viewer"]["name"], "deployer");
    assert_eq!(data["org"]["viewerCan"], true);

    // A person's access token: their groups apply at each new token.
    let carol = format!("{}@idp.test", unique("carol"));
    let person = |groups: Value| json!({"sub": "carol", "aud": idp::API_AUDIENCE, "email": carol, "email_verified": true, "groups": groups});
    let token = w.idp.mint(person(json!(["sre"])), "rs256").await;
    let data = ok(with_token(&w.app, &token, CAN_EXECUTE).await.1);
    assert_eq!(data["viewer"]["name"], json!(carol));
    assert_eq!(data["org"]["viewerCan"], true);
    let token = w.idp.mint(person(json!([])), "rs256").await;
    let (_, body) = with_token(&w.app, &token, CAN_EXECUTE).await;
    assert_eq!(code(&body), "NOT_FOUND", "group removed at the provider: no role, no org, at the next token");

    // Each relying-party check.
    let now = praetor_tests::now().timestamp();
    let base = json!({"sub": "carol", "aud": idp::API_AUDIENCE, "email": carol, "groups": ["sre"]});
    let with = |extra: Value| {
        let mut c = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(json!({"exp": now - 600, "iat": now - 900})), "rs256", "expired"),
        (with(json!({"aud": "another-api"})), "rs256", "another audience"),
        (with(json!({"nbf": now + 3600})), "rs256", "not valid yet"),
        (with(json!({})), "none", "not accepted"),
        (with(json!({})), "hs256-public", "not accepted"),
        (with(json!({})), "foreign-key", "signature does not verify"),
    ];
    for (claims, mode, why) in cases {
        let token = w.idp.mint(claims.clone(), mode).await;
        let (status, body) = with_token(&w.app, &token, CAN_EXECUTE).await;
        assert_eq!((status, code(&body).as_str()), (401, "UNAUTHENTICATED"), "{claims} ({mode}) was accepted: {body}");
        assert!(body.to_string().contains(why), "{body} should say {why}");
    }
    let elsewhere = w.idp.mint(with(json!({"iss": "https://idp.elsewhere.example"})), "rs256").await;
    let (status, body) = with_token(&w.app, &elsewhere, CAN_EXECUTE).await;
    assert_eq!(status, 401);
    assert!(body.to_string().contains("no organization accepts tokens from this issuer"), "{body}");

    // Keys rotated at the provider: a token with the new key makes Praetor fetch the keys once
    // (the cache refreshes at most once a second here), then serves from the cache.
    let fetched = w.idp.jwks_fetches().await;
    let kid = w.idp.rotate().await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let rotated = w.idp.mint(with(json!({})), "rs256").await;
    let header: Value = serde_json::from_slice(&base64_url(rotated.split('.').next().unwrap())).unwrap();
    assert_eq!(header["kid"], kid);
    assert!(ok(with_token(&w.app, &rotated, CAN_EXECUTE).await.1)["org"]["viewerCan"].as_bool().unwrap());
    for _ in 0..5 {
        let t = w.idp.mint(with(json!({})), "rs256").await;
        ok(with_token(&w.app, &t, CAN_EXECUTE).await.1);
    }
    assert_eq!(w.idp.jwks_fetches().await, fetched + 1, "one fetch for the new key, then the cache");
    // Unknown keys are not a way to make Praetor hammer the provider: tokens naming keys the
    // provider does not publish cause at most one fetch per interval.
    let fetched = w.idp.jwks_fetches().await;
    for i in 0..5 {
        let t = w.idp.mint_with_header(with(json!({})), json!({"kid": format!("nonexistent-{i}")}), "rs256").await;
        assert_eq!(with_token(&w.app, &t, CAN_EXECUTE).await.0, 401);
    }
    assert!(w.idp.jwks_fetches().await <= fetched + 1, "unknown kids fetched the keys more than once");
}

fn base64_url(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap()
}

#[tokio::test]
async fn admins_get_clear_errors_and_the_client_secret_never_comes_back() {
    let app = spawn_with(SpawnOptions { allow_private_networks: true, ..Default::default() }).await;
    let idp = Idp::start(idp_config(&app).0).await;
    let bad = app
        .gql(
            Some(&app.admin_key),
            CREATE,
            json!({"in": {"org": app.org, "name": "Nowhere", "issuer": "http://127.0.0.1:9", "clientId": "x", "clientSecret": "y"}}),
        )
        .await;
    assert_eq!(code(&bad), "VALIDATION");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "issuer", "{bad}");
    let bad = app
        .gql(
            Some(&app.admin_key),
            CREATE,
            json!({"in": {"org": app.org, "name": "Empty", "issuer": idp.issuer, "clientId": "x", "clientSecret": ""}}),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "clientSecret", "{bad}");

    let made = app
        .admin(
            CREATE,
            json!({"in": {"org": app.org, "name": "Corp", "issuer": idp.issuer, "clientId": idp::CLIENT_ID, "clientSecret": idp::CLIENT_SECRET}}),
        )
        .await["createIdentityProvider"]
        .clone();
    let dup = app
        .gql(
            Some(&app.admin_key),
            CREATE,
            json!({"in": {"org": app.org, "name": "Corp", "issuer": idp.issuer, "clientId": "x", "clientSecret": "y"}}),
        )
        .await;
    assert_eq!(code(&dup), "CONFLICT");
    let unknown_group = app
        .gql(
            Some(&app.admin_key),
            "mutation($id: ID!) { mapIdentityProviderGroup(id: $id, claimValue: \"x\", group: \"no-such-group\") { id } }",
            json!({"id": made["id"]}),
        )
        .await;
    assert_eq!(code(&unknown_group), "VALIDATION");

    // A member without identity.manage sees and changes nothing.
    let (member_key, _) = app.user_with_role("viewer", None).await;
    let list = app
        .gql(
            Some(&member_key),
            "query($o: String!) { org(slug: $o) { identityProviders { id } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(code(&list), "FORBIDDEN");

    let everything = app
        .admin(
            "query($o: String!) { org(slug: $o) { identityProviders { id name issuer clientId secretFingerprint groupMappings { claimValue } clientBindings { clientId } } } }",
            json!({"o": app.org}),
        )
        .await;
    assert!(!everything.to_string().contains(idp::CLIENT_SECRET));
    let rotated = app
        .admin(
            "mutation($id: ID!) { updateIdentityProvider(id: $id, input: {clientSecret: \"a-new-secret-value\"}) { secretFingerprint } }",
            json!({"id": made["id"]}),
        )
        .await;
    assert_ne!(rotated["updateIdentityProvider"]["secretFingerprint"], made["secretFingerprint"]);
    let gone = app.admin("mutation($id: ID!) { deleteIdentityProvider(id: $id) }", json!({"id": made["id"]})).await;
    assert_eq!(gone["deleteIdentityProvider"], true);
    let start = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(&format!("/auth/oidc/start?provider={}", made["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert!(location(&start).contains("signInError"), "a deleted provider starts no sign-in");
}

#[tokio::test]
async fn a_websocket_opened_with_a_provider_token_lasts_as_long_as_the_token() {
    let clock = std::sync::Arc::new(praetor::clock::ManualClock::new(praetor_tests::now()));
    let w = world_with(SpawnOptions { clock: Some(clock.clone()), ..Default::default() }).await;
    let carol = format!("{}@idp.test", unique("carol"));
    let exp = praetor_tests::now().timestamp() + 600;
    let token = w
        .idp
        .mint(json!({"sub": "carol", "aud": idp::API_AUDIENCE, "email": carol, "groups": ["sre"], "exp": exp}), "rs256")
        .await;
    let mut socket = Socket::open(w.app.addr, None).await.unwrap();
    match socket.init(&token).await {
        Frame::Json(v) => assert_eq!(v["type"], "connection_ack", "{v}"),
        other => panic!("refused: {other:?}"),
    }
    socket.operation("1", CAN_EXECUTE, json!({"o": w.app.org})).await;
    let Frame::Json(answer) = socket.result("1").await else { panic!("closed") };
    assert_eq!(answer["data"]["viewer"]["name"], json!(carol));
    assert_eq!(answer["data"]["org"]["viewerCan"], true);

    // The token expires (by the server's clock, past the allowed skew) while the socket is open.
    clock.advance(chrono::Duration::hours(1));
    socket.operation("2", CAN_EXECUTE, json!({"o": w.app.org})).await;
    match socket.result("2").await {
        Frame::Json(v) => {
            assert_eq!(v["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{v:#}");
            assert_eq!(socket.closed().await.0, 4401);
        }
        closed => assert!(matches!(closed, Frame::Closed(4401, _)), "{closed:?}"),
    }

    // The provider is disabled: its tokens end at once, on the API (though the answer for this
    // one is cached) and on a socket opened with one.
    let fresh = w
        .idp
        .mint(
            json!({"sub": "carol", "aud": idp::API_AUDIENCE, "email": carol, "groups": ["sre"], "exp": exp + 3600}),
            "rs256",
        )
        .await;
    assert_eq!(with_token(&w.app, &fresh, "{ viewer { name } }").await.0, 200);
    let mut socket = Socket::open(w.app.addr, None).await.unwrap();
    assert!(matches!(socket.init(&fresh).await, Frame::Json(_)));
    w.app
        .admin(
            "mutation($id: ID!) { updateIdentityProvider(id: $id, input: {enabled: false}) { enabled } }",
            json!({"id": w.provider}),
        )
        .await;
    let (status, body) = with_token(&w.app, &fresh, "{ viewer { name } }").await;
    assert_eq!(status, 401, "not honoured from the cache: {body}");
    socket.operation("3", CAN_EXECUTE, json!({"o": w.app.org})).await;
    // Closed at once (or, had the operation come first, refused and then closed).
    match socket.result("3").await {
        Frame::Json(v) => {
            assert_eq!(v["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "the socket still answers: {v:#}");
            assert_eq!(socket.closed().await.0, 4401);
        }
        closed => assert!(matches!(closed, Frame::Closed(4401, _)), "{closed:?}"),
    }

    // A forged token is refused at the door.
    let forged = w.idp.mint(json!({"sub": "carol", "aud": idp::API_AUDIENCE, "email": carol}), "hs256-public").await;
    let mut socket = Socket::open(w.app.addr, None).await.unwrap();
    assert!(matches!(socket.init(&forged).await, Frame::Closed(4403, _)));
}

/// POSTs JSON to one of the server's `/auth/…` endpoints as its web app would: the status, the
/// body and the session cookie it set.
async fn post_auth(w: &World, path: &str, body: Value, cookie: Option<&str>) -> (u16, Value, Option<String>) {
    let mut req = w
        .http
        .post(w.app.url(path))
        .header("origin", format!("http://{}", w.app.addr))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let resp = req.send().await.unwrap();
    let cookie = cookie_of(&resp, "praetor_session");
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null), cookie)
}

#[tokio::test]
async fn an_org_that_switches_local_accounts_off_admits_people_through_its_provider_only() {
    let w = world().await;
    let app = &w.app;
    const SWITCH: &str =
        "mutation($o: String!, $on: Boolean!) { setLocalAccounts(org: $o, enabled: $on) { slug localAccounts } }";
    // Dana administers the organization with a password (an invitation link).
    let dana = format!("{}@local.test", unique("dana"));
    let link = app
        .admin(
            "mutation($in: InviteMemberInput!) { inviteMember(input: $in) { link } }",
            json!({"in": {"org": app.org, "email": dana, "role": "org_admin"}}),
        )
        .await["inviteMember"]["link"]
        .as_str()
        .unwrap()
        .trim_start_matches("/invite/")
        .to_string();
    let password = "dana's long passphrase";
    let (status, _, cookie) =
        post_auth(&w, "/auth/invitation", json!({"token": link, "password": password}), None).await;
    assert_eq!(status, 200);
    let dana_session = cookie.unwrap();
    let seen = viewer(app, &dana_session).await;
    assert_eq!(seen["data"]["viewer"]["orgs"][0]["slug"], json!(app.org), "{seen}");
    assert_eq!(providers(&w, &app.org).await["passwords"], true);

    // Not from a session begun with a password: it would lock its own admin out untried.
    let from_password = app.gql_cookie(&dana_session, SWITCH, json!({"o": app.org, "on": false})).await;
    assert_eq!(code(&from_password), "VALIDATION", "{from_password}");
    // Alice, signed in at the provider, is made an admin and switches passwords off.
    let alice_session = sign_in(&w, "alice", "alice-password").await;
    app.admin(
        "mutation($in: BindRoleInput!) { bindRole(input: $in) { id } }",
        json!({"in": {"org": app.org, "role": "org_admin", "subject": {"userEmail": w.alice}}}),
    )
    .await;
    let off = ok(app.gql_cookie(&alice_session, SWITCH, json!({"o": app.org, "on": false})).await);
    assert_eq!(off["setLocalAccounts"], json!({"slug": app.org, "localAccounts": false}));
    assert_eq!(providers(&w, &app.org).await["passwords"], false, "the sign-in page offers no password form");

    // Dana's password session no longer enters it, and is told why; she is a member, so she
    // learns nothing new by it.
    assert_eq!(viewer(app, &dana_session).await["data"]["viewer"]["orgs"], json!([]));
    let told =
        app.gql_cookie(&dana_session, "query($o: String!) { org(slug: $o) { name } }", json!({"o": app.org})).await;
    assert_eq!(code(&told), "FORBIDDEN");
    assert!(told.to_string().contains("identity provider"), "{told}");
    // A new password session neither.
    let (status, _, again) = post_auth(&w, "/auth/password", json!({"email": dana, "password": password}), None).await;
    assert_eq!(status, 200, "the password still signs in (other organizations may allow it)");
    assert_eq!(viewer(app, &again.unwrap()).await["data"]["viewer"]["orgs"], json!([]));
    // No links are issued; the provider session and the API keep working.
    let invite = app
        .gql(
            Some(&app.admin_key),
            "mutation($in: InviteMemberInput!) { inviteMember(input: $in) { link } }",
            json!({"in": {"org": app.org, "email": format!("{}@local.test", unique("eve")), "role": "viewer"}}),
        )
        .await;
    assert_eq!(code(&invite), "FORBIDDEN");
    let reset = app
        .gql(
            Some(&app.admin_key),
            "mutation($o: String!, $e: String!) { issuePasswordReset(org: $o, email: $e) { link } }",
            json!({"o": app.org, "e": dana}),
        )
        .await;
    assert_eq!(code(&reset), "FORBIDDEN");
    assert_eq!(viewer(app, &alice_session).await["data"]["viewer"]["orgs"][0]["slug"], json!(app.org));

    // The last enabled provider can be neither disabled nor removed while passwords are off.
    let disable = app
        .gql(
            Some(&app.admin_key),
            "mutation($id: ID!, $in: UpdateIdentityProviderInput!) { updateIdentityProvider(id: $id, input: $in) { enabled } }",
            json!({"id": w.provider, "in": {"enabled": false}}),
        )
        .await;
    assert_eq!(code(&disable), "VALIDATION", "{disable}");
    let delete = app
        .gql(Some(&app.admin_key), "mutation($id: ID!) { deleteIdentityProvider(id: $id) }", json!({"id": w.provider}))
        .await;
    assert_eq!(code(&delete), "VALIDATION", "{delete}");

    // On again: Dana's session enters again. Every switch is audited.
    ok(app.gql_cookie(&alice_session, SWITCH, json!({"o": app.org, "on": true})).await);
    assert_eq!(viewer(app, &dana_session).await["data"]["viewer"]["orgs"][0]["slug"], json!(app.org));
    let audit = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 5, kind: \"org.local_accounts\") { nodes { payload } } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(audit["org"]["auditLog"]["nodes"].as_array().unwrap().len(), 2, "{audit}");
}
