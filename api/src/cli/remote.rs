//! The command line as a client of a Praetor server. `praetor login` signs in to an
//! organization on a server and keeps the credential as a named context (see [`super::contexts`]):
//! at one of the organization's identity providers with the device authorization grant
//! (RFC 8628: the terminal shows an address and a code, the person signs in in any browser, the
//! provider's access token is then used on the API, renewed with its refresh token), or with an
//! API key read from standard input. `praetor whoami`, `praetor logout` and `praetor context
//! list|use` work on those contexts. Every credential is checked against the server before it
//! is kept: a refused one leaves the file as it was.
//!
//! Exit codes: 0 done; 1 refused or failed (the server's error code printed first); 2 usage.

use std::fmt;
use std::future::Future;
use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Utc};
use graphql_client::GraphQLQuery;
use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreDeviceAuthorizationResponse,
    CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode,
    CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, ClientId, DeviceAuthorizationUrl, DeviceCodeErrorResponseType, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, OAuth2TokenResponse, ProviderMetadata, RefreshToken, RequestTokenError,
    Scope,
};
use praetor::clock::{Clock, SystemClock};
use praetor::oidc::error_chain;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client;
use super::contexts::{self, ClientConfig, Context, Credential};

/// Why a command did not do what was asked: the server's error code when it refused.
#[derive(Debug)]
pub struct Failure {
    code: Option<String>,
    message: String,
    usage: bool,
}

