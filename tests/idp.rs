//! A real OpenID Connect provider for the tests: `tests/idp/idp.mjs` on Node (panva's certified
//! `oidc-provider`), issuer `http://127.0.0.1:<port>`, with a sign-in form of its own, no consent
//! page, PKCE (S256) required, and controls for the relying party's negative tests: key rotation,
//! group changes, forged tokens and a one-shot tampered ID token (see the script's header). Its
//! npm packages are installed on first use.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The client the IdP knows when the configuration names none (give your own redirect URI
/// with [`default_config`]: a web client's redirect URI must match exactly, port included).
pub const CLIENT_ID: &str = "praetor";
pub const CLIENT_SECRET: &str = "praetor-test-secret-0123456789abcdef";
/// The resource indicator of Praetor's API. oidc-provider accepts only absolute URIs as
/// resource indicators, so the name `praetor-api` is the tokens' audience, not the indicator.
pub const API_RESOURCE: &str = "urn:praetor:api";
/// The `aud` of every access token issued for [`API_RESOURCE`].
pub const API_AUDIENCE: &str = "praetor-api";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("idp")
}

/// Installs the packages (pinned by the lockfile) unless they are there.
async fn install() {
    crate::npm_ci_once("idp", "oidc-provider").await;
}

/// The IdP's configuration with the default client (redirecting to `redirect_uri`, signing out to
/// the root of its origin) and the default users: `alice` (`alice@idp.test`, password
/// `alice-password`, groups `["sre"]`) and `bob` (`bob@idp.test`, `bob-password`, `["dev"]`).
pub fn default_config(redirect_uri: &str) -> Value {
    let origin = Url::parse(redirect_uri).expect("an absolute redirect URI").origin().ascii_serialization();
    json!({
        "clients": [{
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [redirect_uri],
            "post_logout_redirect_uris": [format!("{origin}/")],
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        }],
        "users": [
            {"sub": "alice", "email": "alice@idp.test", "email_verified": true, "name": "Alice",
             "groups": ["sre"], "password": "alice-password"},
            {"sub": "bob", "email": "bob@idp.test", "email_verified": true, "name": "Bob",
             "groups": ["dev"], "password": "bob-password"},
        ],
    })
}

/// `application/x-www-form-urlencoded` of `pairs`.
fn form(pairs: &[(&str, &str)]) -> String {
    let url = Url::parse_with_params("http://form.invalid/", pairs).expect("form encoding");
    url.query().unwrap_or_default().to_string()
}

pub struct Idp {
    pub port: u16,
    /// `http://127.0.0.1:<port>`, no trailing slash (what the tokens' `iss` says).
    pub issuer: String,
    client: reqwest::Client,
    _child: Child,
}

