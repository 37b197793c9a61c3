//! Local accounts: an invitation link (single use, expiring) on which a person chooses a
//! password and joins with a role; password sign-in with a lockout an admin can lift and a
//! throttle per client address; password change and reset links; and the rule that keeps an
//! organization's admin from setting the password of someone who also belongs elsewhere.

use praetor_store::Shared;
use praetor_tests::*;
use reqwest::header::SET_COOKIE;
use serde_json::{Value, json};

const INVITE: &str = "mutation($in: InviteMemberInput!) { inviteMember(input: $in) { link invitation { id email purpose role expiresAt } } }";
const PASSWORD: &str = "correct horse battery staple";

/// POSTs JSON to one of the server's own `/auth/…` endpoints as its web app would.
async fn post(app: &TestApp, path: &str, body: Value, cookie: Option<&str>) -> (u16, Value, Option<String>) {
    let mut req = app
        .client
        .post(app.url(path))
        .header("origin", format!("http://{}", app.addr))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let cookie = resp.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        let (pair, _) = c.split_once(';')?;
        pair.starts_with("praetor_session=").then(|| pair.to_string())
    });
    (status, resp.json().await.unwrap_or(Value::Null), cookie)
}

fn token_of(link: &Value) -> String {
    link.as_str().unwrap().strip_prefix("/invite/").expect("a link under /invite/").to_string()
}

async fn invite(app: &TestApp, email: &str, role: &str) -> String {
    let made = app.admin(INVITE, json!({"in": {"org": app.org, "email": email, "role": role}})).await;
    assert_eq!(made["inviteMember"]["invitation"]["purpose"], "JOIN");
    token_of(&made["inviteMember"]["link"])
}

async fn orgs(app: &TestApp, cookie: &str) -> Value {
    ok(app
        .gql_cookie(cookie, "{ viewer { name orgs { slug viewerCan(operation: \"plan.execute\") } } }", json!({}))
        .await)["viewer"]["orgs"]
        .clone()
}

