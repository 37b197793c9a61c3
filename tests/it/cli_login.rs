//! `praetor login` and the contexts it keeps, run as the real binary against a running server:
//! the device authorization grant at a real OpenID Connect provider (`tests/idp`), whose access
//! token the server then accepts, renewed with the refresh token once it has expired; a sign-in
//! refused at the provider keeps nothing; API keys read from standard input, checked before
//! they are kept; contexts listed, switched and forgotten; the file readable by its owner only.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use praetor_tests::idp::{self, Idp};
use praetor_tests::*;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// The public client the IdP knows the command line by, allowed the device grant only.
const DEVICE_CLIENT: &str = "praetor-cli";
/// The API's resource indicator and the audience of its tokens: one URI, as many providers do.
const AUDIENCE: &str = "urn:praetor:cli";

struct World {
    app: TestApp,
    idp: Idp,
    /// The IdP user `alice`'s address, unique to this test.
    alice: String,
    dir: tempfile::TempDir,
}

impl World {
    fn client_config(&self) -> PathBuf {
        self.dir.path().join("praetor").join("client.yaml")
    }

    /// `praetor` with `args`, this world's client configuration, and `stdin` on its input:
    /// whether it succeeded, its standard output and its standard error.
    async fn praetor(&self, args: &[&str], stdin: &str) -> (ExitStatus, String, String) {
        run_client(&self.client_config(), args, stdin).await
    }
}

/// A server, the IdP with a public device client, and a provider of the server's organization
/// that offers it to the command line (people created at first sign-in; IdP group `sre` gives
/// the `operator` role).
async fn world() -> World {
    let app = spawn_with(SpawnOptions { allow_private_networks: true, ..Default::default() }).await;
    let mut config = idp::default_config(&app.url("/auth/oidc/callback"));
    let alice = format!("{}@idp.test", unique("alice"));
    config["users"][0]["email"] = json!(alice);
    config["users"][1]["email"] = json!(format!("{}@idp.test", unique("bob")));
    config["clients"].as_array_mut().unwrap().push(json!({
        "client_id": DEVICE_CLIENT,
        "token_endpoint_auth_method": "none",
        "grant_types": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
        "response_types": [],
        "redirect_uris": [],
    }));
    config["api"] = json!({"resource": AUDIENCE, "audience": AUDIENCE});
    let idp = Idp::start(config).await;
    let made = app
        .admin(
            "mutation($in: CreateIdentityProviderInput!) { createIdentityProvider(input: $in) { id deviceClientId } }",
            json!({"in": {"org": app.org, "name": "Test IdP", "issuer": idp.issuer, "clientId": idp::CLIENT_ID,
                "clientSecret": idp::CLIENT_SECRET, "scopes": ["email", "profile", "groups"], "createUsers": true,
                "apiAudience": AUDIENCE, "deviceClientId": DEVICE_CLIENT}}),
        )
        .await["createIdentityProvider"]
        .clone();
    assert_eq!(made["deviceClientId"], DEVICE_CLIENT);
    app.provider_group_with_role(made["id"].as_str().unwrap(), "sre", "sre-team", "operator").await;
    World { app, idp, alice, dir: tempfile::tempdir().unwrap() }
}

/// Starts `praetor login` at the provider, answers the device code in a browser (approving or
/// aborting), and answers how the command ended.
async fn device_login(w: &World, approve: bool) -> (ExitStatus, String, String) {
    let server = w.app.url("");
    let mut child = tokio::process::Command::from(praetor_command())
        .args(["login", "--server", server.trim_end_matches('/'), "--org", &w.app.org, "--wait-seconds", "60"])
        .env("PRAETOR_CLIENT_CONFIG", w.client_config())
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run praetor login");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut shown = Vec::new();
    let address = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), stderr.next_line())
            .await
            .expect("praetor login showed an address within 30 s")
            .expect("read stderr")
            .unwrap_or_else(|| panic!("praetor login ended before showing an address: {shown:?}"));
        shown.push(line.clone());
        if line.trim_start().starts_with("http") {
            break line.trim().to_string();
        }
    };
    let code = stderr.next_line().await.unwrap().unwrap_or_default();
    let user_code = address.split("user_code=").nth(1).expect("the complete verification address");
    assert!(code.contains(user_code), "the code to check is shown beside the address: {code}");
    let page = w.idp.answer_device(&address, "alice", "alice-password", approve).await;
    assert_eq!(page, if approve { "Test IdP device done" } else { "Test IdP device code" });
    let mut stdout = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut stdout).await.unwrap();
    let mut rest = shown.join("\n");
    while let Some(line) = stderr.next_line().await.unwrap() {
        rest.push('\n');
        rest.push_str(&line);
    }
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("praetor login finished within a minute")
        .unwrap();
    (status, stdout, rest)
}