impl Idp {
    /// Starts an IdP configured by `config` (`{clients, users, api}`, see `tests/idp/idp.mjs`;
    /// `Value::Null` for the script's defaults) and waits until it listens.
    pub async fn start(config: Value) -> Idp {
        install().await;
        let mut cmd = Command::new("node");
        cmd.arg("idp.mjs").current_dir(dir()).stdout(Stdio::piped()).stderr(Stdio::inherit()).kill_on_drop(true);
        if !config.is_null() {
            cmd.env("IDP_CONFIG", config.to_string());
        }
        let mut child = cmd.spawn().expect("start the test identity provider (node)");
        let stdout = child.stdout.take().expect("IdP stdout");
        let mut lines = BufReader::new(stdout).lines();
        // A liveness guard, not a timing check: a cold `node` loading oidc-provider on a busy
        // two-core runner beside the rest of the suite has taken more than 20 s.
        let port = tokio::time::timeout(Duration::from_secs(120), async {
            loop {
                let line =
                    lines.next_line().await.expect("read the IdP's output").expect("the IdP says where it listens");
                match line.strip_prefix("listening ") {
                    Some(port) => return port.trim().parse::<u16>().expect("listening <port>"),
                    None => eprintln!("idp: {line}"),
                }
            }
        })
        .await
        .expect("the IdP starts within 120 s");
        // Anything it prints later goes to the test's output rather than into a closed pipe.
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("idp: {line}");
            }
        });
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Idp { port, issuer: format!("http://127.0.0.1:{port}"), client, _child: child }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        let resp = self.client.post(self.url(path)).json(&body).send().await.expect("IdP control request");
        let status = resp.status();
        let value = resp.json::<Value>().await.expect("IdP control answer is JSON");
        assert!(status.is_success(), "IdP control {path} answered {status}: {value}");
        value
    }

    /// A new RS256 signing key (the previous one stays published, second); answers its `kid`.
    pub async fn rotate(&self) -> String {
        self.control("/test/rotate", json!({})).await["kid"].as_str().expect("kid").to_string()
    }

    /// The user's groups from now on (the next ID and access tokens carry them).
    pub async fn set_groups(&self, sub: &str, groups: &[&str]) {
        self.control(&format!("/test/users/{sub}/groups"), json!({ "groups": groups })).await;
    }

    /// A JWT with `claims` (`iss`, `iat`, `exp` default to the issuer, now, now + 300 s; a claim
    /// given as null is left out), made as `mode` says: `rs256` (the current key), `none`,
    /// `hs256-public` (HMAC keyed with the current public key's PEM), `foreign-key` (a key
    /// outside the JWKS, under the current `kid`).
    pub async fn mint(&self, claims: Value, mode: &str) -> String {
        self.mint_with_header(claims, json!({}), mode).await
    }

    /// [`Idp::mint`] with extra or replaced header fields (`kid`, `alg`, `typ`, ...).
    pub async fn mint_with_header(&self, claims: Value, header: Value, mode: &str) -> String {
        let answer = self.control("/test/mint", json!({"claims": claims, "header": header, "mode": mode})).await;
        answer["token"].as_str().expect("token").to_string()
    }

    /// The next authorization-code token response carries, instead of its ID token, one with the
    /// same claims plus `id_token_overrides`, made as `mode` says (see [`Idp::mint`]). One shot.
    pub async fn tamper(&self, id_token_overrides: Value, mode: &str) {
        let answer = self.control("/test/tamper", json!({"idToken": id_token_overrides, "mode": mode})).await;
        assert_eq!(answer["armed"], true, "tamper armed: {answer}");
    }

    /// Requests to `/token` and `/jwks` so far, oldest first: `[{method, path, at}]`.
    pub async fn log(&self) -> Vec<Value> {
        let resp = self.client.get(self.url("/test/log")).send().await.expect("IdP log");
        resp.json::<Vec<Value>>().await.expect("IdP log is JSON")
    }

    /// How many times the JWKS has been fetched so far.
    pub async fn jwks_fetches(&self) -> usize {
        self.log().await.iter().filter(|e| e["path"] == "/jwks").count()
    }

    /// A client-credentials access token (a JWT for [`API_AUDIENCE`]), the client authenticating
    /// with HTTP Basic. `resource` is the resource indicator; "" asks for the default
    /// ([`API_RESOURCE`]). Fails the test unless the IdP issues one.
    pub async fn client_credentials(&self, client_id: &str, secret: &str, resource: &str) -> String {
        let mut params = vec![("grant_type", "client_credentials")];
        if !resource.is_empty() {
            params.push(("resource", resource));
        }
        // RFC 6749 2.3.1: both halves are form-encoded before they are joined.
        let encode = |s: &str| form(&[("v", s)])[2..].to_string();
        let resp = self
            .client
            .post(self.url("/token"))
            .basic_auth(encode(client_id), Some(encode(secret)))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(&params))
            .send()
            .await
            .expect("token request");
        let status = resp.status();
        let body = resp.json::<Value>().await.expect("token response is JSON");
        assert!(status.is_success(), "client credentials refused ({status}): {body}");
        body["access_token"].as_str().expect("access_token").to_string()
    }

    /// Signs in as a browser would, without one: GETs `authorize_url` (where the relying party
    /// sent the user), submits the IdP's login form with `login` (sub or email) and `password`,
    /// and follows the IdP's redirects until one leads away from it; answers that URL (the
    /// relying party's callback, with `code`, `state` and `iss`, or with `error`). Each call is
    /// a fresh browser: no IdP session is carried over. Fails the test if the IdP refuses the
    /// credentials or shows an error page.
    pub async fn sign_in(&self, authorize_url: &str, login: &str, password: &str) -> String {
        let mut browser = Browser::new(self);
        let mut url = Url::parse(authorize_url).expect("an absolute authorization URL");
        let mut post: Option<String> = None;
        let mut submitted = false;
        for _ in 0..20 {
            let body = match browser.fetch(&url, post.take()).await {
                Fetched::Away(to) => return to.to_string(),
                Fetched::Redirect(to) => {
                    url = to;
                    continue;
                }
                Fetched::Page(body) => body,
            };
            assert!(
                body.contains("<title>Test IdP sign-in</title>"),
                "expected the IdP's sign-in form at {url}: {body}"
            );
            assert!(!submitted, "the IdP refused {login}'s credentials: {body}");
            url = url.join(&form_action(&body)).expect("a valid form action");
            post = Some(form(&[("login", login), ("password", password)]));
            submitted = true;
        }
        panic!("the sign-in at {authorize_url} did not leave the IdP within 20 steps (last: {url})");
    }

    /// Does in a fresh browser what a person does with a device's code (RFC 8628): opens
    /// `verification_uri_complete`, confirms the code (or, with `approve` false, aborts), signs
    /// in with `login` and `password`, and reaches the IdP's closing page. Answers that page's
    /// title: "Test IdP device done" once approved, "Test IdP device code" after an abort.
    pub async fn answer_device(
        &self,
        verification_uri_complete: &str,
        login: &str,
        password: &str,
        approve: bool,
    ) -> String {
        let mut browser = Browser::new(self);
        let mut url = Url::parse(verification_uri_complete).expect("an absolute verification URI");
        let mut post: Option<String> = None;
        for _ in 0..20 {
            let body = match browser.fetch(&url, post.take()).await {
                Fetched::Away(to) => panic!("the device sign-in left the IdP for {to}"),
                Fetched::Redirect(to) => {
                    url = to;
                    continue;
                }
                Fetched::Page(body) => body,
            };
            let title = body.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or_default();
            let mut fields = hidden_inputs(&body);
            match title {
                // The page that posts the code from the address on (a browser submits it itself).
                "Submitting Callback" => {}
                "Test IdP device confirm" if !approve => fields.push(("abort".into(), "yes".into())),
                "Test IdP device confirm" => {}
                "Test IdP sign-in" => {
                    fields = vec![("login".into(), login.into()), ("password".into(), password.into())]
                }
                "Test IdP device done" | "Test IdP device code" => return title.to_string(),
                _ => panic!("unexpected IdP page at {url}: {body}"),
            }
            url = url.join(&form_action(&body)).expect("a valid form action");
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            post = Some(form(&pairs));
        }
        panic!("the device sign-in at {verification_uri_complete} did not finish within 20 steps (last: {url})");
    }
}