#[tokio::test]
async fn an_invitation_lets_a_new_person_choose_a_password_and_join_with_its_role() {
    let app = spawn_app().await;
    let email = format!("{}@local.test", unique("erin"));
    let token = invite(&app, &email, "operator").await;
    // An invitation to a role in one project names it.
    app.project("web").await;
    let listed = app
        .admin(
            "mutation($in: InviteMemberInput!) { inviteMember(input: $in) { invitation { purpose role project { slug } } } }",
            json!({"in": {"org": app.org, "email": format!("{}@local.test", unique("ezra")), "role": "operator", "project": "web"}}),
        )
        .await;
    assert_eq!(
        listed["inviteMember"]["invitation"],
        json!({"purpose": "JOIN", "role": "operator", "project": {"slug": "web"}})
    );

    let info: Value =
        app.client.get(app.url(&format!("/auth/invitation?token={token}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["email"], json!(email));
    assert_eq!(info["setsPassword"], true);
    assert_eq!(info["purpose"], "join");

    let (status, body, _) = post(&app, "/auth/invitation", json!({"token": token, "password": "short"}), None).await;
    assert_eq!((status, body["errors"][0]["extensions"]["field"].as_str()), (400, Some("password")), "{body}");

    let (status, body, cookie) =
        post(&app, "/auth/invitation", json!({"token": token, "password": PASSWORD, "displayName": "Erin"}), None)
            .await;
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.expect("signed in");
    assert_eq!(orgs(&app, &cookie).await, json!([{"slug": app.org, "viewerCan": true}]));

    // Once only.
    let (status, body, _) = post(&app, "/auth/invitation", json!({"token": token, "password": PASSWORD}), None).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (404, Some("NOT_FOUND")));

    // Signing in with the password; the hash is argon2id and the password is nowhere else.
    let (status, _, cookie) = post(&app, "/auth/password", json!({"email": email, "password": PASSWORD}), None).await;
    assert_eq!(status, 200);
    assert!(cookie.is_some());
    let audit = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 30) { nodes { kind payload } } } }",
            json!({"o": app.org}),
        )
        .await
        .to_string();
    for kind in ["invitation.created", "user.provisioned", "password.set", "role.bound", "invitation.accepted"] {
        assert!(audit.contains(kind), "{kind} not audited");
    }
    assert!(!audit.contains(PASSWORD) && !audit.contains(&token));
    let stored = praetor_store::local_credential::Entity::find_shared()
        .all(&app.app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.password_hash)
        .collect::<Vec<_>>();
    assert!(stored.iter().all(|h| h.starts_with("$argon2id$") && !h.contains(PASSWORD)), "{stored:?}");
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_until_an_admin_unlocks_it() {
    let app = spawn_app().await;
    let email = format!("{}@local.test", unique("finn"));
    let token = invite(&app, &email, "viewer").await;
    assert_eq!(post(&app, "/auth/invitation", json!({"token": token, "password": PASSWORD}), None).await.0, 200);

    let (status, body, cookie) =
        post(&app, "/auth/password", json!({"email": email, "password": "not the password at all"}), None).await;
    assert_eq!((status, cookie), (401, None));
    let wrong = body["errors"][0]["message"].as_str().unwrap().to_string();
    // An address nobody has answers exactly the same.
    let (status, body, _) =
        post(&app, "/auth/password", json!({"email": "nobody@local.test", "password": "whatever it is"}), None).await;
    assert_eq!((status, body["errors"][0]["message"].as_str()), (401, Some(wrong.as_str())));

    for _ in 0..4 {
        post(&app, "/auth/password", json!({"email": email, "password": "still not it, sorry"}), None).await;
    }
    let (status, body, cookie) =
        post(&app, "/auth/password", json!({"email": email, "password": PASSWORD}), None).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str(), cookie), (403, Some("ACCOUNT_LOCKED"), None));

    let audit = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 5, kind: \"account.\") { nodes { kind } } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(audit["org"]["auditLog"]["nodes"][0]["kind"], "account.locked", "the lockout is in the org's audit log");
    let done = app
        .admin(
            "mutation($o: String!, $e: String!) { unlockAccount(org: $o, email: $e) }",
            json!({"o": app.org, "e": email}),
        )
        .await;
    assert_eq!(done["unlockAccount"], true);
    let (status, _, cookie) = post(&app, "/auth/password", json!({"email": email, "password": PASSWORD}), None).await;
    assert_eq!(status, 200);

    // Changing the password needs the current one; the old one stops working, and so do the
    // person's other sessions.
    let cookie = cookie.unwrap();
    let (_, _, elsewhere) = post(&app, "/auth/password", json!({"email": email, "password": PASSWORD}), None).await;
    let elsewhere = elsewhere.unwrap();
    ok(app.gql_cookie(&elsewhere, "{ viewer { name } }", json!({})).await);
    let new = "a whole new passphrase 42";
    let (status, body, _) =
        post(&app, "/auth/password/change", json!({"current": "wrong guess here", "new": new}), Some(&cookie)).await;
    assert_eq!((status, body["errors"][0]["extensions"]["field"].as_str()), (400, Some("current")));
    let (status, _, _) =
        post(&app, "/auth/password/change", json!({"current": PASSWORD, "new": new}), Some(&cookie)).await;
    assert_eq!(status, 200);
    assert_eq!(code(&app.gql_cookie(&elsewhere, "{ viewer { name } }", json!({})).await), "UNAUTHENTICATED");
    ok(app.gql_cookie(&cookie, "{ viewer { name } }", json!({})).await);
    assert_eq!(post(&app, "/auth/password", json!({"email": email, "password": PASSWORD}), None).await.0, 401);
    assert_eq!(post(&app, "/auth/password", json!({"email": email, "password": new}), None).await.0, 200);

    // A reset link from the admin: a new password without the old one.
    let reset = app
        .admin(
            "mutation($o: String!, $e: String!) { issuePasswordReset(org: $o, email: $e) { link invitation { purpose } } }",
            json!({"o": app.org, "e": email}),
        )
        .await;
    assert_eq!(reset["issuePasswordReset"]["invitation"]["purpose"], "RESET");
    let token = token_of(&reset["issuePasswordReset"]["link"]);
    let newest = "the newest passphrase 43";
    assert_eq!(post(&app, "/auth/invitation", json!({"token": token, "password": newest}), None).await.0, 200);
    assert_eq!(
        code(&app.gql_cookie(&cookie, "{ viewer { name } }", json!({})).await),
        "UNAUTHENTICATED",
        "a reset ends the sessions begun before it"
    );
    assert_eq!(post(&app, "/auth/password", json!({"email": email, "password": newest}), None).await.0, 200);
}