impl Failure {
    /// Wrong use of the command (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self { code: None, message: message.into(), usage: true }
    }

    /// Something here failed: a file, the network, a provider (exit 1).
    pub fn local(message: impl Into<String>) -> Self {
        Self { code: None, message: message.into(), usage: false }
    }

    /// The server refused, saying why with `code` (exit 1).
    pub fn refused(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: Some(code.into()), message: message.into(), usage: false }
    }

    pub fn exit_code(&self) -> ExitCode {
        if self.usage { ExitCode::from(2) } else { ExitCode::FAILURE }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[derive(clap::Args)]
pub struct LoginArgs {
    /// The server's address (https://praetor.example.com).
    #[arg(long)]
    server: String,
    /// The organization's slug.
    #[arg(long)]
    org: String,
    /// The identity provider to sign in at, by name, when the organization has several.
    #[arg(long)]
    provider: Option<String>,
    /// Read an API key from standard input instead of signing in at a provider.
    #[arg(long)]
    api_key_stdin: bool,
    /// The name to keep this sign-in under (default: the organization's slug).
    #[arg(long)]
    context: Option<String>,
    /// Give up waiting for the browser sign-in after this many seconds.
    #[arg(long, default_value_t = 600)]
    wait_seconds: u64,
}

#[derive(clap::Subcommand)]
pub enum ContextCommand {
    /// The contexts, the current one marked with `*`.
    #[command(after_help = "Example:\n  praetor context list")]
    List,
    /// Make a context the current one.
    #[command(after_help = "Example:\n  praetor context use acme")]
    Use { name: String },
}

fn now() -> DateTime<Utc> {
    SystemClock.now()
}

fn http_client() -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("praetor-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Failure::local(format!("cannot make an HTTP client: {e}")))
}

/// `https://host[:port]` without a trailing slash; only http and https.
fn clean_server(server: &str) -> Result<String, Failure> {
    let url = reqwest::Url::parse(server.trim())
        .map_err(|e| Failure::usage(format!("--server {server:?} is not an address: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Failure::usage(format!("--server {server:?} must be an http or https address")));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Sends a GraphQL request `body` to the server's endpoint with `bearer`; answers `data`, or
/// the first error with its code (and, for a VALIDATION error, the field at fault and any
/// policy diagnostics, `file:line:column` as `praetor policy validate` prints them).
async fn post(http: &reqwest::Client, server: &str, bearer: &str, body: &impl Serialize) -> Result<Value, Failure> {
    let response = http
        .post(format!("{server}/graphql"))
        .bearer_auth(bearer)
        .json(body)
        .send()
        .await
        .map_err(|e| Failure::local(format!("cannot reach {server}: {e}")))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| Failure::local(format!("{server} answered {status} with something other than JSON: {e}")))?;
    match body["errors"].as_array().and_then(|e| e.first()) {
        Some(error) => Err(refusal(error)),
        None => Ok(body["data"].clone()),
    }
}

/// A GraphQL error as a [`Failure`].
pub fn refusal(error: &Value) -> Failure {
    let code = error["extensions"]["code"].as_str().unwrap_or("ERROR");
    let message = error["message"].as_str().unwrap_or("refused");
    let mut message = match error["extensions"]["field"].as_str() {
        Some(field) => format!("{field}: {message}"),
        None => message.to_string(),
    };
    for d in error["extensions"]["diagnostics"].as_array().into_iter().flatten() {
        let at = d["path"].as_str().filter(|p| !p.is_empty()).map(|p| format!(" (at {p})")).unwrap_or_default();
        message.push_str(&format!(
            "\n{}:{}:{}: {}[{}]: {}{at}",
            d["file"].as_str().unwrap_or("?"),
            d["line"],
            d["column"],
            d["severity"].as_str().unwrap_or("error").to_lowercase(),
            d["code"].as_str().unwrap_or("?"),
            d["message"].as_str().unwrap_or("")
        ));
    }
    Failure::refused(code, message)
}

/// Sends operation `Q` with `variables`; answers its typed `data`.
async fn run<Q: GraphQLQuery>(
    http: &reqwest::Client,
    server: &str,
    bearer: &str,
    variables: Q::Variables,
) -> Result<Q::ResponseData, Failure> {
    let data = post(http, server, bearer, &request_body::<Q>(variables)).await?;
    serde_json::from_value(data).map_err(|e| {
        Failure::local(format!("{server} answered in a shape this command line does not know (another version?): {e}"))
    })
}

/// The request of operation `Q`: only its own part of the document it is written in.
pub fn request_body<Q: GraphQLQuery>(variables: Q::Variables) -> Value {
    let body = Q::build_query(variables);
    serde_json::json!({
        "query": client::operation_document(body.query, body.operation_name),
        "operationName": body.operation_name,
        "variables": serde_json::to_value(&body.variables).unwrap_or_default(),
    })
}

/// Who `bearer` is on `server`; fails unless it may enter organization `org`.
async fn viewer_in(
    http: &reqwest::Client,
    server: &str,
    bearer: &str,
    org: &str,
) -> Result<client::viewer::ViewerViewer, Failure> {
    let viewer = run::<client::Viewer>(http, server, bearer, client::viewer::Variables).await?.viewer;
    if !viewer.orgs.iter().any(|o| o.slug == org) {
        return Err(Failure::refused(
            "FORBIDDEN",
            format!("{} does not belong to organization `{org}` on {server}", viewer.name),
        ));
    }
    Ok(viewer)
}

#[derive(Deserialize)]
struct SignInOptions {
    providers: Vec<ProviderOption>,
}

#[derive(Deserialize)]
struct ProviderOption {
    name: String,
    device: Option<DeviceOption>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeviceOption {
    issuer: String,
    client_id: String,
    audience: String,
    scopes: Vec<String>,
}

/// The provider of organization `org` to sign in at from the command line.
async fn device_provider(
    http: &reqwest::Client,
    server: &str,
    org: &str,
    wanted: Option<&str>,
) -> Result<(String, DeviceOption), Failure> {
    let response = http
        .get(format!("{server}/auth/providers"))
        .query(&[("org", org)])
        .send()
        .await
        .map_err(|e| Failure::local(format!("cannot reach {server}: {e}")))?;
    let options: SignInOptions =
        response.json().await.map_err(|e| Failure::local(format!("{server} did not list its sign-in options: {e}")))?;
    let usable: Vec<(String, DeviceOption)> =
        options.providers.into_iter().filter_map(|p| p.device.map(|d| (p.name, d))).collect();
    let api_key_hint = format!(
        "sign in with an API key instead: praetor login --server {server} --org {org} --api-key-stdin < key-file"
    );
    if let Some(name) = wanted {
        let names = usable.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
        return usable.into_iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).ok_or_else(|| {
            Failure::local(format!(
                "organization `{org}` has no provider `{name}` that signs in from the command line (those that do: {}); {api_key_hint}",
                if names.is_empty() { "none" } else { &names }
            ))
        });
    }
    match usable.len() {
        0 => Err(Failure::local(format!(
            "organization `{org}` has no identity provider set up for signing in from the command line; {api_key_hint}"
        ))),
        1 => Ok(usable.into_iter().next().ok_or_else(|| Failure::local("no provider"))?),
        _ => Err(Failure::usage(format!(
            "organization `{org}` has several providers; choose one with --provider: {}",
            usable.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The discovery document's device authorization endpoint, which the standard metadata leaves out.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct DeviceEndpoint {
    #[serde(default)]
    device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
}

impl AdditionalProviderMetadata for DeviceEndpoint {}

type DeviceProviderMetadata = ProviderMetadata<
    DeviceEndpoint,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// A client made from a discovery document: authorization endpoint set, token and userinfo
/// endpoints as the document says.
type ProviderClient =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

type Fetching =
    std::pin::Pin<Box<dyn Future<Output = Result<openidconnect::HttpResponse, praetor::oidc::FetchError>> + Send>>;

/// Sends one of the OAuth client's requests (no redirects followed).
fn send(http: &reqwest::Client) -> impl Fn(openidconnect::HttpRequest) -> Fetching + '_ {
    move |request| {
        let http = http.clone();
        Box::pin(async move { praetor::oidc::execute(&http, request).await })
    }
}

/// The provider's client for the command line, from its discovery document; with the device
/// authorization endpoint when it has one.
async fn provider_client(
    http: &reqwest::Client,
    issuer: &str,
    client_id: &str,
) -> Result<(ProviderClient, Option<DeviceAuthorizationUrl>), Failure> {
    let issuer_url = IssuerUrl::new(issuer.to_string()).map_err(|e| Failure::local(format!("issuer {issuer}: {e}")))?;
    let fetch = send(http);
    let metadata = DeviceProviderMetadata::discover_async(issuer_url, &fetch)
        .await
        .map_err(|e| Failure::local(format!("cannot read the discovery document of {issuer}: {}", error_chain(&e))))?;
    let device = metadata.additional_metadata().device_authorization_endpoint.clone();
    Ok((CoreClient::from_provider_metadata(metadata, ClientId::new(client_id.to_string()), None), device))
}

/// The `resource` parameter (RFC 8707) naming the API, when the audience is an absolute URI;
/// providers that take the audience from the client's settings need none.
fn resource(audience: &str) -> Option<String> {
    reqwest::Url::parse(audience).ok().map(|_| audience.to_string())
}

fn expiry(expires_in: Option<Duration>) -> Option<DateTime<Utc>> {
    expires_in.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| now() + d)
}

/// Signs in at `name` with the device authorization grant: shows where to go, waits for the
/// person to finish in a browser, answers the credential.
async fn device_sign_in(
    http: &reqwest::Client,
    name: &str,
    option: DeviceOption,
    wait: Duration,
) -> Result<Credential, Failure> {
    let (client, device_url) = provider_client(http, &option.issuer, &option.client_id).await?;
    let device_url = device_url.ok_or_else(|| {
        Failure::local(format!(
            "{name} ({}) does not offer the device authorization grant; sign in with an API key instead (--api-key-stdin)",
            option.issuer
        ))
    })?;
    let client = client.set_device_authorization_url(device_url);
    let fetch = send(http);
    let mut request = client.exchange_device_code().add_scope(Scope::new("offline_access".into()));
    for scope in &option.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    if let Some(resource) = resource(&option.audience) {
        request = request.add_extra_param("resource", resource);
    }
    let details: CoreDeviceAuthorizationResponse = request.request_async(&fetch).await.map_err(|e| match e {
        RequestTokenError::ServerResponse(r) => Failure::local(format!("{name} refused to start a sign-in: {r}")),
        other => Failure::local(format!("{name} could not start a sign-in: {}", error_chain(&other))),
    })?;
    let open = details
        .verification_uri_complete()
        .map(|u| u.secret().to_string())
        .unwrap_or_else(|| details.verification_uri().to_string());
    eprintln!("To sign in at {name}, open this address in a browser:");
    eprintln!("    {open}");
    eprintln!("and check that the page shows the code {}.", details.user_code().secret());
    eprintln!("Waiting for you to finish there…");
    let polling = client
        .exchange_device_access_token(&details)
        .map_err(|e| Failure::local(format!("{name}: {e}")))?
        .request_async(&fetch, tokio::time::sleep, Some(wait));
    let token = polling.await.map_err(|e| match e {
        RequestTokenError::ServerResponse(r) => match r.error() {
            DeviceCodeErrorResponseType::AccessDenied => Failure::local(format!("the sign-in was refused at {name}")),
            DeviceCodeErrorResponseType::ExpiredToken => Failure::local(format!(
                "the code expired before the sign-in at {name} finished: run praetor login again"
            )),
            _ => Failure::local(format!("{name} refused the sign-in: {r}")),
        },
        other => Failure::local(format!("the sign-in at {name} did not finish: {}", error_chain(&other))),
    })?;
    Ok(Credential::Provider {
        provider: name.to_string(),
        issuer: option.issuer,
        client_id: option.client_id,
        audience: option.audience,
        access_token: token.access_token().secret().clone(),
        refresh_token: token.refresh_token().map(|r| r.secret().clone()),
        expires_at: expiry(token.expires_in()),
    })
}

/// The bearer token of `credential`, renewed first when it has expired (or is about to) and
/// can be; answers whether it changed (so the file is saved).
async fn bearer(http: &reqwest::Client, credential: &mut Credential) -> Result<(String, bool), Failure> {
    let (provider, issuer, client_id, audience, access_token, refresh_token, expires_at) = match credential {
        Credential::ApiKey { key } => return Ok((key.clone(), false)),
        Credential::Provider { provider, issuer, client_id, audience, access_token, refresh_token, expires_at } => {
            (provider, issuer, client_id, audience, access_token, refresh_token, expires_at)
        }
    };
    let fresh = expires_at.is_none_or(|at| at - chrono::Duration::seconds(30) > now());
    if fresh {
        return Ok((access_token.clone(), false));
    }
    let again = "run praetor login again";
    let rt = refresh_token
        .clone()
        .ok_or_else(|| Failure::local(format!("the sign-in at {provider} has expired: {again}")))?;
    let (client, _) = provider_client(http, issuer, client_id).await?;
    let fetch = send(http);
    let rt = RefreshToken::new(rt);
    let mut request = client.exchange_refresh_token(&rt).map_err(|e| Failure::local(format!("{provider}: {e}")))?;
    if let Some(resource) = resource(audience) {
        request = request.add_extra_param("resource", resource);
    }
    let token = request.request_async(&fetch).await.map_err(|e| match e {
        RequestTokenError::ServerResponse(r) => {
            Failure::local(format!("{provider} would not renew the sign-in ({r}): {again}"))
        }
        other => Failure::local(format!("cannot renew the sign-in at {provider}: {}", error_chain(&other))),
    })?;
    *access_token = token.access_token().secret().clone();
    if let Some(r) = token.refresh_token() {
        *refresh_token = Some(r.secret().clone());
    }
    *expires_at = expiry(token.expires_in());
    Ok((access_token.clone(), true))
}

/// `praetor login`.
pub async fn login(file: Option<PathBuf>, args: LoginArgs) -> Result<(), Failure> {
    let path = contexts::path(file.as_deref())?;
    let server = clean_server(&args.server)?;
    let org = args.org.trim().to_string();
    if org.is_empty() {
        return Err(Failure::usage("--org must not be empty"));
    }
    let http = http_client()?;
    let mut credential = if args.api_key_stdin {
        let mut key = String::new();
        std::io::stdin()
            .read_to_string(&mut key)
            .map_err(|e| Failure::local(format!("cannot read the API key from standard input: {e}")))?;
        let key = key.trim().to_string();
        if key.is_empty() {
            return Err(Failure::usage("--api-key-stdin: standard input held no key"));
        }
        Credential::ApiKey { key }
    } else {
        let (name, option) = device_provider(&http, &server, &org, args.provider.as_deref()).await?;
        device_sign_in(&http, &name, option, Duration::from_secs(args.wait_seconds)).await?
    };
    let (token, _) = bearer(&http, &mut credential).await?;
    let viewer = viewer_in(&http, &server, &token, &org).await?;
    // Read the file only now: a sign-in takes minutes, and another command may have saved since.
    let mut config = contexts::load(&path)?;
    let name = args.context.unwrap_or_else(|| org.clone());
    config.contexts.insert(name.clone(), Context { server: server.clone(), org: org.clone(), credential });
    config.current_context = Some(name.clone());
    contexts::save(&path, &config)?;
    println!(
        "Signed in to {server} as {} in organization {org}; context `{name}` is current ({}).",
        viewer.name,
        path.display()
    );
    Ok(())
}

/// A context's server, organization and a bearer token good now: what every command that asks
/// the server needs.
pub struct Session {
    pub name: String,
    pub context: Context,
    http: reqwest::Client,
    token: String,
}

impl Session {
    /// The current context (or `context`), its credential renewed first if it must be (and the
    /// renewed tokens saved into the file as it is now).
    pub async fn open(file: Option<PathBuf>, context: Option<String>) -> Result<Self, Failure> {
        let path = contexts::path(file.as_deref())?;
        let config = contexts::load(&path)?;
        let (name, mut ctx) = config.pick(context.as_deref())?;
        let http = http_client()?;
        let (token, renewed) = bearer(&http, &mut ctx.credential).await?;
        if renewed {
            let mut latest = contexts::load(&path)?;
            latest.contexts.insert(name.clone(), ctx.clone());
            contexts::save(&path, &latest)?;
        }
        Ok(Self { name, context: ctx, http, token })
    }

    /// Sends operation `Q` (see [`client`]) with `variables`; answers its typed `data` or the
    /// server's refusal.
    pub async fn run<Q: GraphQLQuery>(&self, variables: Q::Variables) -> Result<Q::ResponseData, Failure> {
        run::<Q>(&self.http, &self.context.server, &self.token, variables).await
    }

    /// The bearer token, for the websocket of a subscription (never printed).
    pub fn bearer(&self) -> &str {
        &self.token
    }
}

/// `praetor whoami`: who the context's credential is on its server (renewing it if it must).
pub async fn whoami(file: Option<PathBuf>, context: Option<String>) -> Result<(), Failure> {
    let session = Session::open(file, context).await?;
    let (name, ctx) = (&session.name, &session.context);
    let viewer = viewer_in(&session.http, &ctx.server, &session.token, &ctx.org).await?;
    let org_name =
        viewer.orgs.iter().find(|o| o.slug == ctx.org).map(|o| o.name.clone()).unwrap_or_else(|| ctx.org.clone());
    let kind = serde_json::to_value(&viewer.kind).ok().and_then(|k| k.as_str().map(str::to_string)).unwrap_or_default();
    println!("{}", viewer.name);
    println!("  kind:         {}", kind.to_lowercase().replace('_', " "));
    println!("  organization: {} ({org_name})", ctx.org);
    println!("  server:       {}", ctx.server);
    println!("  context:      {name} ({})", ctx.credential.describe());
    Ok(())
}

/// `praetor logout`: forgets the context and its credential.
pub fn logout(file: Option<PathBuf>, context: Option<String>) -> Result<(), Failure> {
    let path = contexts::path(file.as_deref())?;
    let mut config = contexts::load(&path)?;
    let (name, ctx) = config.pick(context.as_deref())?;
    config.contexts.remove(&name);
    if config.current_context.as_deref() == Some(name.as_str()) {
        config.current_context = None;
    }
    contexts::save(&path, &config)?;
    println!("Forgot context `{name}` ({} in {}).", ctx.org, ctx.server);
    if matches!(ctx.credential, Credential::ApiKey { .. }) {
        println!("The API key itself still works until an administrator revokes it.");
    }
    Ok(())
}

/// `praetor context list|use`.
pub fn context(file: Option<PathBuf>, command: ContextCommand) -> Result<(), Failure> {
    let path = contexts::path(file.as_deref())?;
    let mut config: ClientConfig = contexts::load(&path)?;
    match command {
        ContextCommand::List => {
            if config.contexts.is_empty() {
                println!("No contexts yet: praetor login --server URL --org SLUG");
            }
            for (name, ctx) in &config.contexts {
                let mark = if config.current_context.as_deref() == Some(name.as_str()) { "*" } else { " " };
                println!("{mark} {name}\t{}\t{}\t{}", ctx.server, ctx.org, ctx.credential.describe());
            }
        }
        ContextCommand::Use { name } => {
            config.pick(Some(&name))?;
            config.current_context = Some(name.clone());
            contexts::save(&path, &config)?;
            println!("Context `{name}` is current.");
        }
    }
    Ok(())
}