/// The `action` of the first form on `page`.
fn form_action(page: &str) -> String {
    page.split("action=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("the page has a form").to_string()
}

/// `(name, value)` of every `<input type="hidden" name=… value=…>` on `page`, in order.
fn hidden_inputs(page: &str) -> Vec<(String, String)> {
    page.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|rest| {
            let (name, rest) = rest.split_once('"')?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

/// What one request of a [`Browser`] led to.
enum Fetched {
    /// A redirect within the IdP.
    Redirect(Url),
    /// A redirect away from it.
    Away(Url),
    /// A page (the test fails on any status but success).
    Page(String),
}

/// A browser without one: its own cookies for the IdP, no redirects followed by itself.
struct Browser<'a> {
    idp: &'a Idp,
    origin: reqwest::Url,
    cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    fn new(idp: &'a Idp) -> Self {
        Self { idp, origin: Url::parse(&idp.issuer).expect("the issuer is a URL"), cookies: BTreeMap::new() }
    }

    /// GETs `url`, or POSTs the form `post` to it.
    async fn fetch(&mut self, url: &Url, post: Option<String>) -> Fetched {
        let cookie = self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
        let req = match post {
            Some(body) => {
                self.idp.client.post(url.clone()).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(body)
            }
            None => self.idp.client.get(url.clone()),
        };
        let resp = req.header(COOKIE, cookie).send().await.expect("request to the IdP");
        for set in resp.headers().get_all(SET_COOKIE) {
            let set = set.to_str().expect("a readable Set-Cookie");
            let pair = set.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            // oidc-provider clears a cookie by setting it empty (and expired).
            if value.is_empty() {
                self.cookies.remove(name.trim());
            } else {
                self.cookies.insert(name.trim().to_string(), value.to_string());
            }
        }
        let status = resp.status();
        if status.is_redirection() {
            let location = resp.headers().get(LOCATION).expect("a redirect has a Location");
            let next = url.join(location.to_str().expect("a readable Location")).expect("a valid Location");
            return if next.origin() == self.origin.origin() { Fetched::Redirect(next) } else { Fetched::Away(next) };
        }
        let body = resp.text().await.expect("IdP page");
        assert!(status.is_success(), "the IdP answered {status} at {url}: {body}");
        Fetched::Page(body)
    }
}