#[tokio::test]
async fn an_org_admin_cannot_set_the_password_of_someone_who_also_belongs_elsewhere() {
    let app = spawn_app().await;
    let (other, other_key) = other_org(&app).await;
    let email = format!("{}@local.test", unique("gail"));
    // Gail belongs to the other organization, which invited her and where she chose a password.
    let made = app.gql(Some(&other_key), INVITE, json!({"in": {"org": other, "email": email, "role": "viewer"}})).await;
    let theirs = token_of(&ok(made)["inviteMember"]["link"]);
    let (status, _, cookie) =
        post(&app, "/auth/invitation", json!({"token": theirs, "password": PASSWORD}), None).await;
    assert_eq!(status, 200);
    let cookie = cookie.unwrap();

    // This organization invites her: its link cannot set her password (its admin holds it).
    let ours = invite(&app, &email, "operator").await;
    let info: Value =
        app.client.get(app.url(&format!("/auth/invitation?token={ours}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["setsPassword"], false);
    let (status, body, _) =
        post(&app, "/auth/invitation", json!({"token": ours, "password": "the admin's choice 1234"}), None).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (403, Some("FORBIDDEN")), "{body}");
    assert_eq!(
        post(&app, "/auth/password", json!({"email": email, "password": "the admin's choice 1234"}), None).await.0,
        401
    );

    // Signed in as herself, she accepts it: the role is added, her password stays hers.
    let (status, body, _) = post(&app, "/auth/invitation", json!({"token": ours}), Some(&cookie)).await;
    assert_eq!(status, 200, "{body}");
    let slugs: Vec<String> =
        orgs(&app, &cookie).await.as_array().unwrap().iter().map(|o| o["slug"].as_str().unwrap().to_string()).collect();
    assert!(slugs.contains(&app.org) && slugs.contains(&other), "{slugs:?}");
    assert_eq!(post(&app, "/auth/password", json!({"email": email, "password": PASSWORD}), None).await.0, 200);

    // Someone the other organization added by e-mail, who has no password yet: still not
    // this organization's to set.
    let henry = format!("{}@local.test", unique("henry"));
    ok(app
        .gql(
            Some(&other_key),
            "mutation($in: BindRoleInput!) { bindRole(input: $in) { id } }",
            json!({"in": {"org": other, "role": "viewer", "subject": {"userEmail": henry}}}),
        )
        .await);
    let for_henry = invite(&app, &henry, "operator").await;
    let (status, _, cookie) =
        post(&app, "/auth/invitation", json!({"token": for_henry, "password": "the admin's choice 1234"}), None).await;
    assert_eq!((status, cookie), (403, None));

    // Now in two organizations: neither admin may issue her a reset link.
    let reset = app
        .gql(
            Some(&app.admin_key),
            "mutation($o: String!, $e: String!) { issuePasswordReset(org: $o, email: $e) { link } }",
            json!({"o": app.org, "e": email}),
        )
        .await;
    assert_eq!(code(&reset), "FORBIDDEN");
}

#[tokio::test]
async fn links_expire_and_sign_in_attempts_are_throttled_per_address() {
    let clock = std::sync::Arc::new(praetor::clock::ManualClock::new(praetor_tests::now()));
    let identity = praetor::config::IdentityConfig { attempts_per_address: 3, ..Default::default() };
    let app =
        spawn_with(SpawnOptions { clock: Some(clock.clone()), identity: Some(identity), ..Default::default() }).await;
    let token = invite(&app, &format!("{}@local.test", unique("hal")), "viewer").await;
    clock.advance(chrono::Duration::hours(73));
    let (status, _, _) = post(&app, "/auth/invitation", json!({"token": token, "password": PASSWORD}), None).await;
    assert_eq!(status, 404, "an invitation lasts 72 hours");

    for _ in 0..3 {
        assert_eq!(
            post(&app, "/auth/password", json!({"email": "x@local.test", "password": "guessing again"}), None).await.0,
            401
        );
    }
    let (status, body, _) =
        post(&app, "/auth/password", json!({"email": "x@local.test", "password": "guessing again"}), None).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (429, Some("RATE_LIMITED")));

    // Another site's page cannot sign anyone in.
    let resp = app
        .client
        .post(app.url("/auth/password"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body(json!({"email": "x@local.test", "password": "p"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

/// The current code of the authenticator app holding `secret` (base32), at `at`.
fn code_at(secret: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("a base32 secret");
    let app = totp_rs::Builder::new().with_secret(secret).build().expect("an authenticator");
    app.generate(at.timestamp() as u64).to_string()
}

fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

#[tokio::test]
async fn a_second_factor_is_asked_for_at_every_sign_in_once_on_and_each_code_works_once() {
    // Its own database: `secrets verify` and `rotate` at the end count every person's secret.
    let clock = std::sync::Arc::new(praetor::clock::ManualClock::new(praetor_tests::now()));
    let app = spawn_with(SpawnOptions {
        clock: Some(clock.clone()),
        database_url: own_database().await,
        ..Default::default()
    })
    .await;
    let email = format!("{}@local.test", unique("ida"));
    let token = invite(&app, &email, "viewer").await;
    let (_, _, cookie) = post(&app, "/auth/invitation", json!({"token": token, "password": PASSWORD}), None).await;
    let cookie = cookie.unwrap();
    let account = |cookie: String| {
        let app = &app;
        async move {
            let resp = app.client.get(app.url("/auth/account")).header("cookie", cookie).send().await.unwrap();
            resp.json::<Value>().await.unwrap()
        }
    };
    assert_eq!(
        account(cookie.clone()).await,
        json!({"hasPassword": true, "secondFactor": false, "recoveryCodesLeft": 0})
    );

    // Enrolment needs the password, and is not in force until a first code confirms it.
    let (status, body, _) = post(&app, "/auth/totp/setup", json!({"password": "not my password"}), Some(&cookie)).await;
    assert_eq!((status, body["errors"][0]["extensions"]["field"].as_str()), (400, Some("password")), "{body}");
    let (status, setup, _) = post(&app, "/auth/totp/setup", json!({"password": PASSWORD}), Some(&cookie)).await;
    assert_eq!(status, 200, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_string();
    let uri = setup["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Praetor:") && uri.contains(&format!("secret={secret}")), "{uri}");
    assert_eq!(post(&app, "/auth/password", json!({"email": email, "password": PASSWORD}), None).await.0, 200);
    let (status, body, _) = post(&app, "/auth/totp/enable", json!({"code": "000000"}), Some(&cookie)).await;
    assert_eq!((status, body["errors"][0]["extensions"]["field"].as_str()), (400, Some("code")), "{body}");
    let first = code_at(&secret, praetor::clock::Clock::now(clock.as_ref()));
    let (status, enabled, _) = post(&app, "/auth/totp/enable", json!({"code": first}), Some(&cookie)).await;
    assert_eq!(status, 200, "{enabled}");
    let recovery: Vec<String> =
        enabled["recoveryCodes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(recovery.len(), 10);
    assert_eq!(account(cookie.clone()).await["recoveryCodesLeft"], 10);

    // The password alone no longer signs in: the code is asked for, and no session begins.
    let (status, body, session) =
        post(&app, "/auth/password", json!({"email": email, "password": PASSWORD}), None).await;
    assert_eq!((status, error_code(&body), session), (401, Some("SECOND_FACTOR_REQUIRED"), None));
    // A wrong password with no code is still just a wrong password: nothing says a factor exists.
    let (status, body, _) =
        post(&app, "/auth/password", json!({"email": email, "password": "wrong again!"}), None).await;
    assert_eq!((status, error_code(&body)), (401, Some("UNAUTHENTICATED")));
    // The code that confirmed enrolment was used: not again.
    let sign_in = |code: String| {
        let (app, email) = (&app, email.clone());
        async move { post(app, "/auth/password", json!({"email": email, "password": PASSWORD, "code": code}), None).await }
    };
    let (status, body, session) = sign_in(first.clone()).await;
    assert_eq!((status, error_code(&body), session), (401, Some("SECOND_FACTOR_WRONG"), None), "a code is good once");
    clock.advance(chrono::Duration::seconds(30));
    let next = code_at(&secret, praetor::clock::Clock::now(clock.as_ref()));
    let (status, _, session) = sign_in(next.clone()).await;
    assert_eq!(status, 200);
    assert!(session.is_some());
    assert_eq!(sign_in(next).await.0, 401, "not twice in the same step");
    // A code of two minutes ago is refused (one step of drift either side is allowed).
    clock.advance(chrono::Duration::seconds(120));
    let stale = code_at(&secret, praetor::clock::Clock::now(clock.as_ref()) - chrono::Duration::seconds(120));
    assert_eq!(error_code(&sign_in(stale).await.1), Some("SECOND_FACTOR_WRONG"));
    // Recovery codes, as printed or typed loosely, once each.
    let (status, _, _) = sign_in(recovery[0].to_uppercase().replace('-', " ")).await;
    assert_eq!(status, 200);
    assert_eq!(error_code(&sign_in(recovery[0].clone()).await.1), Some("SECOND_FACTOR_WRONG"));
    assert_eq!(account(cookie.clone()).await["recoveryCodesLeft"], 9);

    // A reset link sets a new password and keeps the second factor.
    let reset = app
        .admin(
            "mutation($o: String!, $e: String!) { issuePasswordReset(org: $o, email: $e) { link } }",
            json!({"o": app.org, "e": email}),
        )
        .await;
    let token = token_of(&reset["issuePasswordReset"]["link"]);
    let newer = "a passphrase after the reset";
    let (status, body, _) = post(&app, "/auth/invitation", json!({"token": token, "password": newer}), None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = post(&app, "/auth/password", json!({"email": email, "password": newer}), None).await;
    assert_eq!((status, error_code(&body)), (401, Some("SECOND_FACTOR_REQUIRED")));

    // Wrong codes count towards the lockout like wrong passwords.
    for _ in 0..4 {
        let (_, body, _) =
            post(&app, "/auth/password", json!({"email": email, "password": newer, "code": "123456"}), None).await;
        assert_eq!(error_code(&body), Some("SECOND_FACTOR_WRONG"));
    }
    let (status, body, _) =
        post(&app, "/auth/password", json!({"email": email, "password": newer, "code": "123456"}), None).await;
    assert_eq!((status, error_code(&body)), (403, Some("ACCOUNT_LOCKED")));
    app.admin(
        "mutation($o: String!, $e: String!) { unlockAccount(org: $o, email: $e) }",
        json!({"o": app.org, "e": email}),
    )
    .await;

    // The secret is stored sealed, never as given; the audit log has the events, not the secret.
    let row = praetor_store::local_credential::Entity::find_shared().all(&app.app.db).await.unwrap();
    let sealed = row.iter().find_map(|c| c.totp_secret.clone()).expect("a sealed secret");
    assert!(!sealed.contains(&secret));
    let audit = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 50, kind: \"second_factor.\") { nodes { kind payload } } } }",
            json!({"o": app.org}),
        )
        .await
        .to_string();
    assert!(audit.contains("second_factor.enrolment_started") && audit.contains("second_factor.enabled"), "{audit}");
    assert!(!audit.contains(&secret) && !audit.contains(&recovery[1]));

    // Off again: the password and a recovery code.
    let (_, _, cookie) = post(
        &app,
        "/auth/password",
        json!({"email": email, "password": newer, "code": code_at(&secret, praetor::clock::Clock::now(clock.as_ref()))}),
        None,
    )
    .await;
    let cookie = cookie.expect("signed in with the current code");
    let (status, _, _) =
        post(&app, "/auth/totp/disable", json!({"password": newer, "code": "000000"}), Some(&cookie)).await;
    assert_eq!(status, 400);
    let (status, body, _) =
        post(&app, "/auth/totp/disable", json!({"password": newer, "code": recovery[1]}), Some(&cookie)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(post(&app, "/auth/password", json!({"email": email, "password": newer}), None).await.0, 200);

    // Enrolled again and lost: an admin of her only organization removes it.
    let (_, setup, _) = post(&app, "/auth/totp/setup", json!({"password": newer}), Some(&cookie)).await;
    let secret = setup["secret"].as_str().unwrap().to_string();
    clock.advance(chrono::Duration::seconds(30));
    let (status, _, _) = post(
        &app,
        "/auth/totp/enable",
        json!({"code": code_at(&secret, praetor::clock::Clock::now(clock.as_ref()))}),
        Some(&cookie),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(post(&app, "/auth/password", json!({"email": email, "password": newer}), None).await.0, 401);

    // Rotation reseals people's secrets under the newest master key, like data keys.
    let (clean, out) = run_praetor(&["secrets", "verify"], &app.database_url, &[]).await;
    assert!(clean && out.contains("1 authenticator secrets"), "{out}");
    let newer_key = NewerMasterKey::new();
    let (done, out) = run_praetor(&["secrets", "rotate"], &app.database_url, &newer_key.rotating()).await;
    assert!(done, "{out}");
    let (clean, out) = run_praetor(&["secrets", "verify"], &app.database_url, &newer_key.alone()).await;
    assert!(clean, "{out}");

    let removed = app
        .admin(
            "mutation($o: String!, $e: String!) { removeSecondFactor(org: $o, email: $e) }",
            json!({"o": app.org, "e": email}),
        )
        .await;
    assert_eq!(removed["removeSecondFactor"], true);
    assert_eq!(post(&app, "/auth/password", json!({"email": email, "password": newer}), None).await.0, 200);
    let again = app
        .gql(
            Some(&app.admin_key),
            "mutation($o: String!, $e: String!) { removeSecondFactor(org: $o, email: $e) }",
            json!({"o": app.org, "e": email}),
        )
        .await;
    assert_eq!(code(&again), "VALIDATION", "nothing left to remove");
}