/// The client configuration file, read back as JSON.
fn read_config(path: &Path) -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).expect("the client configuration")).expect("YAML")
}

#[tokio::test]
async fn device_sign_in_keeps_a_context_the_server_accepts_and_renews_it() {
    let w = world().await;
    // The sign-in options say how the command line signs in.
    let listed: Value =
        reqwest::get(w.app.url(&format!("/auth/providers?org={}", w.app.org))).await.unwrap().json().await.unwrap();
    let device = &listed["providers"][0]["device"];
    assert_eq!(device["clientId"], DEVICE_CLIENT, "{listed}");
    assert_eq!(device["issuer"], w.idp.issuer.as_str());
    assert_eq!(device["audience"], AUDIENCE);

    let (status, stdout, stderr) = device_login(&w, true).await;
    assert!(status.success(), "login failed: {stdout}\n{stderr}");
    assert!(stdout.contains(&format!("as {} in organization {}", w.alice, w.app.org)), "{stdout}");
    let path = w.client_config();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let config = read_config(&path);
    assert_eq!(config["current-context"], w.app.org.as_str(), "{config}");
    let credential = &config["contexts"][&w.app.org]["credential"];
    assert_eq!(credential["kind"], "provider", "{config}");
    assert_eq!(credential["client-id"], DEVICE_CLIENT);
    assert!(credential["refresh-token"].as_str().is_some_and(|t| !t.is_empty()), "{config}");

    // The token is the person's on the API, with the role their provider group gives.
    let (status, stdout, stderr) = w.praetor(&["whoami"], "").await;
    assert!(status.success(), "{stdout}{stderr}");
    assert!(stdout.starts_with(&w.alice), "{stdout}");
    assert!(stdout.contains(&format!("organization: {}", w.app.org)), "{stdout}");
    assert!(stdout.contains("signed in at Test IdP"), "{stdout}");
    let token = credential["access-token"].as_str().unwrap().to_string();
    w.app.project("web").await;
    let can = ok(w
        .app
        .gql(
            Some(&token),
            "query($org: String!) { org(slug: $org) { propose: viewerCan(operation: \"plan.propose\", project: \"web\")
                approve: viewerCan(operation: \"plan.approve\", project: \"web\") } }",
            json!({"org": w.app.org}),
        )
        .await);
    assert_eq!(can["org"], json!({"propose": true, "approve": false}), "an operator through the IdP group sre");

    // Expired (as far as the file says): whoami renews it at the provider and saves the new one.
    let fetched = w.idp.log().await.iter().filter(|r| r["path"] == "/token").count();
    let text = std::fs::read_to_string(&path).unwrap();
    let expiry_line = text.lines().find(|l| l.trim_start().starts_with("expires-at:")).expect("an expiry").to_string();
    let indent = &expiry_line[..expiry_line.len() - expiry_line.trim_start().len()];
    std::fs::write(&path, text.replace(&expiry_line, &format!("{indent}expires-at: 2020-01-01T00:00:00Z"))).unwrap();
    let (status, stdout, stderr) = w.praetor(&["whoami"], "").await;
    assert!(status.success(), "{stdout}{stderr}");
    assert!(stdout.starts_with(&w.alice), "{stdout}");
    assert_eq!(w.idp.log().await.iter().filter(|r| r["path"] == "/token").count(), fetched + 1, "one refresh");
    let renewed = read_config(&path);
    let credential = &renewed["contexts"][&w.app.org]["credential"];
    assert_ne!(credential["access-token"].as_str().unwrap(), token, "a new access token is kept");
    assert!(!credential["expires-at"].as_str().unwrap().starts_with("2020"), "{renewed}");
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
}

#[tokio::test]
async fn device_sign_in_refused_at_the_provider_keeps_nothing() {
    let w = world().await;
    let (status, stdout, stderr) = device_login(&w, false).await;
    assert_eq!(status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("error: the sign-in was refused at Test IdP"), "{stderr}");
    assert!(!w.client_config().exists(), "nothing is kept");
}

#[tokio::test]
async fn api_keys_are_checked_before_they_are_kept_and_contexts_switch() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client.yaml");
    let server = app.url("");
    let server = server.trim_end_matches('/');
    let login = |extra: &'static [&'static str]| {
        let mut args = vec!["login", "--server", server, "--org", app.org.as_str()];
        args.extend_from_slice(extra);
        args
    };

    // No provider offers the command line a sign-in: it says how to use a key instead.
    let (status, _, stderr) = run_client(&path, &login(&[]), "").await;
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no identity provider set up for signing in from the command line"), "{stderr}");
    assert!(stderr.contains("--api-key-stdin"), "{stderr}");
    // A wrong key is refused with the server's code, and nothing is written.
    let (status, _, stderr) = run_client(&path, &login(&["--api-key-stdin"]), "prk_0000000000000000\n").await;
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: UNAUTHENTICATED"), "{stderr}");
    assert!(!path.exists());
    // A key of another organization does not sign in to this one.
    let (_, other_key) = other_org(&app).await;
    let (status, _, stderr) = run_client(&path, &login(&["--api-key-stdin"]), &other_key).await;
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("does not belong to organization"), "{stderr}");
    assert!(!path.exists());
    // Usage errors exit 2.
    let (status, _, stderr) = run_client(&path, &["login", "--server", "ftp://x", "--org", "a"], "").await;
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("must be an http or https address"), "{stderr}");

    // The administrator's key, then an operator's under a second name.
    let (status, stdout, stderr) =
        run_client(&path, &login(&["--api-key-stdin"]), &format!("{}\n", app.admin_key)).await;
    assert!(status.success(), "{stdout}{stderr}");
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let (operator_key, operator) = app.user_with_role("operator", None).await;
    let (status, stdout, stderr) =
        run_client(&path, &login(&["--api-key-stdin", "--context", "ops"]), &operator_key).await;
    assert!(status.success(), "{stdout}{stderr}");
    let (_, stdout, _) = run_client(&path, &["whoami"], "").await;
    assert!(stdout.starts_with(&operator), "the last sign-in is current: {stdout}");
    let (_, stdout, _) = run_client(&path, &["context", "list"], "").await;
    assert!(stdout.contains(&format!("  {}\t{server}\t{}\tAPI key", app.org, app.org)), "{stdout}");
    assert!(stdout.contains(&format!("* ops\t{server}")), "{stdout}");
    let (status, _, _) = run_client(&path, &["context", "use", &app.org], "").await;
    assert!(status.success());
    let (_, stdout, _) = run_client(&path, &["whoami"], "").await;
    assert!(stdout.starts_with(&app.admin_email), "{stdout}");
    let (_, stdout, _) = run_client(&path, &["whoami", "--context", "ops"], "").await;
    assert!(stdout.starts_with(&operator), "{stdout}");
    // Forgotten, a context is gone; the others stay.
    let (status, stdout, _) = run_client(&path, &["logout", "--context", "ops"], "").await;
    assert!(status.success() && stdout.contains("Forgot context `ops`"), "{stdout}");
    let (status, _, stderr) = run_client(&path, &["whoami", "--context", "ops"], "").await;
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains(&format!("no context named `ops` (known: {})", app.org)), "{stderr}");
    let (status, stdout, _) = run_client(&path, &["whoami"], "").await;
    assert!(status.success() && stdout.starts_with(&app.admin_email), "{stdout}");
}
